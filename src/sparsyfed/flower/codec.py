"""What travels in Flower messages: model states, encoded tensor by tensor as the engine prices them,
and small Python objects (method state, client results) as bytes.

A float32 tensor is sent in the cheapest of the three encodings `metrics.comm.tensor_bytes` prices:
dense values, COO (int32 flat indices + values) or a bitmap (`numpy.packbits`) + values, so the
message's data bytes are the engine's `bytes_up`/`bytes_down` (`comm.message_bytes`). Other tensors
(integer buffers, other float types) go dense. An entry counts as non-zero by its bits, so a -0.0
survives the trip: decoding gives every tensor back bit for bit, in the layout of a template state.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np
import torch
from flwr.app import Array, ArrayRecord

from sparsyfed.metrics.comm import INDEX_BYTES, VALUE_BYTES
from sparsyfed.state import State

SEP = "::"  # tensor key + SEP + part, for the parts of a sparse tensor ("values" and "index" or "bitmap")
_NUMPY = "__numpy__"  # marks a numpy array inside a blob (stored as a tensor)


def _sizes(numel: int, nnz: int) -> dict[str, int]:
    """Bytes of each encoding of a float32 tensor (the prices of `metrics.comm.tensor_bytes`)."""
    return {"dense": VALUE_BYTES * numel, "index": (INDEX_BYTES + VALUE_BYTES) * nnz,
            "bitmap": (numel + 7) // 8 + VALUE_BYTES * nnz}


def _array(values: np.ndarray) -> Array:
    return Array.from_numpy_ndarray(np.ascontiguousarray(values))


def encode(state: Mapping[str, torch.Tensor]) -> ArrayRecord:
    """`state` as an ArrayRecord: each float32 tensor in its cheapest encoding, the rest dense."""
    record = ArrayRecord()
    for key, tensor in state.items():
        flat = tensor.detach().cpu().reshape(-1)  # logical (row-major) order whatever the memory layout
        if tensor.dtype != torch.float32:
            record[key] = _array(flat.numpy().reshape(tuple(tensor.shape)))
            continue
        present = flat.view(torch.int32) != 0  # by bits: -0.0 is sent as a value
        sizes = _sizes(flat.numel(), int(present.sum()))
        encoding = min(sizes, key=sizes.get)  # ties go to dense, then index
        if encoding == "dense":
            record[key] = _array(flat.numpy().reshape(tuple(tensor.shape)))
            continue
        record[key + SEP + "values"] = _array(flat[present].numpy())
        if encoding == "index":
            record[key + SEP + "index"] = _array(present.nonzero().squeeze(1).to(torch.int32).numpy())
        else:
            record[key + SEP + "bitmap"] = _array(np.packbits(present.numpy()))
    return record


def data_bytes(record: ArrayRecord) -> int:
    """Bytes of the arrays' values in `record` (without numpy headers and key names)."""
    return sum(int(np.prod(a.shape, dtype=np.int64)) * np.dtype(a.dtype).itemsize for a in record.values())


def decode(record: ArrayRecord, like: Mapping[str, torch.Tensor]) -> State:
    """The state `record` holds (from `encode`, or a dense `ArrayRecord` of a state dict), each tensor
    with the dtype, device and memory layout of its namesake in `like`."""
    out: State = {}
    for key, template in like.items():
        if key in record:
            flat = torch.from_numpy(record[key].numpy()).reshape(-1)
        elif key + SEP + "values" in record:
            values = torch.from_numpy(record[key + SEP + "values"].numpy())
            flat = torch.zeros(template.numel(), dtype=values.dtype)
            if key + SEP + "index" in record:
                flat[torch.from_numpy(record[key + SEP + "index"].numpy()).long()] = values
            else:
                bits = np.unpackbits(record[key + SEP + "bitmap"].numpy(), count=template.numel())
                flat[torch.from_numpy(bits.astype(bool))] = values
        else:
            raise KeyError(f"message: no tensor {key!r}; the sender's model differs from this one")
        out[key] = torch.empty_like(template).copy_(flat.view(template.shape))
    return out


def _to_blob_types(obj):
    if isinstance(obj, np.ndarray):
        return {_NUMPY: torch.from_numpy(obj.copy())}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Mapping):
        return {k: _to_blob_types(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(_to_blob_types(v) for v in obj)
    return obj


def _from_blob_types(obj):
    if isinstance(obj, dict):
        if set(obj) == {_NUMPY}:
            return obj[_NUMPY].numpy()
        return {k: _from_blob_types(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(_from_blob_types(v) for v in obj)
    return obj


def to_bytes(obj) -> bytes:
    """Bytes of a nest of dicts, lists, numbers, strings, tensors and numpy arrays (`from_bytes` reads them)."""
    buffer = io.BytesIO()
    torch.save(_to_blob_types(obj), buffer)
    return buffer.getvalue()


def from_bytes(data: bytes):
    """The object `to_bytes` wrote, loaded without unpickling code (`weights_only`), tensors on the CPU."""
    return _from_blob_types(torch.load(io.BytesIO(data), map_location="cpu", weights_only=True))
