# Stage 4: tidy tables of runs (one row per run), of layers (one row per run and unit layer) and, for
# experiments with training.probe_size > 0, of selectivity per epoch (one row per run, epoch and layer).


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


rule collect_epochs:
    input:
        tables=lambda wc: run_files(wc.experiment, "all", layout.RUN_EPOCHS),
        code=code("collect-epochs"),
    output:
        pattern(layout.EPOCHS_TABLE),
    log:
        f"{LOGS}/collect_epochs/{{experiment}}.log",
    conda:
        ENV
    params:
        alphas=lambda wc: " ".join(map(str, experiment(wc.experiment)["alphas"])),
        seeds=seeds_arg,
    shell:
        "python -m selectivity collect-epochs --experiment {wildcards.experiment} "
        "--alphas {params.alphas} --seeds {params.seeds} --out {output} {input.tables} > {log} 2>&1"
