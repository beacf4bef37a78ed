"""The Snakemake workflow: dry runs on the paper and demo configs, and a tiny end-to-end run."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT, run_cli
from selectivity.plots.specs import DYNAMICS_KINDS, FIGURES

# config/tiny.yaml builds every figure but those of selectivity over training (config/tiny_dynamics.yaml's)
TINY_FIGURES = [f for f in FIGURES if FIGURES[f].kind not in DYNAMICS_KINDS]


def snakemake(*args, cwd, check=True):
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {args} failed:\n{proc.stdout[-5000:]}\n{proc.stderr[-5000:]}")
    return proc


def train_outputs(dry_run_text: str) -> list[str]:
    """The model.pt outputs of the train jobs listed by a dry run."""
    return re.findall(r"output: (\S+/model\.pt)", dry_run_text)


def test_fig2_dry_run_on_the_paper_config_needs_exactly_the_240_resnet20_runs(tmp_path):
    proc = snakemake("figures/fig2.pdf", "-n", "--configfile", ROOT / "config.yaml", cwd=tmp_path)
    text = proc.stdout + proc.stderr
    models = train_outputs(text)
    assert len(models) == 240 == len(set(models))
    alphas = set()
    for path in models:
        m = re.fullmatch(r"results/resnet20/alpha_(-?[0-9.e-]+)/seed_([0-9]+)/model\.pt", path)
        assert m, path
        alphas.add(float(m.group(1)))
        assert 0 <= int(m.group(2)) < 20
    assert alphas == {-30, -20, -10, -5, -2, -1, -0.5, -0.4, -0.3, -0.2, -0.1, 0}
    assert "vgg16" not in text
    assert re.search(r"^train\s+240$", text, re.M)


def test_demo_writes_only_to_its_own_folders(tmp_path):
    # the profile names config/demo.yaml relative to the checkout, where users run it from
    proc = snakemake("-n", "--profile", "profiles/demo", "--directory", tmp_path, cwd=ROOT)
    text = proc.stdout + proc.stderr
    outputs = [p for line in re.findall(r"output: (.+)", text) for p in line.split(", ")]
    assert outputs and len(train_outputs(text)) == 42
    for path in outputs:
        assert path.startswith(("results/demo/", "figures/demo/", "data/demo/")), path
    paper = set(TINY_FIGURES) - {f for f in FIGURES if f.startswith("tin_")}  # the demo has no Tiny ImageNet runs
    assert {f"figures/demo/{fig}.pdf" for fig in paper} <= set(outputs)
    assert len([p for p in outputs if p.endswith("/robustness.csv")]) == 21  # resnet20's runs only
    assert "results/demo/resnet20/robustness_all.csv" in outputs


def test_the_paper_config_declares_robustness_for_resnet20(tmp_path):
    proc = snakemake("figures/robust_si.pdf", "-n", "--configfile", ROOT / "config.yaml", cwd=tmp_path)
    text = proc.stdout + proc.stderr
    jobs = job_counts(text)
    assert jobs["robustness"] == 23 * 20 and jobs["collect_robustness"] == 1 and jobs["figure_robust_si"] == 1
    assert all(p.startswith("results/resnet20/") for p in re.findall(r"output: (\S+/robustness\.csv)", text))


def test_invalid_config_fails_with_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "config/tiny.yaml").read_text().replace("epochs: 2", "epochs: -2"))
    proc = snakemake("-n", "--configfile", bad, "--replace-workflow-config", cwd=tmp_path, check=False)
    assert proc.returncode != 0
    assert "experiments.resnet20.training.epochs" in proc.stdout + proc.stderr
    assert "bad.yaml" in proc.stdout + proc.stderr


def job_counts(text: str) -> dict[str, int]:
    """The "Job stats" table of a (dry) run: rule -> number of jobs."""
    if "Job stats:" not in text:
        return {}
    table = text.split("Job stats:", 1)[1].split("total", 1)[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


@pytest.fixture(scope="module")
def tiny_repo(tmp_path_factory):
    """A copy of the workflow and package with the tiny preset (every figure) run to completion."""
    repo = tmp_path_factory.mktemp("repo")
    for name in ("workflow", "src", "config", "envs"):
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "Snakefile", repo / "Snakefile")
    tiny_run(repo, "--cores", "2")
    return repo


def tiny_run(repo, *args, config="config/tiny.yaml", check=True):
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--configfile", config, "--replace-workflow-config",
                           *args], cwd=repo, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}")
    return proc.stdout + proc.stderr


def test_skipped_figures_are_listed_when_the_workflow_starts(tmp_path):
    config = (ROOT / "config/tiny.yaml").read_text()
    start, end = config.index("  vgg16:"), config.index("  leaky_a:")
    (tmp_path / "no_vgg.yaml").write_text(config[:start] + config[end:])
    proc = snakemake("-n", "--configfile", tmp_path / "no_vgg.yaml", "--replace-workflow-config", cwd=tmp_path)
    text = proc.stdout + proc.stderr
    for fig in ("figA2", "figA3", "figA4", "figA5", "figA6", "figA12"):
        assert f"{fig} is skipped (not built by `all`): it shows experiments ['vgg16']" in text, fig
    assert "fig2 is skipped" not in text and "figure_fig2" in text and "figure_figA3" not in text


@pytest.mark.slow
def test_tiny_end_to_end_run_builds_every_figure(tiny_repo):
    figures, results = tiny_repo / "figures/tiny", tiny_repo / "results/tiny/resnet20"
    for fig in TINY_FIGURES:
        assert (figures / f"{fig}.pdf").read_bytes()[:5] == b"%PDF-", fig
        assert len(pd.read_csv(figures / f"{fig}.csv")) > 0, fig
    stats = pd.read_csv(figures / "fig2.csv")
    assert list(stats[stats.panel == "a"]["alpha"]) == [-1.0, 0.0]
    runs = pd.read_csv(results / "runs_all.csv")
    assert sorted(set(runs["alpha"])) == [-1.0, 0.0, 1.0] and len(runs) == 6
    assert runs["test_accuracy"].between(0, 1).all()
    # the analysis' SI over the test set is the training definition's, on the same activations
    assert (runs["mean_si"] - runs["test_mean_si"]).abs().max() < 1e-5
    for alpha in ("-1", "0", "1"):
        for seed in (0, 1):
            run = results / f"alpha_{alpha}" / f"seed_{seed}"
            assert {p.name for p in run.iterdir()} == {"model.pt", "log.csv", "summary.json", "activations.npz",
                                                       "units.csv", "robustness.csv"}
    robust = pd.read_csv(results / "robustness_all.csv")
    assert len(robust[["alpha", "seed"]].drop_duplicates()) == 6 and set(robust["kind"]) == {
        "corruption", "attack", "dimensionality"}
    assert not (tiny_repo / "results/tiny/vgg16/alpha_0/seed_0/robustness.csv").exists()
    sim = pd.read_csv(results / "similarity/alpha_-1.csv")
    assert set(sim["kind"]) == {"within", "baseline"} and len(sim) == 19 * (1 + 4) * 2 * 3
    assert set(sim["reading"]) == {"positions", "images"} and set(sim["measure"]) == {"pwcca", "cka", "procrustes"}
    assert (sim.groupby(["reading", "layer_index"])["rows"].nunique() == 1).all()  # every measure, the same rows
    assert (tiny_repo / "logs/tiny/train/resnet20/alpha_-1/seed_0.log").exists()
    assert "Nothing to be done" in tiny_run(tiny_repo, "-n")


@pytest.mark.slow
def test_the_claims_table_is_built_first_in_the_report_and_printed(tiny_repo):
    from selectivity.claims.registry import CLAIMS
    from selectivity.claims.table import VERDICTS, read_claims

    claims = read_claims(tiny_repo / "figures/tiny/claims.csv")
    assert set(claims["claim"]) == set(CLAIMS) and set(claims["verdict"]) <= set(VERDICTS)
    assert claims.groupby("claim")["configured"].any().all()  # every claim has a configured variant
    # claim 5 under every measure and reading of the preset, both corrections
    five = claims[claims["claim"] == "5"]
    assert len(five) == 3 * 2 * 2 and set(five["variant"].str.extract(r"reading=(\w+)")[0]) == {"positions", "images"}
    assert set(claims.loc[claims["claim"] == "8e", "experiment"]) == {"leaky_a", "leaky_b"}
    printed = run_cli("claims", tiny_repo / "figures/tiny/claims.csv").stdout
    assert printed.splitlines()[0].startswith("claim") and "verdict changes between variants:" in printed
    # the same table from the config, outside the workflow
    runs = [f"--runs={e}={tiny_repo}/results/tiny/{e}/runs_all.csv" for e in claims_experiments(tiny_repo)]
    sim = [f"--similarity=resnet20={p}" for p in sorted((tiny_repo / "results/tiny/resnet20/similarity").glob("*.csv"))
           if not p.name.startswith("alpha_1")]
    rob = [f"--robustness={e}={tiny_repo}/results/tiny/{e}/robustness_all.csv"
           for e in ("resnet20", "tin_resnet18", "tin_resnet50")]
    again = tiny_repo / "again.csv"
    run_cli("claims-table", "--config", tiny_repo / "config/tiny.yaml", *runs, *sim, *rob, "--out", again,
            cwd=tiny_repo)
    pd.testing.assert_frame_equal(read_claims(again), claims)
    html = (tiny_repo / "figures/tiny/claims.html").read_text()
    assert "Which of the paper's claims hold here" in html


def claims_experiments(repo):
    import yaml

    return list(yaml.safe_load((repo / "config/tiny.yaml").read_text())["experiments"])


@pytest.mark.slow
def test_similarity_convergence_benchmark_runs_on_trained_runs(tiny_repo, tmp_path):
    out = tmp_path / "curve.csv"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks/similarity_convergence.py"), "--results",
                           tiny_repo / "results/tiny/resnet20", "--data", tiny_repo / "data/tiny/synthetic.npz",
                           "--alpha", "-1", "--rows-per-neuron", "2", "4", "--out", out],
                          capture_output=True, text=True, check=True)
    curve = pd.read_csv(out)
    assert set(curve["measure"]) == {"pwcca", "cka", "procrustes"} and set(curve["reading"]) == {"positions", "images"}
    assert set(curve["rows_per_neuron"]) == {2, 4} and curve["ratio"].notna().all() and "ratio_w16" in curve
    assert "rows of one network" in proc.stdout


@pytest.mark.slow
def test_report_holds_every_figure_and_its_numbers_in_paper_order(tiny_repo):
    out = tiny_run(tiny_repo, "--report", "report.html")
    assert "System Message" not in out and "ERROR/" not in out and "WARNING/" not in out
    html = (tiny_repo / "report.html").read_text()
    assert "System Message" not in html and "Undefined substitution" not in html
    order = sorted(FIGURES, key=lambda f: FIGURES[f].order)
    assert order[:6] == ["fig1", "fig2", "fig3", "fig4", "fig5", "figA1"] and order[16] == "figA12"
    assert order[-15] == "tin_resnet50_tradeoff" and order[-11] == "robust_dimensionality"
    assert order[-3] == "tin_resnet50_robust_dimensionality" and order[-2:] == ["dynamics_si", "dynamics_schedules"]
    for fig in TINY_FIGURES:
        for ext in ("pdf", "csv"):
            assert f"figures/tiny/{fig}.{ext}" in html, (fig, ext)
        assert f"{FIGURES[fig].order:02d} {fig}" in html  # the label the report sorts by
    assert "Numbers and tests: fig2.csv." in html
    assert "figures/tiny/claims.csv" in html and "figures/tiny/claims.html" in html
    assert "Start with **Claims**" in html or "Start with <strong>Claims</strong>" in html


@pytest.mark.slow
def test_a_lost_checkpoint_is_rebuilt(tiny_repo):
    """A run folder without model.pt (deleted after a "truncated" error) is retrained by a plain
    snakemake, not left behind with "Nothing to be done"."""
    model = tiny_repo / "results/tiny/vgg16/alpha_1/seed_1/model.pt"
    saved = model.read_bytes()
    model.unlink()
    try:
        out = tiny_run(tiny_repo, "-n")
        jobs = job_counts(out)
        assert jobs.get("train") == 1 and "results/tiny/vgg16/alpha_1/seed_1/model.pt" in out
    finally:
        model.write_bytes(saved)


def dry_jobs(repo, config="config/tiny.yaml") -> dict[str, int]:
    out = tiny_run(repo, "-n", config=config)
    return {} if "Nothing to be done" in out else job_counts(out)


FIGURE_JOBS = {f"figure_{fig}" for fig in TINY_FIGURES}  # config/tiny.yaml builds every figure but the dynamics
ROBUST = tuple(f for f in FIGURES if "robust_" in f)  # resnet20's and the two Tiny ImageNet models' (tiny preset)
ROBUST_JOBS = {"robustness": 18, "collect_robustness": 3, **{f"figure_{f}": 1 for f in ROBUST}, "claims": 1, "all": 1}


# The README's table "What reruns after a change", row by row.
@pytest.mark.slow
@pytest.mark.parametrize("path, edit, expected", [
    ("src/selectivity/plots/specs.py", ("Effects of increasing class selectivity on test accuracy ({model})",
                                        "Effects of raising class selectivity on test accuracy ({model})"),
     {"figure_fig4": 1, "figure_figA5": 1, "all": 1}),  # the two entries with that title
    ("src/selectivity/plots/specs.py", ('subset="penalize", stars=((0.05, "*"), (5e-6, "**")), order=2)',
                                        'subset="penalize", stars=((0.05, "*"), (5e-5, "**")), order=2)'),
     {"figure_fig2": 1, "all": 1}),
    ("src/selectivity/plots/accuracy.py", None, {"figure_fig2": 1, "figure_fig4": 1, "figure_figA3": 1,
                                                 "figure_figA5": 1, "figure_tin_resnet18": 1,
                                                 "figure_tin_resnet50": 1, "all": 1}),
    ("src/selectivity/plots/panels.py", None, {**{f: 1 for f in FIGURE_JOBS}, "claims": 1, "all": 1}),
    ("src/selectivity/stats.py", None, {**{f: 1 for f in FIGURE_JOBS}, "claims": 1, "all": 1}),
    ("src/selectivity/analysis/precision.py", None, "analysis"),
    ("src/selectivity/analysis/collect.py", None, "tables"),
    ("src/selectivity/similarity/cka.py", None, {"similarity": 2, "figure_fig3": 1, "claims": 1, "all": 1}),
    ("src/selectivity/similarity/pwcca.py", None, {"similarity": 2, "figure_fig3": 1, "claims": 1, "all": 1}),
    ("src/selectivity/analysis/similarity_rows.py", None, {"similarity": 2, "figure_fig3": 1, "claims": 1, "all": 1}),
    ("src/selectivity/plots/similarity.py", None, {"figure_fig3": 1, "claims": 1, "all": 1}),
    ("src/selectivity/claims/rules.py", None, {"claims": 1, "all": 1}),
    ("src/selectivity/claims/registry.py", None, {"claims": 1, "all": 1}),
    ("src/selectivity/metrics.py", None, "training"),
    ("src/selectivity/models/vgg.py", None, "training"),  # named by the model registry's lazy reference
    ("src/selectivity/training/loop.py", None, "training"),
    ("src/selectivity/robustness/corruptions.py", None, ROBUST_JOBS),
    ("src/selectivity/plots/robust_si.py", None, {"figure_robust_si": 1, "figure_tin_resnet18_robust_si": 1,
                                                  "figure_tin_resnet50_robust_si": 1, "claims": 1, "all": 1}),
    # robust_dimensionality draws the table's dimensionality rows as they are: no measure of measures.py
    ("src/selectivity/robustness/measures.py", None, {**{f"figure_{f}": 1 for f in ROBUST
                                                         if not f.endswith("robust_dimensionality")},
                                                      "claims": 1, "all": 1}),
    ("src/selectivity/inputs.py", None, {}),
    ("src/selectivity/cli.py", None, {}),
    # a default reaches the rules through the config (their params), as the key set there would
    ("src/selectivity/defaults.py", None, {}),
    ("src/selectivity/defaults.py", ('"pwcca_epsilon": 1e-10', '"pwcca_epsilon": 1e-9'),
     {"similarity": 2, "figure_fig3": 1, "claims": 1, "all": 1}),
])
def test_what_reruns_after_a_code_change(tiny_repo, path, edit, expected):
    target = tiny_repo / path
    original = target.read_text()
    changed = original.replace(*edit) if edit else original + "\n# an edit\n"
    assert changed != original
    target.write_text(changed)
    try:
        jobs = dry_jobs(tiny_repo)
    finally:
        target.write_text(original)
    # figures that read no runs or layers table: fig3 (similarity) and two robustness figures
    no_runs = {"figure_fig3"} | {f"figure_{f}" for f in ROBUST if f.endswith(("robust_corruptions", "robust_attacks"))}
    if expected == "analysis":  # unit metrics, tables, figures; no training, dump, similarity or robustness
        assert jobs["unit_metrics"] == 32 and jobs["collect_runs"] == 12 and FIGURE_JOBS - no_runs <= set(jobs)
        assert not {"train", "dump_activations", "similarity", "prepare_data", "robustness", *no_runs} & set(jobs)
    elif expected == "tables":
        assert jobs["collect_runs"] == 12 and FIGURE_JOBS - no_runs <= set(jobs)
        assert not {"train", "dump_activations", "unit_metrics", "similarity", "robustness", *no_runs} & set(jobs)
    elif expected == "training":
        assert jobs["train"] == 32 and jobs["dump_activations"] == 32 and jobs["robustness"] == 18
        assert FIGURE_JOBS <= set(jobs)
    else:
        assert jobs == expected


@pytest.mark.slow
def test_a_changed_command_line_reruns_its_rule_unless_touched(tiny_repo):
    """The README's row for a rule's command line: a release that renames a flag reruns that rule's jobs
    (Snakemake's code trigger compares the shell command); `snakemake --touch` records the new command."""
    rule = tiny_repo / "workflow/rules/claims.smk"
    original = rule.read_text()
    changed = original.replace("--out {output.csv} --html {output.html}", "--html {output.html} --out {output.csv}")
    assert changed != original
    try:
        rule.write_text(changed)
        assert dry_jobs(tiny_repo) == {"claims": 1, "all": 1}
        assert "claims" in tiny_run(tiny_repo, "-n", "--list-changes", "code")
        tiny_run(tiny_repo, "--touch", "--cores", "1")
        assert dry_jobs(tiny_repo) == {}
    finally:
        rule.write_text(original)
        tiny_run(tiny_repo, "--touch", "--cores", "1")
    assert dry_jobs(tiny_repo) == {}


@pytest.mark.slow
def test_a_module_added_to_the_trainers_imports_is_a_training_input_with_no_workflow_edit(tiny_repo):
    extra, loop = tiny_repo / "src/selectivity/training/extra.py", tiny_repo / "src/selectivity/training/loop.py"
    original = loop.read_text()
    extra.write_text("X = 1\n")
    loop.write_text(original.replace("from .config import RunConfig\n",
                                     "from .config import RunConfig\nfrom .extra import X  # noqa: F401\n", 1))
    try:
        out = tiny_run(tiny_repo, "-n")
    finally:
        loop.write_text(original)
        extra.unlink()
    blocks = re.split(r"\n\s*(?:local)?rule ", out)
    train = [b for b in blocks if b.startswith("train:")]
    metrics = [b for b in blocks if b.startswith("unit_metrics:")]
    assert len(train) == 32 and all("src/selectivity/training/extra.py" in b for b in train)
    assert metrics and not any("training/extra.py" in b for b in metrics)  # not an input of the analysis
    assert dry_jobs(tiny_repo) == {}  # restored: nothing to do


def edit_config(repo, name, old, new):
    text = (repo / "config/tiny.yaml").read_text()
    assert old in text
    (repo / "config" / name).write_text(text.replace(old, new))
    return f"config/{name}"


TINY = "training: &tiny {epochs: 2, batch_size: 32, lr: 0.05, lr_milestones: [1], checkpoint_interval_s: 0}"


@pytest.mark.slow
@pytest.mark.parametrize("extra", ["device: cpu", "eval_batch_size: 7", "checkpoint_interval_s: 30",
                                   "channels_last: true", "compile: default"])
def test_keys_that_cannot_change_a_result_rerun_nothing(tiny_repo, extra):
    key = extra.split(":")[0]
    new = TINY.replace("}", f", {extra}}}") if key != "checkpoint_interval_s" else TINY.replace(
        "checkpoint_interval_s: 0", extra)
    assert dry_jobs(tiny_repo, edit_config(tiny_repo, "speed.yaml", TINY, new)) == {}


@pytest.mark.slow
def test_the_training_opt_out_keeps_the_runs_and_ignores_training_code_edits(tiny_repo):
    config = edit_config(tiny_repo, "optout.yaml", "analysis:\n  similarity_threads: 1",
                         "analysis:\n  similarity_threads: 1\n  rerun_training_on_code_change: false")
    assert dry_jobs(tiny_repo, config) == {}  # switching it on reruns nothing by itself
    train = tiny_repo / "src/selectivity/training/loop.py"
    original = train.read_text()
    train.write_text(original + "\n# an edit\n")
    try:
        assert dry_jobs(tiny_repo, config) == {}
        assert dry_jobs(tiny_repo)["train"] == 32  # with the default, the edit retrains every run
    finally:
        train.write_text(original)


@pytest.mark.slow
def test_a_project_copied_as_a_whole_reruns_nothing(tiny_repo, tmp_path):
    copy = tmp_path / "moved"
    shutil.copytree(tiny_repo, copy, symlinks=True)
    assert dry_jobs(copy) == {}


@pytest.mark.slow
def test_the_analysis_device_and_threads_rerun_nothing(tiny_repo):
    config = edit_config(tiny_repo, "device.yaml", "analysis:\n  similarity_threads: 1",
                         "analysis:\n  similarity_threads: 2\n  device: cpu")
    assert dry_jobs(tiny_repo, config) == {}


@pytest.mark.slow
@pytest.mark.parametrize("key", ["eps: [2, 4]", "pgd_steps: 4", "variance_fraction: 0.8", "severities: [1, 3]"])
def test_a_robustness_key_reruns_the_robustness_jobs_and_their_figures_only(tiny_repo, key):
    listed = "robustness:\n  experiments: [resnet20, tin_resnet18, tin_resnet50]"
    config = edit_config(tiny_repo, "robust.yaml", listed, f"{listed}\n  {key}")
    text = (tiny_repo / config).read_text()
    name = key.split(":")[0]
    text = "\n".join(l for l in text.splitlines() if not (l.startswith(f"  {name}:") and l.strip() != key))
    (tiny_repo / config).write_text(text + "\n")
    assert dry_jobs(tiny_repo, config) == ROBUST_JOBS


@pytest.mark.slow
def test_the_robustness_device_reruns_nothing(tiny_repo):
    listed = "robustness:\n  experiments: [resnet20, tin_resnet18, tin_resnet50]"
    config = edit_config(tiny_repo, "robust_device.yaml", listed, f"{listed}\n  device: cpu")
    assert dry_jobs(tiny_repo, config) == {}


@pytest.mark.slow
def test_the_network_mean_reruns_the_figures_only(tiny_repo):
    config = edit_config(tiny_repo, "units.yaml", "analysis:\n  similarity_threads: 1",
                         "analysis:\n  similarity_threads: 1\n  network_mean: units")
    assert dry_jobs(tiny_repo, config) == {**{f: 1 for f in FIGURE_JOBS}, "claims": 1, "all": 1}


@pytest.mark.slow
@pytest.mark.parametrize("key", ["similarity_readings: [images]", "similarity_measures: [pwcca, cka_debiased]",
                                 "rows_per_neuron: 8", "min_rows: 100"])
def test_the_similarity_keys_rerun_the_similarity_jobs_and_figure_3_only(tiny_repo, key):
    config = edit_config(tiny_repo, "similarity.yaml", "analysis:\n  similarity_threads: 1",
                         f"analysis:\n  similarity_threads: 1\n  {key}")
    assert dry_jobs(tiny_repo, config) == {"similarity": 2, "figure_fig3": 1, "claims": 1, "all": 1}


@pytest.mark.slow
def test_changing_one_experiments_training_reruns_only_its_runs(tiny_repo):
    config = edit_config(tiny_repo, "edited.yaml",
                         "negative_slope: 0.5}\n    alphas: [0, 1]\n    seeds: 2\n    training: *tiny",
                         "negative_slope: 0.5}\n    alphas: [0, 1]\n    seeds: 2\n    training: {epochs: 2, "
                         "batch_size: 32, lr: 0.05, lr_milestones: [1], checkpoint_interval_s: 0, weight_decay: 0.001}")
    out = tiny_run(tiny_repo, "-n", config=config)
    jobs = job_counts(out)
    assert jobs["train"] == 4
    assert all("/leaky_b/" in p for p in train_outputs(out))
    assert "figure_figA10" in jobs and "figure_fig2" not in jobs


@pytest.mark.slow
def test_packing_seeds_retrains_that_experiments_runs_unless_only_mtime_and_input_trigger(tiny_repo):
    config = edit_config(tiny_repo, "packed.yaml", "negative_slope: 0.5}\n    alphas: [0, 1]\n    seeds: 2\n",
                         "negative_slope: 0.5}\n    alphas: [0, 1]\n    seeds: 2\n    pack_seeds: 2\n")
    jobs = job_counts(tiny_run(tiny_repo, "-n", config=config))
    assert jobs.pop("train_leaky_b_seeds_0_1") == 2  # one job per alpha trains both seeds
    assert "train" not in jobs and jobs["dump_activations"] == 4 and "figure_figA10" in jobs
    assert dry_jobs(tiny_repo, config) and tiny_run(tiny_repo, "-n", "--rerun-triggers", "mtime", "input",
                                                    config=config).count("Nothing to be done") == 1


def test_a_packed_experiment_has_one_training_rule_per_pack(tmp_path):
    text = (ROOT / "config/tiny.yaml").read_text().replace("    seeds: 2\n    training: &tiny",
                                                           "    seeds: [0, 1, 5]\n    pack_seeds: 2\n    training: &tiny", 1)
    (tmp_path / "packed.yaml").write_text(text)
    proc = snakemake("-n", "--configfile", tmp_path / "packed.yaml", "--replace-workflow-config", "figures/tiny/fig2.pdf",
                     cwd=tmp_path)
    jobs = job_counts(proc.stdout + proc.stderr)
    assert jobs["train_resnet20_seeds_0_1"] == 2 and jobs["train_resnet20_seeds_5"] == 2 and "train" not in jobs
    assert jobs["dump_activations"] == 6 and jobs["unit_metrics"] == 6
    assert "--out-dir results/tiny/resnet20/alpha_-1/seed_0 results/tiny/resnet20/alpha_-1/seed_1 " in snakemake(
        "-n", "-p", "--configfile", tmp_path / "packed.yaml", "--replace-workflow-config",
        "results/tiny/resnet20/alpha_-1/seed_1/summary.json", cwd=tmp_path).stdout


def test_workflow_passes_snakemake_lint():
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], cwd=ROOT, capture_output=True, text=True)
    assert "Congratulations, your workflow is in a good condition" in proc.stdout + proc.stderr, proc.stdout[-3000:]


