"""Package layering: the engine never imports a method's module or the registry, only the interface."""

import subprocess
import sys

SCRIPT = """
import sys
import sparsyfed.fl.engine, sparsyfed.methods.base
loaded = sorted(m for m in sys.modules if m.startswith(("sparsyfed.methods.", "sparsyfed.analysis")))
print(loaded)
sys.exit(0 if loaded == ["sparsyfed.methods.base"] else 1)
"""


def test_the_engine_imports_the_method_interface_only():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
