"""Memory layout of models and image batches on a device (the engine's and the fingerprint's)."""

from __future__ import annotations

import torch


def memory_format(device: torch.device) -> torch.memory_format:
    """Memory layout of the model and the images: channels_last on CPU, where it makes local steps
    1.1-1.5 x and evaluation 1.3-2 x faster (docs/benchmarks.md); NCHW on GPUs, where it is unmeasured."""
    return torch.channels_last if device.type == "cpu" else torch.contiguous_format


def to_layout(x: torch.Tensor, device: torch.device, layout: torch.memory_format) -> torch.Tensor:
    """`x` on `device`, in `layout` if it is a batch of images (4-D).

    `.to` sets the strides explicitly even for one-channel images, where channels_last and NCHW
    are both "contiguous": convolutions pick their layout from those strides.
    """
    return x.to(device, memory_format=layout) if x.dim() == 4 else x.to(device)
