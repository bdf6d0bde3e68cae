"""Every figure module writes a valid PDF and PNG, on the full synthetic grid, a tiny grid and empty tables."""

import importlib

import pytest
from tidy_by_hand import Tidy

from sparsyfed.analysis.collect import collect
from sparsyfed.analysis.figures import make_figure
from sparsyfed.analysis.outputs import FIGURES
from sparsyfed.errors import UserError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _assert_valid(paths, name):
    assert [p.name for p in paths] == [f"{name}.pdf", f"{name}.png"]
    pdf, png = paths
    assert pdf.stat().st_size > 1000 and pdf.read_bytes()[:5] == b"%PDF-"
    assert png.stat().st_size > 1000 and png.read_bytes()[:8] == PNG_MAGIC


@pytest.mark.parametrize("name", FIGURES)
def test_figure_on_full_grid(grid, tmp_path, name):
    _assert_valid(make_figure(name, grid["tables"], tmp_path), name)


@pytest.mark.parametrize("name", FIGURES)
def test_figure_on_tiny_grid(tiny, tmp_path, name):
    _assert_valid(make_figure(name, tiny["tables"], tmp_path), name)


@pytest.mark.parametrize("name", FIGURES)
def test_figure_on_empty_tables(tmp_path, name):
    # only a missing run and no partitions: every figure says there is nothing to draw
    collect([tmp_path / "runs" / "cifar10" / "alpha0.1" / "topk" / "s0.9" / "seed1"], [], tmp_path / "t")
    _assert_valid(make_figure(name, tmp_path / "t", tmp_path / "f"), name)


@pytest.mark.parametrize("name", FIGURES)
def test_each_module_has_make_and_a_docstring_naming_the_paper_figure(name):
    module = importlib.import_module(f"sparsyfed.analysis.figures.{name}")
    assert callable(module.make)
    assert "SPEC section 6" in module.__doc__ and "Caption" in module.__doc__


def test_pdf_output_is_reproducible(grid, tmp_path):
    a = make_figure("accuracy_vs_sparsity", grid["tables"], tmp_path / "a")[0].read_bytes()
    b = make_figure("accuracy_vs_sparsity", grid["tables"], tmp_path / "b")[0].read_bytes()
    assert a == b


def test_regrowth_caption_names_the_column():
    from sparsyfed.analysis.figures import regrowth

    assert regrowth.COLUMN == "regrowth_local"
    assert "regrowth_local" in regrowth.__doc__


def _regrowth_panels(tables, monkeypatch) -> tuple[int, str]:
    """(panels, title) of the regrowth figure drawn from `tables`."""
    from sparsyfed.analysis.figures import regrowth

    seen = {}

    def record(fig, out_dir, name):
        seen.update(panels=len([ax for ax in fig.axes if ax.get_visible()]), title=fig._suptitle.get_text())
        return []

    monkeypatch.setattr(regrowth.style, "save", record)
    regrowth.make(tables, tables)
    return seen["panels"], seen["title"]


def test_regrowth_adds_dead_channels_when_logged_and_says_when_not(tmp_path, monkeypatch):
    t = Tidy()
    for seed in (1, 2):
        t.add("sparsyfed", seed, regrowth=10.0).add("topk", seed, regrowth=500.0)
    t.write(tmp_path / "old")
    panels, title = _regrowth_panels(tmp_path / "old", monkeypatch)
    assert panels == 1 and "dead channels not logged by these runs" in title
    t = Tidy()
    for seed in (1, 2):
        t.add("sparsyfed", seed, regrowth=10.0, round_columns={"dead_zero_share": 0.4})
        t.add("topk", seed, regrowth=500.0, round_columns={"dead_zero_share": 0.8})
    t.write(tmp_path / "new")
    panels, title = _regrowth_panels(tmp_path / "new", monkeypatch)
    assert panels == 2 and "dead channels" not in title


def test_unknown_figure(grid, tmp_path):
    with pytest.raises(UserError, match="unknown figure"):
        make_figure("nope", grid["tables"], tmp_path)


def test_missing_tables_dir(tmp_path):
    with pytest.raises(UserError, match="sparsyfed collect"):
        make_figure("accuracy_vs_sparsity", tmp_path / "none", tmp_path)
