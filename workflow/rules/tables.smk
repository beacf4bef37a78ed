# Stage 3: tidy tables of runs (alpha, seed, test accuracy, test-set mean SI, ...).


rule collect_runs:
    input:
        lambda wc: run_files(wc.experiment, wc.subset),
    output:
        f"{RESULTS}/{{experiment}}/runs_{{subset}}.csv",
    log:
        f"{LOGS}/collect_runs/{{experiment}}_{{subset}}.log",
    conda:
        ENV
    shell:
        "python -m selectivity collect-runs --out {output} {input} > {log} 2>&1"
