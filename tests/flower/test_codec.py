"""Models in Flower messages: sparse where cheaper, priced as the engine prices them, bit for bit back."""

import pytest

pytest.importorskip("flwr")  # the `flower` extra

import torch  # noqa: E402

from sparsyfed.flower import codec  # noqa: E402
from sparsyfed.metrics.comm import message_bytes  # noqa: E402
from sparsyfed.sparse.pruning import global_magnitude_prune  # noqa: E402


def _state(sparsity: float) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    state = {"conv.weight": torch.randn(8, 3, 3, 3, generator=g).to(memory_format=torch.channels_last),
             "fc.weight": torch.randn(10, 64, generator=g), "fc.bias": torch.zeros(10),
             "bn.num_batches_tracked": torch.tensor(7)}
    return global_magnitude_prune(state, ["conv.weight", "fc.weight"], sparsity)


@pytest.mark.parametrize("sparsity", [0.0, 0.5, 0.8, 0.95, 0.999])
def test_encoded_state_decodes_bit_for_bit_in_the_templates_layout(sparsity):
    state = _state(sparsity)
    state["fc.weight"][1, :3] = torch.tensor([-0.0, 0.0, -0.0])  # a -0.0 keeps its sign bit
    like = {k: torch.empty_like(v) for k, v in state.items()}
    back = codec.decode(codec.encode(state), like)
    for key, tensor in state.items():
        assert torch.equal(back[key].reshape(-1).view(torch.uint8), tensor.reshape(-1).view(torch.uint8))
        assert back[key].stride() == like[key].stride()  # channels_last kept


@pytest.mark.parametrize("sparsity", [0.0, 0.5, 0.8, 0.95, 0.999])
def test_a_state_travels_in_the_engines_byte_count(sparsity):
    state = {k: v for k, v in _state(sparsity).items() if v.is_floating_point()}
    record = codec.encode(state)
    assert codec.data_bytes(record) == message_bytes(state)
    assert ("fc.weight" in record) == (sparsity < 0.5)  # sent dense only where sparse costs more
    assert "fc.bias" + codec.SEP + "values" in record  # all zeros: no values, no index


def test_blobs_keep_numpy_arrays_tensors_and_numbers():
    import numpy as np

    obj = {"support": np.arange(5, dtype=np.uint8), "mask": {"a": torch.ones(2, dtype=torch.bool)},
           "n": np.int64(3), "x": 0.1, "layers": {"fc.weight": 0.25}}
    back = codec.from_bytes(codec.to_bytes(obj))
    assert isinstance(back["support"], np.ndarray) and (back["support"] == obj["support"]).all()
    assert torch.equal(back["mask"]["a"], obj["mask"]["a"])
    assert back["n"] == 3 and back["x"] == 0.1 and back["layers"] == obj["layers"]
