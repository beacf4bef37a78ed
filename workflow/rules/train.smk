# Stage 2: one training job per (experiment, alpha, seed). The resume state (train_state.pt in the
# run directory) is deliberately not an output, so Snakemake never deletes it before a retry; a
# retried job (global --retries: a fresh submission with `attempt` times the runtime) resumes it.


rule train:
    input:
        data=dataset_file,
        code=TRAIN_CODE,
    output:
        model=f"{RUN}/model.pt",
        log=f"{RUN}/log.csv",
        summary=f"{RUN}/summary.json",
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
        out_dir=RUN,
    shell:
        "python -m selectivity train --data {input.data} --out-dir {params.out_dir} "
        "--config-json {params.run_config:q} --threads {threads} > {log} 2>&1"
