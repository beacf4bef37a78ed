"""A rule's code inputs are the import closure of the command it runs (selectivity.code_inputs)."""

import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from selectivity import code_inputs
from selectivity.code_inputs import command_inputs, module_inputs

PKG = ROOT / "src" / "selectivity"


def names(paths):
    return {str(p.relative_to(PKG)) for p in paths}


def test_training_inputs_are_what_the_trainer_runs_and_no_file_format():
    train = names(command_inputs("train"))
    assert {"training/loop.py", "training/networks.py", "training/loss.py", "training/config.py",
            "training/speed.py", "training/checkpoint.py", "metrics.py", "units.py", "models/resnet.py",
            "models/vgg.py", "data/augment.py", "data/run_splits.py"} <= train
    # modules that only read, check or write files, and the figure specs, are no inputs
    assert not {"cli.py", "io.py", "inputs.py", "layout.py", "errors.py", "config.py", "plots/specs.py"} & train
    assert not any(n.startswith(("analysis/", "plots/", "files/", "claims/")) for n in train)


def test_an_analysis_command_does_not_take_the_training_code():
    metrics = names(command_inputs("unit-metrics"))
    assert {"analysis/unit_metrics.py", "analysis/precision.py", "analysis/dead.py", "metrics.py"} <= metrics
    assert not any(n.startswith(("training/", "models/", "data/")) for n in metrics)


def test_excluded_modules_are_not_followed():
    # render reads the runs table through files.runs, which imports unit_metrics' column lists:
    # reading a table is no reason to rerun a figure when the metric's code changes
    plot = names(command_inputs("plot"))
    assert "plots/render.py" in plot and "analysis/unit_metrics.py" not in plot
    assert names(command_inputs("collect-robustness")) == set()  # reads and writes tables only


def test_package_data_and_kind_modules():
    assert {f"robustness/frost/frost{i}.png" for i in (1, 2, 3)} <= names(command_inputs("robustness"))
    similarity_kind = names(module_inputs("selectivity.plots.similarity"))
    assert {"plots/similarity.py", "similarity/pwcca.py", "stats.py"} <= similarity_kind
    assert "plots/accuracy.py" not in similarity_kind


def test_an_unknown_command_is_refused():
    with pytest.raises(ValueError, match="no function _no_such_command"):
        command_inputs("no-such-command")


def test_excluded_matches_packages_and_not_the_top_package():
    assert code_inputs.excluded("selectivity.files.runs") and code_inputs.excluded("selectivity.cli")
    assert not code_inputs.excluded("selectivity.metrics") and code_inputs.excluded("selectivity")


SHOW = ("import sys; sys.path.insert(0, sys.argv[1]); from selectivity.code_inputs import command_inputs, ROOT; "
        "print(sorted(str(p.relative_to(ROOT)) for p in command_inputs('train')))")


def train_inputs_of(src) -> str:
    return subprocess.run([sys.executable, "-c", SHOW, str(src)], capture_output=True, text=True, check=True).stdout


def test_a_module_the_trainer_imports_becomes_a_training_input(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(PKG, src / "selectivity", ignore=shutil.ignore_patterns("__pycache__"))
    before = train_inputs_of(src)
    assert "newmetric.py" not in before and "robustness/corruptions.py" not in before
    (src / "selectivity/newmetric.py").write_text("from .lazyuser import X\n")
    (src / "selectivity/lazyuser.py").write_text("from .robustness import corrupt\nX = 1\n")
    loss = src / "selectivity/training/loss.py"
    loss.write_text(loss.read_text().replace("from .config import RunConfig",
                                             "from .config import RunConfig\n\n\ndef _f():\n"
                                             "    from ..newmetric import X  # inside a function\n"))
    found = train_inputs_of(src)
    # followed inside a function, then through a module, then through a lazy export to its module
    assert "'newmetric.py'" in found and "'lazyuser.py'" in found and "'robustness/corruptions.py'" in found


def test_a_registry_entry_makes_its_module_an_input(tmp_path):
    # models/__init__ imports no model module: the registry's "module:function" strings are followed
    assert {"models/registry.py", "models/vgg.py", "models/resnet_imagenet.py", "data/registry.py",
            "data/cifar10.py", "data/tiny_imagenet.py"} <= names(command_inputs("train"))
    assert {"data/registry.py", "data/synthetic.py", "data/digits.py"} <= names(command_inputs("prepare-data"))
    src = tmp_path / "src"
    shutil.copytree(PKG, src / "selectivity", ignore=shutil.ignore_patterns("__pycache__"))
    (src / "selectivity/models/toy.py").write_text("def toy(**options):\n    pass\n")
    registry = src / "selectivity/models/registry.py"
    registry.write_text(registry.read_text().replace(
        'MODELS: dict[str, ModelSpec] = {\n', 'MODELS: dict[str, ModelSpec] = {\n    "toy": ModelSpec("selectivity.models.toy:toy", "Toy"),\n'))
    assert "'models/toy.py'" in train_inputs_of(src)
