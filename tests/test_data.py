import gzip
import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch

from selectivity.data import DatasetError, load_prepared, prepare_dataset
from selectivity.data import cifar10, fashion_mnist, synthetic
from selectivity.data.augment import (batch_class_counts, crop, epoch_generator, epoch_plan, flip_where, normalize,
                                      normalize_nhwc, to_nhwc, train_batches)
from selectivity.data.prepared import split_indices


@pytest.fixture
def archive(tmp_path):
    path = tmp_path / "cifar-10-python.tar.gz"
    md5 = synthetic.write_archive(path, per_batch=20, test_size=30, seed=1)
    return path, md5


def test_synthetic_archive_is_parsed_by_the_cifar_reader(archive):
    path, md5 = archive
    raw = cifar10.read_archive(path, md5=md5)
    x, y = raw["train"]
    assert x.shape == (100, 3, 32, 32) and x.dtype == np.uint8 and y.shape == (100,)
    assert raw["test"][0].shape == (30, 3, 32, 32)
    assert raw["classes"][:2] == ["airplane", "automobile"]
    # the pixels are laid out channel-major as in CIFAR-10: rebuild one image from the raw batch
    with tarfile.open(path) as tar:
        batch = pickle.loads(tar.extractfile("cifar-10-batches-py/data_batch_1").read(), encoding="bytes")
    assert np.array_equal(batch[b"data"][0].reshape(3, 32, 32), x[0])
    assert batch[b"labels"][0] == y[0]


def test_archive_members_are_python2_pickles(archive):
    path, _ = archive
    with tarfile.open(path) as tar:
        data = tar.extractfile("cifar-10-batches-py/data_batch_1").read()
    assert data[:2] == b"\x80\x02"  # protocol 2, as written by Python 2's cPickle
    assert b"_codecs" not in data and b"numpy.core.multiarray" in data


def test_checksum_mismatch_names_the_file(archive):
    path, _ = archive
    with pytest.raises(DatasetError, match=str(path)) as e:
        cifar10.read_archive(path)  # the official MD5
    assert cifar10.MD5 in str(e.value) and "Download it again" in str(e.value)


def test_truncated_archive(archive, tmp_path):
    path, _ = archive
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(DatasetError, match="truncated, corrupt"):
        cifar10.read_archive(cut, md5=None)


