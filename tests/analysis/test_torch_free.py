"""The analysis never imports torch (it reads tables and masks; importing torch costs about 1.4 s a job)."""

import subprocess
import sys
from pathlib import Path

import sparsyfed.analysis

SCRIPT = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
    if "torch" in sys.modules:
        sys.exit(f"importing {name} imports torch")
"""


def test_no_analysis_module_imports_torch():
    root = Path(sparsyfed.analysis.__file__).parent
    modules = sorted("sparsyfed.analysis." + ".".join(p.relative_to(root).with_suffix("").parts)
                     for p in root.rglob("*.py") if p.name != "__init__.py")
    assert "sparsyfed.analysis.figures.regrowth" in modules and "sparsyfed.analysis.claims.checks" in modules
    result = subprocess.run([sys.executable, "-c", SCRIPT, "sparsyfed.analysis", "sparsyfed.analysis.figures",
                             *modules], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
