import pytest
import torch

from sparsyfed.state import fedavg


def test_fedavg_is_the_sample_weighted_mean():
    # Prepare
    a = {"w": torch.tensor([1.0, 2.0]), "bn.num_batches_tracked": torch.tensor(3)}
    b = {"w": torch.tensor([4.0, -1.0]), "bn.num_batches_tracked": torch.tensor(9)}
    # Execute
    out = fedavg([a, b], [1.0, 2.0])
    # Assert: (1*a + 2*b) / 3
    assert torch.allclose(out["w"], torch.tensor([3.0, 0.0]))
    assert out["bn.num_batches_tracked"].dtype == torch.int64 and int(out["bn.num_batches_tracked"]) == 7
    assert torch.equal(a["w"], torch.tensor([1.0, 2.0]))  # inputs untouched


def test_fedavg_keeps_union_support():
    a = {"w": torch.tensor([0.0, 1.0, 0.0])}
    b = {"w": torch.tensor([0.0, 0.0, 2.0])}
    out = fedavg([a, b], [1, 1])["w"]
    assert out[0] == 0 and out[1] != 0 and out[2] != 0


def test_fedavg_rejects_bad_weights():
    with pytest.raises(ValueError):
        fedavg([{"w": torch.zeros(1)}], [0.0])
    with pytest.raises(ValueError):
        fedavg([], [])