def test_missing_archive(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        cifar10.read_archive(tmp_path / "nope.tar.gz")


def test_pickled_code_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "evil.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name in ["batches.meta", *cifar10.TRAIN_BATCHES, cifar10.TEST_BATCH]:
            data = synthetic._pickled({b"data": Evil()})
            info = tarfile.TarInfo(f"{cifar10.FOLDER}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(DatasetError, match="print is not allowed"):
        cifar10.read_archive(path, md5=None)


def test_failed_prepare_leaves_nothing_at_the_output(archive, tmp_path):
    path, _ = archive
    out = tmp_path / "out" / "cifar10.npz"
    with pytest.raises(DatasetError):
        prepare_dataset("cifar10", out, source=str(path))  # synthetic archive fails the official MD5
    assert not out.exists()
    assert not any(out.parent.glob("*")) if out.parent.exists() else True


def test_synthetic_prepare_split(synthetic_npz):
    d = load_prepared(synthetic_npz)
    assert (len(d.train.labels), len(d.val.labels), len(d.test.labels)) == (90, 10, 20)
    assert d.image_shape == (3, 32, 32) and d.num_classes == 10
    assert d.meta["augment_defaults"] == {"crop_padding": 4, "hflip": True}
    # the validation split holds one image of each class (stratified)
    assert sorted(d.val.labels.tolist()) == list(range(10))


def test_split_is_fixed_by_seed_and_disjoint():
    labels = np.arange(1000) % 10
    a = split_indices(labels, {"val": 100}, seed=3)
    b = split_indices(labels, {"val": 100}, seed=3)
    c = split_indices(labels, {"val": 100}, seed=4)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["val"], c["val"])
    assert len(a["val"]) == 100 and len(a["train"]) == 900
    assert not set(a["val"]) & set(a["train"])
    assert np.bincount(labels[a["val"]]).tolist() == [10] * 10


def test_digits_prepare(tmp_path):
    d = prepare_dataset("digits", tmp_path / "digits.npz")
    sizes = [len(d.train.labels), len(d.val.labels), len(d.test.labels)]
    assert sum(sizes) == 1797 and sizes[2] == pytest.approx(359, abs=10)
    assert d.image_shape == (1, 8, 8) and d.num_classes == 10
    assert d.train.images.max() == 255


def _idx(array: np.ndarray) -> bytes:
    header = b"\x00\x00\x08" + bytes([array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_idx_parser_and_truncation():
    a = np.arange(2 * 3 * 4).reshape(2, 3, 4).astype(np.uint8)
    assert np.array_equal(fashion_mnist.parse_idx(_idx(a), "x"), a)
    with pytest.raises(DatasetError, match="truncated or corrupt"):
        fashion_mnist.parse_idx(_idx(a)[:-3], "x")
    with pytest.raises(DatasetError, match="not an IDX"):
        fashion_mnist.parse_idx(b"garbage!", "x")


def test_fashion_mnist_checksum_mismatch(tmp_path):
    for name in fashion_mnist.FILES:
        (tmp_path / f"{name}.gz").write_bytes(gzip.compress(_idx(np.zeros((2, 28, 28) if "images" in name else (2,)))))
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz: MD5"):
        fashion_mnist.read_directory(tmp_path)
    raw = fashion_mnist.read_directory(tmp_path, verify=False)
    assert raw["train"][0].shape == (2, 1, 28, 28)


@pytest.mark.skipif(not Path(fashion_mnist.DEBIAN_DIR).is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_from_debian(tmp_path):
    d = prepare_dataset("fashion_mnist", tmp_path / "fm.npz")
    assert (len(d.train.labels), len(d.val.labels), len(d.test.labels)) == (55000, 5000, 10000)
    assert d.image_shape == (1, 28, 28)
    assert np.bincount(d.test.labels.numpy()).tolist() == [1000] * 10


def test_crop_is_the_window_at_the_planned_offset():
    x = torch.arange(3 * 5 * 5 * 2, dtype=torch.uint8).reshape(3, 5, 5, 2)  # NHWC
    dy, dx = torch.tensor([0, 2, 4]), torch.tensor([4, 2, 1])
    out = crop(x, dy, dx, 2)
    padded = torch.nn.functional.pad(x.permute(0, 3, 1, 2), (2,) * 4)  # NCHW, zero padding
    for i in range(3):
        window = padded[i, :, dy[i]:dy[i] + 5, dx[i]:dx[i] + 5].permute(1, 2, 0)
        assert torch.equal(out[i], window)
    assert torch.equal(crop(x, dy, dx, 0), x)


def test_flip_where_mirrors_only_the_chosen_images():
    x = torch.randn(4, 2, 3, 1)
    out = flip_where(x, torch.tensor([True, False, True, False]))
    assert torch.equal(out[0], x[0].flip(1)) and torch.equal(out[1], x[1])
    assert torch.equal(out[2], x[2].flip(1)) and torch.equal(out[3], x[3])


def test_epoch_plan_draws_offsets_in_range_and_flips_about_half():
    plan = epoch_plan(1000, torch.Generator().manual_seed(0), crop_padding=4, hflip=True)
    assert sorted(plan.order.tolist()) == list(range(1000))
    assert int(plan.dy.min()) == 0 and int(plan.dy.max()) == 8 and int(plan.dx.max()) == 8
    assert 400 < int(plan.flip.sum()) < 600
    assert not epoch_plan(10, torch.Generator(), 0, hflip=False).flip.any()


def test_normalize_nhwc_matches_normalize_in_both_layouts():
    images = torch.randint(0, 256, (5, 3, 4, 6), dtype=torch.uint8)
    mean, std = torch.tensor([0.5, 0.4, 0.3]), torch.tensor([0.2, 0.25, 0.3])
    ref = (images.float() / 255 - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1)
    assert torch.allclose(normalize(images, mean, std), ref, atol=1e-6)
    for channels_last in (False, True):
        x = normalize_nhwc(to_nhwc(images), mean, std, channels_last)
        assert x.shape == images.shape and torch.equal(x, normalize(images, mean, std))
        assert x.is_contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)


def test_batch_class_counts_counts_distinct_labels_per_minibatch():
    labels = torch.tensor([3, 3, 3, 1, 2, 2, 2, 2, 0, 9])
    assert batch_class_counts(labels, 4).tolist() == [2, 1, 2]
    assert batch_class_counts(labels, 3).tolist() == [1, 2, 2, 1]


def _reference_batch(images_nchw, plan, idx_range, padding, mean, std):
    """Per-image reference of one augmented batch: pad, crop, flip, normalize, one image at a time."""
    out = []
    for i in idx_range:
        img = torch.nn.functional.pad(images_nchw[plan.order[i]], (padding,) * 4)
        img = img[:, plan.dy[i]:plan.dy[i] + images_nchw.shape[2], plan.dx[i]:plan.dx[i] + images_nchw.shape[3]]
        out.append(img.flip(2) if plan.flip[i] else img)
    return normalize(torch.stack(out), mean, std)


def test_train_batches_equal_a_per_image_reference():
    images = torch.randint(0, 256, (37, 3, 8, 8), dtype=torch.uint8)
    labels = torch.arange(37) % 10
    mean, std = torch.tensor([0.5, 0.4, 0.3]), torch.tensor([0.2, 0.25, 0.3])
    plan = epoch_plan(37, epoch_generator(2, 5), crop_padding=3, hflip=True)
    batches = list(train_batches(to_nhwc(images), labels, 16, plan, mean, std, 3, channels_last=True))
    assert [len(y) for _, y in batches] == [16, 16, 5]
    for b, (x, y) in enumerate(batches):
        rng = range(16 * b, min(37, 16 * b + 16))
        assert torch.equal(y, labels[plan.order[16 * b:16 * b + 16]])
        assert torch.allclose(x, _reference_batch(images, plan, rng, 3, mean, std), atol=1e-6)
    dropped = list(train_batches(to_nhwc(images), labels, 16, plan, mean, std, 3, drop_last=True))
    assert [len(y) for _, y in dropped] == [16, 16]


def test_epoch_batches_depend_only_on_seed_and_epoch():
    images = to_nhwc(torch.randint(0, 256, (50, 3, 8, 8), dtype=torch.uint8))
    labels = torch.arange(50) % 10
    mean, std = torch.zeros(3), torch.ones(3)

    def epoch(seed, e):
        plan = epoch_plan(50, epoch_generator(seed, e), 2, True)
        return list(train_batches(images, labels, 16, plan, mean, std, 2))

    a, b, c = epoch(0, 3), epoch(0, 3), epoch(0, 4)
    assert [len(y) for _, y in a] == [16, 16, 16, 2]
    assert all(torch.equal(x1, x2) for (x1, _), (x2, _) in zip(a, b))
    assert not torch.equal(a[0][0], c[0][0])


def test_crop_padding_is_black_before_normalization():
    images = to_nhwc(torch.full((4, 3, 6, 6), 255, dtype=torch.uint8))
    mean, std = torch.tensor([0.5, 0.4, 0.3]), torch.tensor([0.2, 0.2, 0.2])
    plan = epoch_plan(4, epoch_generator(1, 0), 3, False)
    (x, _), = list(train_batches(images, torch.arange(4), 4, plan, mean, std, 3))
    black = (0 - mean) / std  # a padded pixel, normalized
    white = (1 - mean) / std
    for c in range(3):
        is_black = torch.isclose(x[:, c], black[c])
        assert torch.all(is_black | torch.isclose(x[:, c], white[c]))  # only image or black padding
        assert is_black.any()  # padding is visible in 4 random crops of 6x6 images padded by 3


@pytest.mark.parametrize("shape, padding", [((9, 3, 64, 64), 8), ((7, 3, 28, 40), 2), ((5, 1, 8, 8), 1)])
def test_augmentation_at_64x64_and_non_square_sizes(shape, padding):
    """Tiny ImageNet's 64x64 images with padding 8, and H != W, match the per-image reference."""
    images = torch.randint(0, 256, shape, dtype=torch.uint8)
    labels = torch.arange(shape[0]) % 3
    mean, std = torch.rand(shape[1]) * 0.5 + 0.25, torch.rand(shape[1]) * 0.2 + 0.2
    plan = epoch_plan(shape[0], epoch_generator(1, 0), crop_padding=padding, hflip=True)
    assert int(plan.dy.max()) <= 2 * padding and int(plan.dx.max()) <= 2 * padding
    (x, y), = list(train_batches(to_nhwc(images), labels, shape[0], plan, mean, std, padding))
    assert x.shape == shape and torch.equal(y, labels[plan.order])
    assert torch.allclose(x, _reference_batch(images, plan, range(shape[0]), padding, mean, std), atol=1e-6)


def test_channel_stats_equal_the_float_computation_without_a_float_copy():
    from selectivity.data.prepared import channel_stats

    images = np.random.default_rng(0).integers(0, 256, (300, 3, 5, 7)).astype(np.uint8)
    images[:, 2] //= 4  # channels with different statistics
    mean, std = channel_stats(images, chunk=64)
    x = images.astype(np.float64) / 255
    assert mean == pytest.approx(x.mean(axis=(0, 2, 3)).tolist(), abs=1e-15)
    assert std == pytest.approx(x.std(axis=(0, 2, 3)).tolist(), abs=1e-15)
    assert channel_stats(np.full((4, 1, 2, 2), 255, np.uint8)) == ([1.0], [0.0])
