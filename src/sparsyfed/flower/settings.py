"""A run's settings in a Flower app: the run config of `flwr run` -> the project's `RunConfig`.

The app's `[tool.flwr.app.config]` (and `flwr run --run-config`) takes the settings of
`sparsyfed run`: `config`, a YAML file as `--config` takes; `set`, more settings as `--set` takes them
("model=small_cnn num_clients=20"); and any setting by its own name (`method`, `sparsity`, `alpha`,
`seed`, `rounds`, `method_params.beta`, ...), where "" means "not set". `out` names the folder for
rounds.csv and layers.csv ("" writes none). Precedence: defaults <- `config` <- named settings <- `set`.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
from collections.abc import Mapping

from sparsyfed.config import RunConfig, load_config

OWN_KEYS = ("config", "set", "out")  # the app's keys that are not settings


def _override(key: str, value) -> str:
    """`key=value` as `--set` reads it (values parsed as YAML: JSON numbers, booleans and strings)."""
    return f"{key}={value if isinstance(value, str) else json.dumps(value)}"


def run_config_from(user_config: Mapping) -> RunConfig:
    """The RunConfig of a Flower run config (a Context's `run_config`); raises UserError naming a bad key."""
    named = [_override(k, v) for k, v in user_config.items() if k not in OWN_KEYS and v != ""]
    extra = shlex.split(str(user_config.get("set", "")))
    return load_config(user_config.get("config") or None, named + extra)


def to_json(cfg: RunConfig) -> str:
    """The settings as they travel to clients (every field, resolved on the server)."""
    return json.dumps(cfg.to_dict(), sort_keys=True)


def from_json(text: str, **changes) -> RunConfig:
    """The RunConfig `to_json` wrote, with `changes` (e.g. a node's own `data_root`)."""
    return dataclasses.replace(RunConfig(**json.loads(text)), **changes)
