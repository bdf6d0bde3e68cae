"""The one place that styles figures: Agg backend, `sparsyfed.mplstyle`, method colours and markers,
figure creation and atomic PDF + PNG output. Figure modules never touch rcParams.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless by construction: figures build in CI and on cluster nodes

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sparsyfed import catalog  # noqa: E402
from sparsyfed.io import atomic_path  # noqa: E402

STYLE_FILE = str(resources.files(__package__).joinpath("sparsyfed.mplstyle"))

# One colour and marker per method id, everywhere (declared in the catalogue).
METHOD_COLORS = {m.id: m.color for m in catalog.METHODS}
METHOD_MARKERS = {m.id: m.marker for m in catalog.METHODS}
# One colour per dataset id, where a figure tells datasets apart by colour (kept weights): Okabe-Ito, in
# catalogue order.
DATASET_COLORS = dict(zip(catalog.ids(catalog.DATASETS), ("#0072B2", "#009E73", "#CC79A7", "#D55E00", "#E69F00",
                                                           "#56B4E9"), strict=False))
FAILED_MARKER = {"marker": "x", "color": "#B00000", "markersize": 8, "markeredgewidth": 1.8, "linestyle": "none"}
TARGET_LINE = {"color": "black", "linestyle": "--", "linewidth": 1.0}
DENSE_LINE = {"color": METHOD_COLORS[catalog.with_role(catalog.REFERENCE)[0]], "linestyle": "--", "linewidth": 1.2}
BAND_ALPHA = 0.18  # shaded ± std bands
PANEL_SIZE = (3.2, 2.4)  # inches per panel


def line_kw(method: str, n_points: int) -> dict:
    """Colour, marker and marker spacing of a per-round line (markers tell overlapping lines apart)."""
    return {"color": color(method), "marker": marker(method), "markevery": max(1, n_points // 8)}


def color(method: str) -> str:
    return METHOD_COLORS.get(method, catalog.MethodEntry.color)


def marker(method: str) -> str:
    return METHOD_MARKERS.get(method, catalog.MethodEntry.marker)


def dataset_color(dataset: str) -> str:
    return DATASET_COLORS.get(dataset, catalog.MethodEntry.color)


@contextlib.contextmanager
def figure(n_rows: int = 1, n_cols: int = 1, panel_size: tuple[float, float] = PANEL_SIZE,
           extra_height: float = 0.6, **subplot_kw) -> Iterator[tuple[Figure, object]]:
    """A styled figure with an (n_rows x n_cols) array of axes (always 2-D), closed on exit."""
    with plt.style.context(STYLE_FILE):
        fig, axes = plt.subplots(max(n_rows, 1), max(n_cols, 1), squeeze=False,
                                 figsize=(panel_size[0] * max(n_cols, 1),
                                          panel_size[1] * max(n_rows, 1) + extra_height), **subplot_kw)
        try:
            yield fig, axes
        finally:
            plt.close(fig)


def save(fig: Figure, out_dir: str | Path, name: str) -> list[Path]:
    """Write `<name>.pdf` and `<name>.png` into `out_dir` atomically (reproducible PDF metadata)."""
    out_dir = Path(out_dir)
    paths = []
    for fmt, meta in (("pdf", {"CreationDate": None, "Producer": None}), ("png", {"Software": None})):
        path = out_dir / f"{name}.{fmt}"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, metadata=meta)
        paths.append(path)
    return paths
