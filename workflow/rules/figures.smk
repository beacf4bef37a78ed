# Stage 4: paper figures, each with a CSV of the numbers and p-values it shows.

STATS = config["stats"]
STATS_ARGS = (
    f"--ci {STATS['ci']} --n-bootstrap {STATS['n_bootstrap']} "
    f"--bootstrap-seed {STATS['bootstrap_seed']}"
    + ("" if STATS["equal_var"] else " --welch")
)


rule fig2:
    input:
        runs=lambda wc: f"{RESULTS}/{config['figures']['fig2']['experiment']}/runs_penalize.csv",
    output:
        pdf=report(
            f"{FIGURES}/fig2.pdf", caption="../report/fig2.rst", category="Figures"
        ),
        csv=f"{FIGURES}/fig2.csv",
    log:
        f"{LOGS}/figures/fig2.log",
    conda:
        ENV
    params:
        zoom=config["figures"]["fig2"]["zoom_max_abs_alpha"],
        stats=STATS_ARGS,
    shell:
        "python -m selectivity plot fig2 --runs {input.runs} --out {output.pdf} --stats {output.csv} "
        "--zoom-max-abs-alpha {params.zoom} {params.stats} > {log} 2>&1"
