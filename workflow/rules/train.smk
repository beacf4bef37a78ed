# Stage 2: one training job per (experiment, alpha, seed). The resume state (train_state.pt in the
# run directory) is deliberately not an output, so Snakemake never deletes it before a retry; a
# retried job (global --retries: a fresh submission with `attempt` times the runtime) resumes it.
# params.run_config holds the keys that can change the result (a change reruns the run);
# params.runtime the others (device, eval_batch_size, ...), which are no rerun trigger.


rule train:
    input:
        data=dataset_file,
        code=TRAIN_CODE,
    output:
        model=pattern(layout.MODEL),
        log=pattern(layout.TRAIN_LOG),
        summary=pattern(layout.SUMMARY),
    log:
        f"{LOGS}/train/{{experiment}}/alpha_{{alpha}}/seed_{{seed}}.log",
    conda:
        ENV
    threads: lambda wc: experiment(wc.experiment)["threads"]
    resources:
        gpu=lambda wc: experiment(wc.experiment)["resources"]["gpu"],
        runtime=lambda wc, attempt: experiment(wc.experiment)["resources"]["runtime"]
        * attempt,
        mem_mb=lambda wc: experiment(wc.experiment)["resources"]["mem_mb"],
        cpus_per_task=lambda wc: experiment(wc.experiment)["threads"],
    params:
        run_config=run_config_json,
        runtime=runtime_json,
        out_dir=RUN,
    shell:
        "python -m selectivity train --data {input.data} --out-dir {params.out_dir} "
        "--config-json {params.run_config:q} --runtime-json {params.runtime:q} "
        "--threads {threads} > {log} 2>&1"
