# Class-selectivity regularization (Leavitt & Morcos, ICLR 2021) as a reproducible pipeline.
#   snakemake --cores 8 figures/fig2.pdf        one paper figure (config.yaml: the paper's setup)
#   snakemake --profile profiles/demo           the whole pipeline on bundled data (config/demo.yaml)
# Rules live in workflow/rules/ by stage; all logic lives in the `selectivity` package (src/).


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


wildcard_constraints:
    experiment=r"[A-Za-z0-9_.\-]+",
    alpha=ALPHA_PATTERN,
    seed=r"[0-9]+",
    epoch=r"[0-9]+",
    subset=r"all|penalize|promote",
    dataset="|".join(DATASETS),


include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/robustness.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/claims.smk"


rule all:
    default_target: True
    input:
        all_targets(),
