# Stage 6: the claims table: which of the paper's claims hold here, under every analysis choice
# that can change a verdict (src/selectivity/claims/), from the runs, similarity and robustness
# tables; first in the report (category "Claims").


rule claims:
    input:
        unpack(claims_tables),
        code=CLAIMS_CODE,
    output:
        csv=report(
            pattern(layout.CLAIMS),
            caption="../report/claims.rst",
            category="Claims",
            labels={"table": "claims", "file": "CSV"},
        ),
        html=report(
            pattern(layout.CLAIMS_PAGE),
            caption="../report/claims.rst",
            category="Claims",
            labels={"table": "claims", "file": "page"},
        ),
    log:
        f"{LOGS}/claims.log",
    conda:
        ENV
    params:
        settings=json.dumps(CLAIMS_PARAMS),
        inputs=claims_input_args,
    shell:
        "python -m selectivity claims-table --settings {params.settings:q} {params.inputs} "
        "--out {output.csv} --html {output.html} > {log} 2>&1"
