# Stage 1: prepare each dataset once into a compact .npz with a fixed train / val / test split.


rule prepare_data:
    input:
        code=code("prepare-data"),
    output:
        pattern(layout.DATASET),
    log:
        f"{LOGS}/prepare_data/{{dataset}}.log",
    conda:
        ENV
    params:
        args=lambda wc: " ".join(dataset_args(config, wc.dataset)),
        raw_dir=f"{config['data_dir']}/raw",
    shell:
        "python -m selectivity prepare-data --dataset {wildcards.dataset} --out {output} "
        "--raw-dir {params.raw_dir} {params.args} > {log} 2>&1"
