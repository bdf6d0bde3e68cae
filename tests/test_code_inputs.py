"""code_inputs.py: the files an analysis job runs, found from imports, so reruns cannot go stale."""

from pathlib import Path

import pytest

from sparsyfed.code_inputs import code_inputs, package_dir


def names(module: str) -> set[str]:
    root = package_dir()
    return {Path(p).relative_to(root).as_posix() for p in code_inputs(module)}


def test_a_figure_runs_its_module_its_imports_and_their_data_but_no_other_figure():
    found = names("sparsyfed.analysis.figures.regrowth")
    assert {"analysis/figures/regrowth.py", "analysis/figures/_common.py", "analysis/figures/__init__.py",
            "analysis/figures/style.py", "analysis/figures/sparsyfed.mplstyle", "analysis/names.py",
            "analysis/stats.py", "analysis/collect.py", "catalog.py", "record.py", "__init__.py"} <= found
    assert not found & {"analysis/figures/mask_iou.py", "analysis/paper/tables.py", "analysis/claims/checks.py",
                        "analysis/paper/paper_numbers.csv"}
    assert not any(f.startswith(("fl/", "methods/", "sparse/")) for f in found)


def test_tables_read_the_authors_numbers():
    found = names("sparsyfed.analysis.paper.tables")
    assert {"analysis/paper/tables.py", "analysis/render.py", "analysis/paper/reported.py",
            "analysis/paper/paper_numbers.csv", "analysis/paper/__init__.py"} <= found
    assert "analysis/figures/regrowth.py" not in found


def test_an_import_added_to_a_module_becomes_an_input(tmp_path, monkeypatch):
    package = tmp_path / "sparsyfed"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "a.py").write_text("def f():\n    from . import b\n    return open('table.csv')\n")
    (package / "sub" / "b.py").write_text("import sparsyfed.c\n")
    (package / "c.py").write_text("x = 'not a file here'\n")
    (package / "sub" / "table.csv").write_text("")
    (package / "sub" / "unused.csv").write_text("")
    monkeypatch.setattr("sparsyfed.code_inputs.package_dir", lambda: package)
    code_inputs.cache_clear()
    try:
        found = {Path(p).relative_to(package).as_posix() for p in code_inputs("sparsyfed.sub.a")}
    finally:
        code_inputs.cache_clear()
    assert found == {"__init__.py", "sub/__init__.py", "sub/a.py", "sub/b.py", "c.py", "sub/table.csv"}


def test_an_unknown_module_is_an_error():
    with pytest.raises(ImportError, match="no_such"):
        code_inputs("sparsyfed.analysis.no_such")
