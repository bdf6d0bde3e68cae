"""config.py: one line naming the field for every bad value, for any field type."""

import dataclasses
from typing import Any

import pytest

from sparsyfed.config import _check_types, load_config
from sparsyfed.errors import UserError


@pytest.mark.parametrize("override, message", [
    ("rounds=ten", "rounds: expected int, got 'ten'"),
    ("rounds=true", "rounds: expected int, got True"),
    ("lr_horizon=1.5", "lr_horizon: expected int or null, got 1.5"),
    ("method_params=3", "method_params: expected dict, got 3"),
    ("federated_eval=1", "federated_eval: expected bool, got 1"),
    ("data_root=5", "data_root: expected str or null, got 5"),
])
def test_wrong_types_name_the_field(override, message):
    with pytest.raises(UserError) as info:
        load_config(None, [override])
    assert str(info.value) == message


def test_floats_accept_ints_and_yaml_strings():
    cfg = load_config(None, ["alpha=1000", "lr=1e-3", "weight_decay=0"])
    assert (cfg.alpha, cfg.lr, cfg.weight_decay) == (1000.0, 0.001, 0.0)
    assert all(isinstance(v, float) for v in (cfg.alpha, cfg.lr, cfg.weight_decay))


@dataclasses.dataclass(frozen=True)
class _AnyTypes:
    a: int | None = None
    b: dict[str, int] = dataclasses.field(default_factory=dict)
    c: tuple[int, ...] = ()
    d: float | str = 1.0
    e: Any = None
    f: list = dataclasses.field(default_factory=list)


def test_any_field_type_is_checked_without_a_key_error():
    _check_types(_AnyTypes(a=3, b={"x": 1}, c=(1, 2), d="x", e=object(), f=[1]))
    coerced = _AnyTypes(d=2)
    _check_types(coerced)
    assert isinstance(coerced.d, float)
    for bad, field in ((_AnyTypes(c=[1]), "c"), (_AnyTypes(f=(1,)), "f"), (_AnyTypes(a="1"), "a"),
                       (_AnyTypes(b=[]), "b")):
        with pytest.raises(UserError, match=f"^{field}: expected "):
            _check_types(bad)