def test_workflow_is_snakefmt_clean():
    snakefmt = Path(sys.executable).parent / "snakefmt"
    proc = subprocess.run([str(snakefmt), "--check", "Snakefile", "workflow/"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_the_dynamics_preset_builds_its_figures_from_per_epoch_tables_and_epoch_models(tmp_path):
    """config/tiny_dynamics.yaml: a probe and an epoch-1 model per run of `dynamics`, two schedules at
    alpha = -1; per-epoch table, epoch-1 analysis, both figures; nothing left to do afterwards."""
    repo = tmp_path / "repo"
    for name in ("workflow", "src", "config", "envs"):
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "Snakefile", repo / "Snakefile")
    config = "config/tiny_dynamics.yaml"
    tiny_run(repo, "--cores", "2", config=config)
    results, figures = repo / "results/tiny_dynamics", repo / "figures/tiny_dynamics"
    run = results / "dynamics/alpha_-1/seed_0"
    assert {p.relative_to(run).as_posix() for p in run.rglob("*") if p.is_file()} == {
        "model.pt", "log.csv", "summary.json", "activations.npz", "units.csv", "selectivity_epochs.csv",
        "epoch_1/model.pt", "epoch_1/activations.npz", "epoch_1/units.csv"}
    epochs = pd.read_csv(results / "dynamics/epochs_all.csv")
    assert sorted(set(epochs["epoch"])) == [0, 1, 2, 3] and len(epochs[["alpha", "seed"]].drop_duplicates()) == 4
    log = pd.read_csv(results / "dynamics_late/alpha_-1/seed_1/log.csv")
    assert log["alpha"].tolist() == [0.0, -1.0, -1.0]
    assert pd.read_csv(results / "dynamics_early/alpha_-1/seed_0/log.csv")["alpha"].tolist() == [-1.0, 0.0, 0.0]
    assert not (results / "dynamics_late/alpha_-1/seed_0/selectivity_epochs.csv").exists()
    for fig in ("dynamics_si", "dynamics_schedules"):
        assert (figures / f"{fig}.pdf").read_bytes()[:5] == b"%PDF-"
    sched = pd.read_csv(figures / "dynamics_schedules.csv")
    assert {"never", "always", "early", "late", "late vs early"} <= set(sched["schedule"])
    assert {"test_accuracy", "last_test_accuracy", "test_mean_si", "last_test_mean_si"} <= set(sched["quantity"])
    si = pd.read_csv(figures / "dynamics_si.csv")
    assert si["test"].fillna("").str.contains("decline: last epoch vs peak").sum() == 4  # 2 alphas x 2 readings
    # panel d: each run's epoch-1 network against its final one, per alpha
    for alpha in (-1, 0):
        to_final = pd.read_csv(results / f"dynamics/similarity/to_final_alpha_{alpha}.csv")
        assert set(zip(to_final["seed"], to_final["epoch"])) == {(0, 1), (1, 1)}
    assert set(si.loc[si["panel"] == "d", "alpha"]) == {-1, 0}
    # the follow-up's claims, decided from the per-epoch table and the schedules' runs tables
    claims = pd.read_csv(figures / "claims.csv")
    nine = claims[claims["claim"].isin(["9a", "9b"])]
    assert set(zip(nine["claim"], nine["experiment"])) == {("9a", "dynamics"), ("9b", "dynamics_schedules")}
    assert len(nine) == 4 and "not configured" not in set(nine["verdict"]) and nine["configured"].sum() == 2
    assert "Nothing to be done" in tiny_run(repo, "-n", config=config)
    # a schedule is part of its runs' hash: changing one reruns that experiment's runs and what reads them
    text = (repo / config).read_text()
    changed = text.replace("alpha_schedule: [{epochs: 1, scale: 0}, {scale: 1}]", "alpha_schedule: [{epochs: 2, scale: 0}, {scale: 1}]")
    assert changed != text
    (repo / "config/changed.yaml").write_text(changed)
    jobs = dry_jobs(repo, "config/changed.yaml")
    assert {k: v for k, v in jobs.items() if k.startswith("train")} == {"train": 2}
    assert jobs["collect_runs"] == 1 and "figure_dynamics_schedules" in jobs and "figure_dynamics_si" not in jobs
    assert jobs["claims"] == 1


def test_the_dynamics_preset_declares_twelve_fashion_runs_with_probes_and_epoch_models(tmp_path):
    proc = snakemake("-n", "--configfile", ROOT / "config/dynamics.yaml", "--replace-workflow-config",
                     "--directory", tmp_path, cwd=ROOT)
    jobs = job_counts(proc.stdout + proc.stderr)
    assert jobs["train"] == 6 and sum(v for k, v in jobs.items() if k.startswith("train_dynamics_seeds_")) == 6
    assert jobs["unit_metrics_epoch"] == 6 and jobs["collect_epochs"] == 1
    assert jobs["figure_dynamics_si"] == 1 and jobs["figure_dynamics_schedules"] == 1
