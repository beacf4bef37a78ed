# Stage 4: tidy tables of runs (one row per run) and of layers (one row per run and unit layer).


rule collect_runs:
    input:
        summaries=lambda wc: run_files(wc.experiment, wc.subset),
        units=lambda wc: run_files(wc.experiment, wc.subset, "units.csv"),
        code=TABLE_CODE,
    output:
        runs=f"{RESULTS}/{{experiment}}/runs_{{subset}}.csv",
        layers=f"{RESULTS}/{{experiment}}/layers_{{subset}}.csv",
    log:
        f"{LOGS}/collect_runs/{{experiment}}_{{subset}}.log",
    conda:
        ENV
    shell:
        "python -m selectivity collect-runs --runs-out {output.runs} --layers-out {output.layers} "
        "{input.summaries} > {log} 2>&1"
