# Stage 4: tidy tables of runs (one row per run) and of layers (one row per run and unit layer).


rule collect_runs:
    input:
        summaries=lambda wc: run_files(wc.experiment, wc.subset, layout.SUMMARY),
        units=lambda wc: run_files(wc.experiment, wc.subset, layout.UNITS),
        code=code("collect-runs"),
    output:
        runs=pattern(layout.RUNS_TABLE),
        layers=pattern(layout.LAYERS_TABLE),
    log:
        f"{LOGS}/collect_runs/{{experiment}}_{{subset}}.log",
    conda:
        ENV
    shell:
        "python -m selectivity collect-runs --runs-out {output.runs} --layers-out {output.layers} "
        "{input.summaries} > {log} 2>&1"
