# Stage 3: per-run analysis (activation dump, unit metrics) and representational similarity between runs.


# The same two rules for the model after epoch k of a run with training.save_epochs (epoch_<k>/):
# dump_activations_epoch, unit_metrics_epoch.
for _suffix, _model, _acts, _units, _where in (
    ("", layout.MODEL, layout.ACTIVATIONS, layout.UNITS, ""),
    (
        "_epoch",
        layout.EPOCH_MODEL,
        layout.EPOCH_ACTIVATIONS,
        layout.EPOCH_UNITS,
        "_epoch_{epoch}",
    ),
):

    rule:
        name:
            f"dump_activations{_suffix}"
        input:
            model=pattern(_model),
            data=dataset_file,
            code=code("dump-activations"),
        output:
            pattern(_acts),
        log:
            f"{LOGS}/dump_activations/{{experiment}}/alpha_{{alpha}}/seed_{{seed}}{_where}.log",
        group:
            "run"
        conda:
            ENV
        params:
            dtype=ANALYSIS["activation_dtype"],
            device=analysis_device,
        shell:
            "python -m selectivity dump-activations --model {input.model} --data {input.data} "
            "--out {output} --dtype {params.dtype} --device {params.device} > {log} 2>&1"

    rule:
        name:
            f"unit_metrics{_suffix}"
        input:
            acts=pattern(_acts),
            code=code("unit-metrics"),
        output:
            pattern(_units),
        log:
            f"{LOGS}/unit_metrics/{{experiment}}/alpha_{{alpha}}/seed_{{seed}}{_where}.log",
        group:
            "run"
        conda:
            ENV
        params:
            precision=(
                f"--precision-n {ANALYSIS['precision_n']}"
                if ANALYSIS["precision_n"]
                else ""
            ),
            eps=lambda wc: experiment(wc.experiment)["training"]["selectivity_eps"],
            null=f"--null-permutations {ANALYSIS['si_null_permutations']} --null-seed {ANALYSIS['si_null_seed']}",
        shell:
            "python -m selectivity unit-metrics --acts {input.acts} --out {output} "
            "{params.precision} --eps {params.eps} {params.null} > {log} 2>&1"


rule similarity:
    input:
        models=lambda wc: alpha_files(
            wc.experiment, parse_alpha(wc.alpha), layout.MODEL
        ),
        baseline=lambda wc: (
            alpha_files(wc.experiment, 0.0, layout.MODEL)
            if parse_alpha(wc.alpha) != 0
            else []
        ),
        data=dataset_file,
        code=code("similarity"),
    output:
        pattern(layout.SIMILARITY_TABLE),
    log:
        f"{LOGS}/similarity/{{experiment}}/alpha_{{alpha}}.log",
    conda:
        ENV
    threads: ANALYSIS["similarity_threads"]
    params:
        epsilon=ANALYSIS["pwcca_epsilon"],
        readings=" ".join(ANALYSIS["similarity_readings"]),
        measures=" ".join(ANALYSIS["similarity_measures"]),
        rows_per_neuron=ANALYSIS["rows_per_neuron"],
        min_rows=ANALYSIS["min_rows"],
        device=analysis_device,
        seeds=seeds_arg,
        baseline_seeds=lambda wc: seeds_arg(wc) if parse_alpha(wc.alpha) != 0 else "",
    shell:
        "python -m selectivity similarity --alpha={wildcards.alpha} --experiment {wildcards.experiment} "
        "--data {input.data} --models {input.models} --seeds {params.seeds} "
        "--baseline-models {input.baseline} --baseline-seeds {params.baseline_seeds} "
        "--readings {params.readings} --measures {params.measures} "
        "--rows-per-neuron {params.rows_per_neuron} --min-rows {params.min_rows} --device {params.device} "
        "--out {output} --epsilon {params.epsilon} --threads {threads} > {log} 2>&1"


rule similarity_to_final:
    input:
        models=lambda wc: alpha_files(
            wc.experiment, parse_alpha(wc.alpha), layout.MODEL
        ),
        epoch_models=lambda wc: [
            path
            for k in experiment(wc.experiment)["training"]["save_epochs"]
            for path in alpha_files(
                wc.experiment,
                parse_alpha(wc.alpha),
                layout.path(layout.EPOCH_MODEL, epoch=k),
            )
        ],
        data=dataset_file,
        code=code("similarity-to-final"),
    output:
        pattern(layout.TO_FINAL_TABLE),
    log:
        f"{LOGS}/similarity_to_final/{{experiment}}/alpha_{{alpha}}.log",
    conda:
        ENV
    threads: ANALYSIS["similarity_threads"]
    params:
        epsilon=ANALYSIS["pwcca_epsilon"],
        readings=" ".join(ANALYSIS["similarity_readings"]),
        measures=" ".join(ANALYSIS["similarity_measures"]),
        rows_per_neuron=ANALYSIS["rows_per_neuron"],
        min_rows=ANALYSIS["min_rows"],
        device=analysis_device,
        seeds=seeds_arg,
        epochs=lambda wc: " ".join(
            map(str, experiment(wc.experiment)["training"]["save_epochs"])
        ),
    shell:
        "python -m selectivity similarity-to-final --alpha={wildcards.alpha} --experiment {wildcards.experiment} "
        "--data {input.data} --models {input.models} --seeds {params.seeds} --epochs {params.epochs} "
        "--epoch-models {input.epoch_models} --readings {params.readings} --measures {params.measures} "
        "--rows-per-neuron {params.rows_per_neuron} --min-rows {params.min_rows} --device {params.device} "
        "--out {output} --epsilon {params.epsilon} --threads {threads} > {log} 2>&1"
