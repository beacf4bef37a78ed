"""A run's own splits: a fixed training subset (train_size) and a per-run validation draw (val_draw)."""

import numpy as np
import pytest
import torch

from selectivity.data.prepared import PreparedData, Split
from selectivity.data.run_splits import run_splits, stratified_counts


def fake_data(train_per_class=(20, 20, 10, 30), val_per_class=(3, 3, 2, 4), split_seed=0) -> PreparedData:
    """Images [N, 1, 2, 2] whose first two pixels number them (id = p0 + 256 * p1), unique over splits."""
    def split(per_class, first):
        labels = torch.tensor(np.repeat(np.arange(len(per_class)), per_class))
        ids = torch.arange(first, first + len(labels))
        images = torch.zeros(len(labels), 1, 2, 2, dtype=torch.uint8)
        images[:, 0, 0, 0], images[:, 0, 0, 1] = ids % 256, ids // 256
        return Split(images, labels)

    train, val = split(train_per_class, 0), split(val_per_class, 1000)
    return PreparedData("fake", ["a", "b", "c", "d"], [0.5], [0.25], train, val, split(val_per_class, 2000),
                        {"split_seed": split_seed})


def ids(split: Split) -> set[int]:
    x = split.images[:, 0, 0].long()
    return set((x[:, 0] + 256 * x[:, 1]).tolist())


def labelled(split: Split) -> set[tuple[int, int]]:
    x = split.images[:, 0, 0].long()
    return set(zip((x[:, 0] + 256 * x[:, 1]).tolist(), split.labels.tolist()))


def test_stratified_counts_take_exactly_the_size_in_proportion():
    assert stratified_counts(np.array([9] * 10), 45).sum() == 45
    assert sorted(set(stratified_counts(np.array([9] * 10), 45).tolist())) == [4, 5]
    assert stratified_counts(np.array([100, 50, 10]), 16).tolist() == [10, 5, 1]
    assert stratified_counts(np.array([20, 20, 10, 30]), 80).tolist() == [20, 20, 10, 30]
    assert stratified_counts(np.array([3, 3]), 0).tolist() == [0, 0]
    with pytest.raises(ValueError):
        stratified_counts(np.array([3, 3]), 7)


def test_train_size_is_a_stratified_subset_the_same_for_every_seed():
    data = fake_data()
    runs = [run_splits(data, 40, "fixed", seed) for seed in (0, 1, 17)]
    subset = labelled(runs[0].train)
    assert len(subset) == 40 and subset <= labelled(data.train)
    assert np.bincount(runs[0].train.labels.numpy()).tolist() == [10, 10, 5, 15]
    assert all(labelled(r.train) == subset for r in runs)  # every alpha and seed trains on these images
    assert all(torch.equal(r.val.images, data.val.images) and torch.equal(r.test.labels, data.test.labels)
               for r in runs)
    assert labelled(run_splits(fake_data(split_seed=1), 40, "fixed", 0).train) != subset  # fixed by the dataset
    assert labelled(run_splits(data, 80, "fixed", 0).train) == labelled(data.train)
    assert run_splits(data, 41, "fixed", 0).train.labels.shape == (41,)


def test_train_size_larger_than_the_training_split_is_an_error():
    with pytest.raises(ValueError, match="train_size 81 is larger than the training split of fake \\(80 images\\)"):
        run_splits(fake_data(), 81, "fixed", 0)


def test_fixed_val_draw_leaves_the_prepared_splits_alone():
    data = fake_data()
    same = run_splits(data, None, "fixed", 5)
    assert same.train is data.train and same.val is data.val
    with pytest.raises(ValueError, match="val_draw"):
        run_splits(data, None, "random", 0)


def test_per_run_val_draw_depends_on_the_seed_and_keeps_the_per_class_counts():
    data = fake_data()
    pool = labelled(data.train) | labelled(data.val)
    draws = {seed: run_splits(data, None, "per_run", seed) for seed in (0, 1, 2)}
    for d in draws.values():
        assert not ids(d.train) & ids(d.val)  # disjoint
        assert labelled(d.train) | labelled(d.val) == pool  # nothing lost, labels kept with their images
        assert np.bincount(d.val.labels.numpy()).tolist() == [3, 3, 2, 4]  # as the prepared val split
        assert np.bincount(d.train.labels.numpy()).tolist() == [20, 20, 10, 30]
        assert ids(d.test) == ids(data.test)
    assert len({frozenset(ids(d.val)) for d in draws.values()}) == 3  # each seed its own validation images
    assert ids(run_splits(data, None, "per_run", 1).val) == ids(draws[1].val)  # reproducible
    assert ids(draws[0].val) != ids(data.val)


def test_train_size_with_a_per_run_draw_keeps_both_sizes():
    data = fake_data()
    subset = labelled(run_splits(data, 40, "fixed", 0).train)
    for seed in (0, 1):
        d = run_splits(data, 40, "per_run", seed)
        assert len(d.train.labels) == 40 and np.bincount(d.val.labels.numpy()).tolist() == [3, 3, 2, 4]
        assert labelled(d.train) | labelled(d.val) == subset | labelled(data.val)  # drawn from the subset + val
