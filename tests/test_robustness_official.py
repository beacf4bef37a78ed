"""Readers of the official CIFAR-10-C and Tiny-ImageNet-C files, on tiny files in the same format."""

import numpy as np
import pytest
from PIL import Image

from selectivity.errors import DatasetError
from selectivity.robustness import load_cifar10_c, load_corrupted, load_tiny_imagenet_c

N = 4  # images per severity (10000 in the official files)


def cifar10_c(directory, name="gaussian_noise", labels_per_severity=True):
    """<name>.npy: severity s's images are all s * 10; labels.npy: 0..N-1 repeated per severity."""
    images = np.repeat(np.arange(1, 6, dtype=np.uint8) * 10, N)[:, None, None, None] * np.ones((1, 32, 32, 3), np.uint8)
    np.save(directory / f"{name}.npy", images)
    labels = np.arange(N, dtype=np.uint8)
    np.save(directory / "labels.npy", np.tile(labels, 5) if labels_per_severity else labels)
    return directory


def test_cifar10_c_severity_block_and_labels(tmp_path):
    cifar10_c(tmp_path)
    for s in (1, 3, 5):
        x, y = load_cifar10_c(tmp_path, "gaussian_noise", s)
        assert x.dtype == np.uint8 and x.shape == (N, 32, 32, 3) and np.all(x == 10 * s)
        assert y.dtype == np.int64 and y.tolist() == list(range(N))
    x, y = load_corrupted(tmp_path, "gaussian_noise", 2)
    assert np.all(x == 20) and y.tolist() == list(range(N))
    cifar10_c(tmp_path, "fog", labels_per_severity=False)  # any official corruption; labels [n] too
    assert load_cifar10_c(tmp_path, "fog", 4)[1].tolist() == list(range(N))


def test_cifar10_c_errors_name_the_file(tmp_path):
    with pytest.raises(DatasetError, match=r"contrast\.npy: not found"):
        load_cifar10_c(tmp_path, "contrast", 1)
    cifar10_c(tmp_path)
    data = (tmp_path / "gaussian_noise.npy").read_bytes()
    (tmp_path / "gaussian_noise.npy").write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError, match=r"gaussian_noise\.npy: unreadable, the file is truncated"):
        load_cifar10_c(tmp_path, "gaussian_noise", 1)
    np.save(tmp_path / "gaussian_noise.npy", np.zeros((5 * N + 1, 32, 32, 3), np.uint8))
    with pytest.raises(DatasetError, match=r"gaussian_noise\.npy: holds uint8 \(21, 32, 32, 3\)"):
        load_cifar10_c(tmp_path, "gaussian_noise", 1)
    np.save(tmp_path / "gaussian_noise.npy", np.zeros((5 * N, 32, 32, 3), np.float32))
    with pytest.raises(DatasetError, match=r"gaussian_noise\.npy: holds float32"):
        load_cifar10_c(tmp_path, "gaussian_noise", 1)
    cifar10_c(tmp_path)
    np.save(tmp_path / "labels.npy", np.zeros(7, np.uint8))
    with pytest.raises(DatasetError, match=r"labels\.npy: holds uint8 \(7,\)"):
        load_cifar10_c(tmp_path, "gaussian_noise", 1)
    with pytest.raises(ValueError, match="severity must be an integer 1..5"):
        load_cifar10_c(tmp_path, "gaussian_noise", 6)


WNIDS = ["n01443537", "n01629819", "n01641577"]


def tiny_imagenet_c(root, name="gaussian_noise", severity=2, per_class=2):
    """<name>/<severity>/<wnid>/*.JPEG, class k's images uniformly 40 * (k + 1)."""
    for k, wnid in enumerate(WNIDS):
        folder = root / name / str(severity) / wnid
        folder.mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(np.full((64, 64, 3), 40 * (k + 1), np.uint8)).save(folder / f"val_{k}{i}.JPEG", quality=95)
    return root


def test_tiny_imagenet_c_folders_in_the_given_wnid_order(tmp_path):
    tiny_imagenet_c(tmp_path)
    order = [WNIDS[2], WNIDS[0], WNIDS[1]]
    x, y = load_tiny_imagenet_c(tmp_path, "gaussian_noise", 2, order)
    assert x.dtype == np.uint8 and x.shape == (6, 64, 64, 3) and y.tolist() == [0, 0, 1, 1, 2, 2]
    assert [int(round(x[i].mean())) for i in (0, 2, 4)] == [120, 40, 80]  # JPEG of a flat image stays flat
    x2, y2 = load_corrupted(tmp_path, "gaussian_noise", 2, wnids=order)
    np.testing.assert_array_equal(x2, x)


