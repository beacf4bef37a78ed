# Stage 3b: per-run robustness (corruptions, attacks, dimensionality per unit layer) of the
# experiments in robustness.experiments, beside the activation dump, and its table per experiment.
# params.settings holds the keys that can change the table (a change reruns these jobs and the
# robust_* figures); the device is a derived param, no rerun trigger.


rule robustness:
    input:
        model=pattern(layout.MODEL),
        data=dataset_file,
        code=code("robustness"),
    output:
        pattern(layout.ROBUSTNESS),
    log:
        f"{LOGS}/robustness/{{experiment}}/alpha_{{alpha}}/seed_{{seed}}.log",
    group:
        "run"
    conda:
        ENV
    params:
        settings=json.dumps(robustness_settings(config), sort_keys=True),
        device=robustness_device,
    shell:
        "python -m selectivity robustness --model {input.model} --data {input.data} "
        "--settings {params.settings:q} --device {params.device} --out {output} > {log} 2>&1"


rule collect_robustness:
    input:
        tables=lambda wc: run_files(wc.experiment, "all", layout.ROBUSTNESS),
        code=code("collect-robustness"),
    output:
        pattern(layout.ROBUSTNESS_TABLE),
    log:
        f"{LOGS}/collect_robustness/{{experiment}}.log",
    conda:
        ENV
    params:
        alphas=lambda wc: " ".join(map(str, experiment(wc.experiment)["alphas"])),
        seeds=seeds_arg,
    shell:
        "python -m selectivity collect-robustness --experiment {wildcards.experiment} "
        "--alphas {params.alphas} --seeds {params.seeds} --out {output} {input.tables} > {log} 2>&1"
