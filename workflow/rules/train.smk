# Stage 2: training. One job per (experiment, alpha, seed), or, with experiments.<e>.pack_seeds K > 1,
# one job per (experiment, alpha, K seeds) that trains them as one stack (selectivity.training.networks) and
# writes every run's folder as its own job would. The resume state (train_state.pt in the run
# directory) is deliberately not an output, so Snakemake never deletes it before a retry; a retried
# job (global --retries: a fresh submission with `attempt` times the runtime) resumes it.
# params.run_config holds the keys that can change the result (a change reruns the run);
# params.execution the others (device, eval_batch_size, ...) as flags, which are no rerun trigger.
# On a cluster every training job and the activation dumps and unit metrics of its runs form one
# group job ("run"): one submission instead of 1 + 2K (profiles/slurm; README: Cluster packing).


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
    wildcard_constraints:
        experiment=UNPACKED_EXPERIMENTS,
    group:
        "run"
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
        execution=execution_args,
        out_dir=RUN,
    shell:
        "python -m selectivity train --data {input.data} --out-dir {params.out_dir} "
        "--settings {params.run_config:q} {params.execution} --threads {threads} > {log} 2>&1"


for _name, _seeds in SEED_PACKS:

    rule:
        name:
            pack_rule_name(_name, _seeds)
        input:
            data=pattern(layout.DATASET, dataset=experiment(_name)["dataset"]),
            code=TRAIN_CODE,
        output:
            pack_outputs(_name, _seeds),
        log:
            f"{LOGS}/train/{_name}/alpha_{{alpha}}/seeds_{'_'.join(map(str, _seeds))}.log",
        group:
            "run"
        conda:
            ENV
        threads: experiment(_name)["threads"]
        resources:
            gpu=experiment(_name)["resources"]["gpu"],
            runtime=lambda wc, attempt, _name=_name, _seeds=_seeds: experiment(_name)[
                "resources"
            ]["runtime"]
            * len(_seeds)
            * attempt,
            mem_mb=experiment(_name)["resources"]["mem_mb"],
            cpus_per_task=experiment(_name)["threads"],
        params:
            run_configs=pack_run_configs(_name, _seeds),
            execution=pack_execution(_name, _seeds),
            out_dirs=pack_run_dirs(_name, _seeds),
        shell:
            "python -m selectivity train --data {input.data} --out-dir {params.out_dirs} "
            "--settings {params.run_configs:q} {params.execution} --threads {threads} > {log} 2>&1"
