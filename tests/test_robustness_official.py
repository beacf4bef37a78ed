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
    with pytest.raises(DatasetError, match=r"n09999999: missing or empty"):
        load_tiny_imagenet_c(tmp_path, "gaussian_noise", 2, WNIDS + ["n09999999"])
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
