import numpy as np
import pytest

from sparsyfed.data.partition import lda_partition, load_partition, save_partition
from sparsyfed.errors import UserError


def labels(n_per_class=600, classes=10, seed=0):
    return np.random.default_rng(seed).permutation(np.repeat(np.arange(classes), n_per_class))


TRAIN, TEST = labels(600), labels(100, seed=1)


def test_every_client_gets_n_distinct_samples():
    part = lda_partition(TRAIN, TEST, 100, 0.1, seed=1337)
    assert part.train_indices.shape == (100, 60)
    assert part.test_indices.shape == (100, 10)
    assert len(np.unique(part.train_indices)) == 100 * 60  # no sample given twice
    assert len(np.unique(part.test_indices)) == 100 * 10
    # class-count table agrees with the indices
    for c in (0, 57, 99):
        assert np.array_equal(np.bincount(TRAIN[part.train_indices[c]], minlength=10), part.class_counts[c])
        assert np.array_equal(np.bincount(TEST[part.test_indices[c]], minlength=10), part.test_class_counts[c])


def test_samples_per_client_caps_shards():
    part = lda_partition(TRAIN, TEST, 10, 1.0, seed=3, samples_per_client=50)
    assert part.train_indices.shape == (10, 50) and part.test_indices.shape == (10, 8)


def test_alpha_controls_heterogeneity():
    iid = lda_partition(TRAIN, TEST, 50, 1000.0, seed=1337)
    skewed = lda_partition(TRAIN, TEST, 50, 0.1, seed=1337)
    frac_iid = iid.class_counts / iid.class_counts.sum(1, keepdims=True)
    frac_skew = skewed.class_counts / skewed.class_counts.sum(1, keepdims=True)
    assert np.abs(frac_iid - 0.1).max() < 0.12  # near uniform
    top2 = np.sort(frac_skew, axis=1)[:, -2:].sum(1)
    assert np.median(top2) > 0.8  # one or two classes dominate


def test_seeded():
    a = lda_partition(TRAIN, TEST, 20, 0.5, seed=7)
    b = lda_partition(TRAIN, TEST, 20, 0.5, seed=7)
    c = lda_partition(TRAIN, TEST, 20, 0.5, seed=8)
    assert np.array_equal(a.train_indices, b.train_indices) and np.array_equal(a.test_indices, b.test_indices)
    assert not np.array_equal(a.train_indices, c.train_indices)


def test_exhausted_classes_are_renormalised():
    # 2 classes, one tiny: clients that want it must fall back to the other without failing
    train = np.array([0] * 95 + [1] * 5)
    part = lda_partition(train, train, 10, 0.1, seed=0)
    assert len(np.unique(part.train_indices)) == 100


def test_save_load_roundtrip(tmp_path):
    part = lda_partition(TRAIN, TEST, 10, 1.0, seed=3, dataset="toy")
    save_partition(part, tmp_path / "p.npz")
    back = load_partition(tmp_path / "p.npz")
    assert np.array_equal(back.train_indices, part.train_indices)
    assert (back.dataset, back.alpha, back.seed, back.num_clients) == ("toy", 1.0, 3, 10)
    assert [p.name for p in tmp_path.iterdir()] == ["p.npz"]  # no temp file left behind


@pytest.mark.parametrize("kwargs, field", [
    ({"alpha": 0.0}, "alpha"), ({"alpha": -1.0}, "alpha"), ({"num_clients": 10_000}, "num_clients"),
    ({"samples_per_client": 10_000}, "samples_per_client"),
])
def test_bad_input(kwargs, field):
    args = {"num_clients": 10, "alpha": 1.0} | kwargs
    with pytest.raises(UserError, match=field):
        lda_partition(TRAIN[:5000], TEST, args.pop("num_clients"), args.pop("alpha"), seed=0, **args)


def test_corrupt_partition_file(tmp_path):
    bad = tmp_path / "p.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(UserError, match="not a valid partition"):
        load_partition(bad)
