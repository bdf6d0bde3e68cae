"""A host's numeric fingerprint: what it computes, not what it is called.

Two hosts with the same fingerprint `hash` computed the same bits for a fixed computation that
exercises each kernel family a run uses (a convolution, a matrix product, a softmax and one training
step of `resnet_small` on fixed inputs, in the engine's memory layout); with it the fingerprint
records the numerics in force (`sparsyfed.numerics`), the CPU and its vector units, the library
versions and, on a GPU, the device, driver, CUDA/cuDNN versions and determinism settings.
`verify` compares the shipped runs' fingerprints with the rerun's before comparing numbers.
"""

from __future__ import annotations

import hashlib
import os
import platform
from functools import cache

import numpy as np
import torch
from torch.nn import functional as F

from sparsyfed import numerics

# The CPU flags that decide which vector kernels a library can pick (from /proc/cpuinfo).
VECTOR_FLAGS = ("sse4_2", "avx", "fma", "avx2", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
                "avx512_bf16", "avx512_fp16", "amx_tile", "asimd", "sve")
HASH_CHARS = 16


def cpu_description() -> dict[str, str]:
    """Vendor, model and vector flags of the CPU (Linux's /proc/cpuinfo; the platform's words elsewhere)."""
    info = {"arch": platform.machine(), "vendor": "", "model": platform.processor(), "flags": ""}
    try:
        text = open("/proc/cpuinfo").read()
    except OSError:
        return info
    fields = {}
    for line in text.split("\n\n")[0].splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    flags = set((fields.get("flags") or fields.get("Features") or "").split())
    info.update(vendor=fields.get("vendor_id") or fields.get("CPU implementer", ""),
                model=fields.get("model name") or fields.get("CPU part", "") or info["model"],
                flags=" ".join(f for f in VECTOR_FLAGS if f in flags))
    return info


def _gpu_description(device: torch.device) -> dict[str, str]:
    props = torch.cuda.get_device_properties(device)
    driver = getattr(torch._C, "_cuda_getDriverVersion", lambda: "unknown")()
    return {
        "gpu": props.name,
        "gpu_capability": f"{props.major}.{props.minor}",
        "cuda_driver": str(driver),
        "cuda": str(torch.version.cuda),
        "cudnn": str(torch.backends.cudnn.version()),
        "cudnn_deterministic": str(torch.backends.cudnn.deterministic),
        "cudnn_benchmark": str(torch.backends.cudnn.benchmark),
        "deterministic_algorithms": str(torch.are_deterministic_algorithms_enabled()),
        "cublas_workspace_config": os.environ.get("CUBLAS_WORKSPACE_CONFIG", "unset"),
        "tf32_matmul": str(torch.backends.cuda.matmul.allow_tf32),
    }


def fixed_computation(device: torch.device) -> list[torch.Tensor]:
    """The outputs of a fixed computation on `device`, one thread on a CPU: a convolution, a matrix
    product, a softmax and one SGD step of `resnet_small` (the engine's layout) on seeded inputs."""
    from sparsyfed.fl.client import sgd_step
    from sparsyfed.fl.layout import memory_format, to_layout
    from sparsyfed.models import build_model

    gen = torch.Generator().manual_seed(20250415)
    layout = memory_format(device)
    x = torch.randn(16, 1, 28, 28, generator=gen)
    y = torch.randint(0, 10, (16,), generator=gen)
    w = torch.randn(8, 1, 3, 3, generator=gen)
    a, b = torch.randn(64, 96, generator=gen), torch.randn(96, 48, generator=gen)
    model = build_model("resnet_small", 1, 10, generator=torch.Generator().manual_seed(5378))
    model.to(device, memory_format=layout).train()
    xs = to_layout(x, device, layout)
    outputs = [F.conv2d(xs, w.to(device)), a.to(device) @ b.to(device), torch.softmax(a.to(device), dim=1)]
    loss = F.cross_entropy(model(xs), y.to(device))
    loss.backward()
    params = list(model.parameters())
    sgd_step(params, 0.1, 1e-3)
    outputs += [loss.detach()] + [p.detach() for p in params]
    return outputs


def computation_hash(device: torch.device) -> str:
    """Short SHA-256 of the bytes of `fixed_computation` on `device`."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        outputs = fixed_computation(device)
    finally:
        torch.set_num_threads(threads)
    digest = hashlib.sha256()
    for t in outputs:
        digest.update(t.detach().to("cpu").contiguous().numpy().tobytes())
    return digest.hexdigest()[:HASH_CHARS]


@cache
def fingerprint(device_text: str = "cpu") -> dict[str, str]:
    """The numeric fingerprint of this host on `device_text` (computed once per process)."""
    device = torch.device(device_text)
    out = {"hash": computation_hash(device), **numerics.in_force(),
           **{f"cpu_{k}": v for k, v in cpu_description().items()},
           "torch": torch.__version__, "numpy": np.__version__}
    if device.type == "cuda":
        out.update(_gpu_description(device))
    return out

