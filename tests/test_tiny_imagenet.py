"""Tiny ImageNet: the real parser on a small archive in the official layout (tiny_imagenet_archive)."""

import io
import time

import numpy as np
import pytest
from PIL import Image

from conftest import run_cli
from selectivity.config import dataset_args
from selectivity.data import DatasetError, load_prepared, prepare_dataset, tiny_imagenet
from selectivity.data.prepared import split_indices
from tiny_imagenet_archive import CMYK, COLORS, GRAY, WNIDS, archive_files, expected_val, jpeg, write_zip

ROOT = "tiny-imagenet-200/"


@pytest.fixture(scope="module")
def official(tmp_path_factory):
    """(path, md5, files) of a 4-class archive: 3 train and 2 val images per class."""
    files = archive_files(per_class=3, val_per_class=2)
    path = tmp_path_factory.mktemp("tin") / "tiny-imagenet-200.zip"
    return path, write_zip(path, files), files


def pil_rgb(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).transpose(2, 0, 1)


def test_archive_is_parsed_with_sorted_classes_and_annotated_val_labels(official):
    path, md5, files = official
    raw = tiny_imagenet.read_archive(path, md5=md5, threads=2)
    assert raw["classes"] == sorted(WNIDS) != WNIDS
    x, y = raw["train"]
    assert x.shape == (12, 3, 64, 64) and x.dtype == np.uint8 and y.dtype == np.int64
    assert y.tolist() == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3  # class by class, in sorted-wnid order
    first = f"{ROOT}train/{raw['classes'][0]}/images/{raw['classes'][0]}_0.JPEG"
    assert np.array_equal(x[0], pil_rgb(files[first]))
    tx, ty = raw["test"]
    val = expected_val(files)
    assert tx.shape == (8, 3, 64, 64) and [f for f, _ in val] != sorted(f for f, _ in val)
    for i, (name, wnid) in enumerate(val):  # labels and pixels follow the annotations, not the file order
        assert ty[i] == raw["classes"].index(wnid)
        assert np.array_equal(tx[i], pil_rgb(files[f"{ROOT}val/images/{name}"]))
    means = np.concatenate([x, tx]).mean(axis=(2, 3))
    colors = np.array([COLORS[raw["classes"][c]] for c in np.concatenate([y, ty])])
    gray_or_cmyk = 3  # the first two images of class 1 (n02124075) lose their colour fidelity
    keep = np.ones(len(colors), bool)
    keep[gray_or_cmyk:gray_or_cmyk + 2] = False
    assert np.abs(means[keep] - colors[keep]).max() < 6  # every image shows its label's colour


def test_grayscale_and_cmyk_jpegs_become_rgb(official):
    path, md5, files = official
    assert Image.open(io.BytesIO(files[GRAY])).mode == "L" and Image.open(io.BytesIO(files[CMYK])).mode == "CMYK"
    x, y = tiny_imagenet.read_archive(path, md5=md5)["train"]
    gray, cmyk = x[3], x[4]  # n02124075 is the second class in sorted order
    assert y[3] == y[4] == 1
    assert np.array_equal(gray[0], gray[1]) and np.array_equal(gray[1], gray[2])
    luma = np.dot([0.299, 0.587, 0.114], COLORS["n02124075"])
    assert abs(gray.mean() - luma) < 6
    assert np.abs(cmyk.mean(axis=(1, 2)) - COLORS["n02124075"]).max() < 6
    assert np.array_equal(cmyk, pil_rgb(files[CMYK]))


def test_checksum_mismatch_names_the_file(official):
    path, _, _ = official
    with pytest.raises(DatasetError, match=str(path)) as e:
        tiny_imagenet.read_archive(path)  # the published MD5
    assert tiny_imagenet.MD5 in str(e.value) and "Download it again" in str(e.value)
    assert "datasets.tiny_imagenet.md5" in str(e.value)


def test_prepare_writes_the_compact_format(official, tmp_path):
    path, md5, _ = official
    t0 = time.perf_counter()
    d = prepare_dataset("tiny_imagenet", tmp_path / "tiny_imagenet.npz", source=str(path), md5=md5, val_size=4)
    print(f"prepared the 20-image archive in {time.perf_counter() - t0:.2f} s")
    assert (len(d.train.labels), len(d.val.labels), len(d.test.labels)) == (8, 4, 8)
    assert d.image_shape == (3, 64, 64) and d.classes == sorted(WNIDS)
    assert sorted(d.val.labels.tolist()) == [0, 1, 2, 3]  # stratified: one per class
    assert d.meta["augment_defaults"] == {"crop_padding": 8, "hflip": True} and d.meta["md5"] == md5
    assert load_prepared(tmp_path / "tiny_imagenet.npz").train.images.shape == (8, 3, 64, 64)


