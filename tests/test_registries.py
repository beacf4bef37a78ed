"""A model is its module plus one entry of ``models.registry.MODELS``; a dataset is its reader module
plus one entry of ``data.registry.DATASETS``: build, validate, prepare and the CLI need nothing else."""

import pytest

from conftest import ROOT
from selectivity.config import dataset_args, load_schema, validate_config
from selectivity.data import load_prepared, prepare_dataset
from selectivity.data.registry import DATASETS, DatasetSpec
from selectivity.models import build_model
from selectivity.models.registry import MODELS, ModelSpec
from selectivity.models.registry import model_display_name

SCHEMA = ROOT / "workflow/schemas/config.schema.yaml"

TOY = '''
import numpy as np
from torch import nn


def toy(num_classes, in_channels=3, width=1.0, activation="relu", negative_slope=0.01):
    return nn.Sequential(nn.Flatten(), nn.LazyLinear(num_classes))


def prepare(source, raw_dir, split_seed, toy_size=40):
    rng = np.random.default_rng(split_seed)
    y = np.arange(toy_size) % 4
    x = rng.integers(0, 256, (toy_size, 1, 6, 6), dtype=np.uint8)
    return {"train": (x, y), "test": (x[:8], y[:8]), "classes": list("abcd")}, {"source": "toy"}
'''


@pytest.fixture
def toy(tmp_path, monkeypatch):
    (tmp_path / "toy_entries.py").write_text(TOY)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(MODELS, "toy", ModelSpec("toy_entries:toy", "Toy"))
    monkeypatch.setitem(DATASETS, "toy", DatasetSpec("toy_entries:prepare", 1, False, 0.25, options=("toy_size",)))


def test_the_schema_and_the_cli_take_their_names_from_the_registries(toy):
    from selectivity.cli import build_parser

    schema = load_schema(SCHEMA)["properties"]
    assert schema["datasets"]["propertyNames"]["enum"] == list(DATASETS)
    assert schema["experiments"]["additionalProperties"]["properties"]["model"]["enum"] == list(MODELS)
    args = build_parser().parse_args(["prepare-data", "--dataset", "toy", "--out", "x.npz"])
    assert args.dataset == "toy"


def test_a_registered_model_builds_validates_and_is_named(toy):
    import torch

    model = build_model("toy", 4, in_channels=1, width=0.5)
    assert model(torch.zeros(2, 1, 6, 6)).shape == (2, 4)
    c = {"datasets": {"toy": {}}, "experiments": {"t": {"dataset": "toy", "model": "toy", "alphas": [0]}}}
    validate_config(c, SCHEMA)
    assert model_display_name("toy") == "Toy"
    c["experiments"]["t"]["model_options"]["stem"] = "cifar"
    with pytest.raises(ValueError, match="model_options.stem: only resnet18 and resnet50 take a stem, not toy"):
        validate_config(c, SCHEMA)


def test_a_registered_dataset_prepares_through_its_entry(toy, tmp_path):
    d = prepare_dataset("toy", tmp_path / "toy.npz", toy_size=80, split_seed=1)
    assert (len(d.train.labels), len(d.val.labels), len(d.test.labels)) == (60, 20, 8)
    assert load_prepared(tmp_path / "toy.npz").name == "toy"
    c = {"datasets": {"toy": {}}, "experiments": {}}
    validate_config(c, SCHEMA)
    assert dataset_args(c, "toy") == ["--split-seed", "0"]
    with pytest.raises(ValueError, match="md5 is an option of tiny_imagenet only, not of toy"):
        prepare_dataset("toy", tmp_path / "x.npz", md5="0" * 32)
