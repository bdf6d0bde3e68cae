"""The source files a module runs: itself, every `sparsyfed` module it imports (transitively, read with
`ast`, nothing is imported), the packages they sit in, and the package data files they name.

The workflow lists them as inputs of each analysis job, so that editing any code a job runs reruns
that job and no other, without a hand-kept list that goes stale when an import is added. A data file
counts when a module names it in a string literal (e.g. "paper_numbers.csv" beside paper/reported.py).
"""

from __future__ import annotations

import ast
import importlib.util
from functools import cache
from pathlib import Path

ROOT_PACKAGE = "sparsyfed"


@cache
def package_dir() -> Path:
    """The folder of the `sparsyfed` package that imports find (so PYTHONPATH is respected)."""
    spec = importlib.util.find_spec(ROOT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"the {ROOT_PACKAGE} package is not importable: pip install -e .")
    return Path(list(spec.submodule_search_locations)[0])


def _source(module: str) -> Path | None:
    """The file of `module` (a .py or a package's __init__.py) under `package_dir()`, or None."""
    parts = module.split(".")
    if parts[0] != ROOT_PACKAGE:
        return None
    base = package_dir().joinpath(*parts[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _tree(path: Path) -> ast.Module:
    """The parsed source of `path`, parsed once per version of the file (analysis modules share most
    of their imports, and the workflow asks for each one's closure at parse time)."""
    stat = path.stat()
    return _parse(path, stat.st_mtime_ns, stat.st_size)


@cache
def _parse(path: Path, mtime_ns: int, size: int) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _imported(path: Path, module: str) -> set[str]:
    """`sparsyfed` modules that `path` (the source of `module`) imports anywhere in its body."""
    tree = _tree(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return {m for m in found if _source(m) is not None}


def _data_files(path: Path) -> set[Path]:
    """Non-Python files beside `path` that it names in a string literal."""
    names = {n.value for n in ast.walk(_tree(path)) if isinstance(n, ast.Constant)
             and isinstance(n.value, str)}
    return {p for p in path.parent.iterdir() if p.is_file() and p.suffix != ".py" and p.name in names}


@cache
def code_inputs(module: str) -> tuple[str, ...]:
    """Sorted paths of the files that running `module` executes or reads (see the module docstring)."""
    if _source(module) is None:
        raise ImportError(f"{module}: no such module under {package_dir()}")
    todo, seen = [module], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # the packages it sits in
        todo += sorted(_imported(_source(name), name))
    files = {_source(m) for m in seen}
    files |= {f for m in seen for f in _data_files(_source(m))}
    return tuple(sorted(str(f) for f in files))