def test_default_validation_split_is_50_per_class(monkeypatch, tmp_path):
    """val_size defaults to 10000 for tiny_imagenet: 50 of the 500 training images of each class."""
    labels = np.repeat(np.arange(200), 500)
    fake = {"train": (np.zeros((100_000, 3, 1, 1), np.uint8), labels),
            "test": (np.zeros((200, 3, 1, 1), np.uint8), np.arange(200)), "classes": [f"n{i:08d}" for i in range(200)]}
    monkeypatch.setattr(tiny_imagenet, "read_archive", lambda archive, md5: fake)
    d = prepare_dataset("tiny_imagenet", tmp_path / "t.npz", source=str(tmp_path / "any.zip"))
    assert np.bincount(d.val.labels.numpy()).tolist() == [50] * 200
    assert np.bincount(d.train.labels.numpy()).tolist() == [450] * 200
    assert np.array_equal(np.sort(d.meta["val_source_indices"]),
                          split_indices(labels, {"val": 10000}, 0)["val"])


def _drop(prefix):
    return lambda files: [files.pop(k) for k in [k for k in files if k.startswith(prefix)]]


def _annotations(old, new):
    def edit(files):
        key = f"{ROOT}val/val_annotations.txt"
        files[key] = files[key].replace(old, new, 1)
    return edit


@pytest.mark.parametrize("edit, message", [
    (_drop(f"{ROOT}wnids.txt"), r"member tiny-imagenet-200/wnids.txt is missing"),
    (_drop(f"{ROOT}val/val_annotations.txt"), r"member tiny-imagenet-200/val/val_annotations.txt is missing"),
    (_drop(f"{ROOT}train/n04067472/images/n04067472_"), r"class n04067472 has no training images: tiny-imagenet-200/train/n04067472/images/ is empty"),
    (_annotations(b"\tn0", b"\tn9"), r"val_annotations.txt line 1 names class n9\d+, which .*wnids.txt does not"),
    (_drop(f"{ROOT}val/images/val_7.JPEG"), r"val_annotations.txt line 1 names tiny-imagenet-200/val/images/val_7"
                                            r".JPEG, which the archive does not hold"),
    (lambda f: f.update({f"{ROOT}val/images/val_3.JPEG": b"\xff\xd8 not a jpeg"}),
     r"tiny-imagenet-200/val/images/val_3.JPEG: not a readable JPEG"),
    (lambda f: f.update({f"{ROOT}val/images/val_3.JPEG": jpeg((1, 2, 3), np.random.default_rng(0), size=32)}),
     r"val_3.JPEG: image of 32x32 pixels, expected 64x64"),
    (lambda f: f.update({f"{ROOT}train/n00000001/images/n00000001_0.JPEG": f[GRAY]}),
     r"n00000001_0.JPEG belongs to n00000001, which .*wnids.txt does not list"),
])
def test_a_wrong_archive_is_refused_with_the_file_and_what_to_do(tmp_path, edit, message):
    files = archive_files(per_class=2, val_per_class=2)
    edit(files)
    path = tmp_path / "tiny-imagenet-200.zip"
    md5 = write_zip(path, files)
    with pytest.raises(DatasetError, match=message) as e:
        tiny_imagenet.read_archive(path, md5=md5)
    assert str(e.value).startswith(str(path)) and "Download it again from http://cs231n" in str(e.value)


def test_truncated_or_missing_archive(official, tmp_path):
    path, _, _ = official
    cut = tmp_path / "cut.zip"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(DatasetError, match=rf"{cut}: truncated, corrupt or not a zip archive"):
        tiny_imagenet.read_archive(cut, md5=None)
    with pytest.raises(DatasetError, match="Tiny ImageNet archive not found"):
        tiny_imagenet.read_archive(tmp_path / "nope.zip")


def test_failed_prepare_leaves_nothing_at_the_output(official, tmp_path):
    path, _, _ = official
    out = tmp_path / "out" / "tiny_imagenet.npz"
    with pytest.raises(DatasetError, match="MD5"):
        prepare_dataset("tiny_imagenet", out, source=str(path))  # the generated archive fails the published MD5
    assert not out.exists() and not (out.parent.exists() and any(out.parent.iterdir()))
    with pytest.raises(ValueError, match="md5 is an option of tiny_imagenet only"):
        prepare_dataset("digits", out, md5="0" * 32)


def test_config_md5_reaches_the_command_line(official, tmp_path):
    path, md5, _ = official
    spec = {"tiny_imagenet": {"source": str(path), "split_seed": 0, "val_size": 4, "md5": md5}}
    args = dataset_args({"datasets": spec}, "tiny_imagenet")
    assert args[args.index("--md5") + 1] == md5
    out = tmp_path / "t.npz"
    proc = run_cli("prepare-data", "--dataset", "tiny_imagenet", "--out", out, *args)
    assert "tiny_imagenet (3, 64, 64) train/val/test = 8/4/8" in proc.stdout
    bad = run_cli("prepare-data", "--dataset", "tiny_imagenet", "--out", tmp_path / "u.npz", "--source", path,
                  check=False)
    assert bad.returncode == 1 and f"error: {path}: MD5" in bad.stderr and not (tmp_path / "u.npz").exists()
