"""The Flower app reads `sparsyfed run`'s settings from its run config."""

import pytest

pytest.importorskip("flwr")  # the `flower` extra

from sparsyfed.config import load_config  # noqa: E402
from sparsyfed.errors import UserError  # noqa: E402
from sparsyfed.flower import settings  # noqa: E402


def test_run_config_gives_the_settings_sparsyfed_run_would(tmp_path):
    yaml = tmp_path / "run.yaml"
    yaml.write_text("method: topk\nrounds: 7\nmodel: small_cnn\n")
    user = {"config": str(yaml), "set": "num_clients=20 method_params.mask_scope=prunable", "out": "/x",
            "method": "flash", "sparsity": 0.95, "alpha": "", "seed": 9421, "rounds": ""}
    cfg = settings.run_config_from(user)
    expected = load_config(yaml, ["method=flash", "sparsity=0.95", "seed=9421", "num_clients=20",
                                  "method_params.mask_scope=prunable"])
    assert cfg == expected and cfg.rounds == 7 and cfg.alpha == load_config().alpha
    assert settings.from_json(settings.to_json(cfg)) == cfg


def test_an_unknown_setting_is_named():
    with pytest.raises(UserError, match="unknown key.*'sparsty'"):
        settings.run_config_from({"sparsty": 0.9})
