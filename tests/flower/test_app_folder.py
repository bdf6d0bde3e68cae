"""`flower_app/` is a valid Flower app whose components are the adapter's and whose run config names
`sparsyfed run`'s settings."""

import dataclasses
from pathlib import Path

import pytest

pytest.importorskip("flwr")  # the `flower` extra

from flwr.cli.config_utils import load_and_validate  # noqa: E402

from sparsyfed.config import RunConfig  # noqa: E402
from sparsyfed.flower import settings  # noqa: E402
from sparsyfed.flower.client import client_app  # noqa: E402
from sparsyfed.flower.server import server_app  # noqa: E402

APP = Path(__file__).resolve().parents[2] / "flower_app"


def test_the_app_folder_is_a_flower_app_of_the_adapter(monkeypatch):
    monkeypatch.syspath_prepend(str(APP))
    config, _ = load_and_validate(APP / "pyproject.toml", check_module=True)
    app = config["tool"]["flwr"]["app"]
    from sparsyfed_app import client_app as client_module
    from sparsyfed_app import server_app as server_module

    assert app["components"] == {"serverapp": "sparsyfed_app.server_app:app",
                                 "clientapp": "sparsyfed_app.client_app:app"}
    assert server_module.app is server_app and client_module.app is client_app
    fields = {f.name for f in dataclasses.fields(RunConfig)}
    named = set(app["config"]) - set(settings.OWN_KEYS)
    assert {"method", "sparsity", "alpha", "seed", "rounds"} <= named <= fields
    assert settings.run_config_from(app["config"]) == RunConfig()  # nothing set: `sparsyfed run`'s defaults