def test_tiny_imagenet_c_errors_name_the_folder_or_file(tmp_path):
    with pytest.raises(DatasetError, match=r"gaussian_noise/2: not found"):
        load_tiny_imagenet_c(tmp_path, "gaussian_noise", 2, WNIDS)
    tiny_imagenet_c(tmp_path)
    x, y = load_tiny_imagenet_c(tmp_path, "gaussian_noise", 2, WNIDS + ["n09999999"])  # a class without a folder
    assert y.tolist() == [0, 0, 1, 1, 2, 2]
    (tmp_path / "gaussian_noise/2/n09999999").mkdir()
    with pytest.raises(DatasetError, match=r"n09999999: empty"):
        load_tiny_imagenet_c(tmp_path, "gaussian_noise", 2, WNIDS + ["n09999999"])
    (tmp_path / "gaussian_noise/2/n09999999").rmdir()
    with pytest.raises(DatasetError, match=r"class folders \['n01641577'\] are not among the 2 given wnids"):
        load_tiny_imagenet_c(tmp_path, "gaussian_noise", 2, WNIDS[:2])
    bad = tmp_path / "gaussian_noise/2" / WNIDS[0] / "val_00.JPEG"
    bad.write_bytes(bad.read_bytes()[:40])
    with pytest.raises(DatasetError, match=r"val_00\.JPEG: unreadable image"):
        load_tiny_imagenet_c(tmp_path, "gaussian_noise", 2, WNIDS)
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(bad)
    with pytest.raises(DatasetError, match=r"val_0[01]\.JPEG: 32x32 pixels, the others are 64x64|"
                                           r"val_01\.JPEG: 64x64 pixels, the others are 32x32"):
        load_tiny_imagenet_c(tmp_path, "gaussian_noise", 2, WNIDS)


# ---------------------------------------------------------------- matched to the test set, official layouts

CIFAR10_TEST_LABELS = [3, 8, 8, 0, 6, 6, 1, 6, 3, 1, 0, 9]  # the first labels of CIFAR-10's test batch


def prepared(name, labels, classes, size, channels=3, meta=None):
    """A stand-in for a prepared dataset: test image i is uniformly 10 * i + 5."""
    import torch
    from types import SimpleNamespace

    n = len(labels)
    images = torch.from_numpy(np.repeat(np.arange(n, dtype=np.uint8) * 10 + 5, channels * size * size)
                              .reshape(n, channels, size, size))
    return SimpleNamespace(name=name, classes=classes, meta=meta or {},
                           test=SimpleNamespace(images=images, labels=torch.tensor(labels)))


def official_cifar10_c(directory, labels, name="fog", severities=5, n=None):
    """CIFAR-10-C as published: <name>.npy uint8 [5 n, 32, 32, 3] (severity s's copy of test image i
    is 100 s + i), labels.npy uint8 [5 n], the test labels repeated per severity."""
    n = n or len(labels)
    value = (np.arange(1, severities + 1)[:, None] * 100 + np.arange(n)[None]).reshape(-1) % 256
    np.save(directory / f"{name}.npy", value.astype(np.uint8)[:, None, None, None] * np.ones((1, 32, 32, 3), np.uint8))
    np.save(directory / "labels.npy", np.tile(np.asarray(labels, np.uint8)[:n], severities))


def test_cifar10_c_matches_the_test_set_by_position(tmp_path):
    import torch

    from selectivity.robustness.evaluate import _official

    data = prepared("cifar10", CIFAR10_TEST_LABELS, [str(c) for c in range(10)], 32)
    official_cifar10_c(tmp_path, CIFAR10_TEST_LABELS)
    idx = torch.tensor([1, 4, 7, 11])  # a corruption_images subset
    x, y = _official(data, "fog", 3, idx, tmp_path)
    assert x.shape == (4, 32, 32, 3) and x[:, 0, 0, 0].tolist() == [301 % 256, 304 % 256, 307 % 256, 311 % 256]
    assert y.tolist() == [CIFAR10_TEST_LABELS[i] for i in (1, 4, 7, 11)]
    shuffled = CIFAR10_TEST_LABELS[1:] + CIFAR10_TEST_LABELS[:1]
    official_cifar10_c(tmp_path, shuffled)
    with pytest.raises(DatasetError, match=r"labels\.npy: the labels do not follow the CIFAR-10 test set's order"):
        _official(data, "fog", 3, idx, tmp_path)
    official_cifar10_c(tmp_path, CIFAR10_TEST_LABELS, n=8)  # another test set's size
    with pytest.raises(DatasetError, match=r"fog\.npy: holds 8 images per severity, the test set 12"):
        _official(data, "fog", 1, idx, tmp_path)
    official_cifar10_c(tmp_path, CIFAR10_TEST_LABELS, severities=4)  # a severity missing: 48 = 4 x 12 images
    with pytest.raises(DatasetError, match=r"fog\.npy: holds 9 images per severity|fog\.npy: holds uint8"):
        _official(data, "fog", 1, idx, tmp_path)
    with pytest.raises(DatasetError, match=r"snow\.npy: not found"):
        _official(data, "snow", 1, idx, tmp_path)
    with pytest.raises(ValueError, match="the digits test set has none"):
        _official(prepared("digits", [0, 1], ["0", "1"], 8, 1), "fog", 1, torch.arange(2), tmp_path)


# Tiny ImageNet's test set is its val/ images in the order of val_annotations.txt (val_0.JPEG, val_1.JPEG,
# ...), classes interleaved; Tiny-ImageNet-C keeps each file name inside its class folder.
TIN_WNIDS = ["n01443537", "n01629819", "n01641577", "n01644900"]
TIN_TEST_LABELS = [2, 0, 3, 1, 1, 2, 0, 0, 3, 2, 1, 3]  # a subset of 4 classes, interleaved as published


def official_tiny_imagenet_c(root, labels=TIN_TEST_LABELS, name="snow", severities=(1, 2, 3, 4, 5)):
    """<name>/<severity>/<wnid>/val_<i>.JPEG: test image i's copy, uniformly 10 i + 5 + severity."""
    for s in severities:
        for i, label in enumerate(labels):
            folder = root / name / str(s) / TIN_WNIDS[label]
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(np.full((64, 64, 3), 10 * i + 5 + s, np.uint8)).save(folder / f"val_{i}.JPEG", quality=95)


def test_tiny_imagenet_c_matches_the_test_set_by_file_name(tmp_path):
    import torch

    from selectivity.robustness.evaluate import _official

    data = prepared("tiny_imagenet", TIN_TEST_LABELS, TIN_WNIDS, 64)
    official_tiny_imagenet_c(tmp_path)
    x, y = _official(data, "snow", 2, torch.arange(12), tmp_path)
    assert x.shape == (12, 64, 64, 3) and y.tolist() == TIN_TEST_LABELS  # the test set's order, not class by class
    assert [int(round(float(v))) for v in x.float().mean((1, 2, 3))] == [10 * i + 7 for i in range(12)]
    x, y = _official(data, "snow", 5, torch.tensor([3, 8, 9]), tmp_path)
    assert [int(round(float(v))) for v in x.float().mean((1, 2, 3))] == [40, 90, 100] and y.tolist() == [1, 3, 2]
    named = prepared("tiny_imagenet", TIN_TEST_LABELS[::-1], TIN_WNIDS, 64,
                     meta={"test_files": [f"val_{i}.JPEG" for i in range(12)][::-1]})  # names from the prepared file
    x, _ = _official(named, "snow", 1, torch.arange(2), tmp_path)
    assert [int(round(float(v))) for v in x.float().mean((1, 2, 3))] == [116, 106]


def test_tiny_imagenet_c_errors(tmp_path):
    import shutil

    import torch

    from selectivity.robustness.evaluate import _official

    data = prepared("tiny_imagenet", TIN_TEST_LABELS, TIN_WNIDS, 64)
    official_tiny_imagenet_c(tmp_path, severities=(1, 2, 4, 5))
    with pytest.raises(DatasetError, match=r"snow/3: not found"):  # a missing severity
        _official(data, "snow", 3, torch.arange(12), tmp_path)
    shutil.rmtree(tmp_path / "snow/2" / TIN_WNIDS[3])  # a class folder missing
    with pytest.raises(DatasetError, match=r"snow/2: lacks 3 of the 12 test images, e.g. \['val_2.JPEG'"):
        _official(data, "snow", 2, torch.arange(12), tmp_path)
    assert _official(data, "snow", 2, torch.tensor([0, 1]), tmp_path)[1].tolist() == [2, 0]  # not needed: fine
    moved = tmp_path / "snow/4" / TIN_WNIDS[0] / "val_1.JPEG"
    moved.rename(tmp_path / "snow/4" / TIN_WNIDS[1] / "val_1.JPEG")  # a file in the wrong class folder
    with pytest.raises(DatasetError, match=r"snow/4: 1 images are in another class folder .* e.g. val_1.JPEG"):
        _official(data, "snow", 4, torch.arange(12), tmp_path)
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(tmp_path / "snow/5" / TIN_WNIDS[2] / "val_0.JPEG")
    with pytest.raises(DatasetError, match=r"val_\d+\.JPEG: (32x32|64x64) pixels, the others are"):
        _official(data, "snow", 5, torch.arange(12), tmp_path)
    (tmp_path / "snow/1/n09999999").mkdir()
    with pytest.raises(DatasetError, match=r"class folders \['n09999999'\] are not among the 4 given wnids"):
        _official(data, "snow", 1, torch.arange(12), tmp_path)
