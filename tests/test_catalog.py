"""catalog.py: every id is declared once and points at code that exists."""

import dataclasses
from pathlib import Path

import pytest
import yaml

from sparsyfed import catalog
from sparsyfed.analysis import names
from sparsyfed.analysis.figures import style
from sparsyfed.data.base import DatasetSpec
from sparsyfed.errors import UserError
from sparsyfed.methods.base import Method

SCHEMA = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"


@pytest.mark.parametrize("entries", [catalog.METHODS, catalog.DATASETS, catalog.MODELS])
def test_ids_are_unique_lowercase_names(entries):
    ids = catalog.ids(entries)
    assert len(set(ids)) == len(ids)
    assert all(i.isidentifier() and i == i.lower() for i in ids)


@pytest.mark.parametrize("entry", catalog.METHODS, ids=lambda e: e.id)
def test_every_method_entry_loads_a_method_taking_its_fixed_parameters(entry):
    cls = catalog.load(entry.cls)
    assert issubclass(cls, Method) and entry.role in catalog.ROLES
    assert set(entry.fixed) <= {f.name for f in dataclasses.fields(cls.Params)}


def test_one_reference_and_one_proposed_method():
    assert len(catalog.with_role(catalog.REFERENCE)) == 1 and len(catalog.with_role(catalog.PROPOSED)) == 1


@pytest.mark.parametrize("entry", catalog.DATASETS, ids=lambda e: e.id)
def test_every_dataset_entry_loads_a_spec(entry):
    assert isinstance(catalog.load(entry.spec), DatasetSpec)


@pytest.mark.parametrize("entry", catalog.MODELS, ids=lambda e: e.id)
def test_every_model_entry_loads_a_builder(entry):
    assert callable(catalog.load(entry.builder))


def test_unknown_ids_name_the_choices():
    with pytest.raises(UserError, match=r"method: unknown method 'fedfoo'.*'sparsyfed'"):
        catalog.method("fedfoo")


def test_the_analysis_shows_what_the_catalogue_declares():
    """Display order, Table 1, the claims' baselines and the styles all follow the declarations."""
    assert list(names.METHODS) == list(catalog.ids(catalog.METHODS))
    assert names.order_methods(["sparsyfed", "dense", "topk"]) == ["dense", "topk", "sparsyfed"]
    assert names.TABLE1_METHODS == ("topk", "zerofl", "flash", "sparsyfed")
    assert names.BASELINES == ("topk", "zerofl", "flash") and names.REFERENCE == "dense"
    assert {m.id: (m.color, m.marker) for m in catalog.METHODS} == \
        {m: (style.color(m), style.marker(m)) for m in catalog.ids(catalog.METHODS)}


@pytest.mark.parametrize("entry", catalog.BEHAVIOURS, ids=lambda e: e.id)
def test_a_behaviour_as_ran_is_its_methods_default_and_corrected_is_accepted(entry):
    """`as_ran` must be the library's default: the grid's runs (which leave the parameter out) are the
    as-ran runs the corrected experiment reuses."""
    from sparsyfed.methods import make_method

    for method in entry.methods:
        params = catalog.load(catalog.method(method).cls).Params
        defaults = {f.name: f.default for f in dataclasses.fields(params)}
        assert defaults[entry.param] == entry.as_ran != entry.corrected
        assert getattr(make_method(method, 0.9, {entry.param: entry.corrected}).params, entry.param) == entry.corrected


def test_behaviour_ids_are_unique_and_unknown_ones_name_the_choices():
    ids = catalog.ids(catalog.BEHAVIOURS)
    assert len(set(ids)) == len(ids) == 3
    with pytest.raises(UserError, match=r"behaviour: unknown behaviour 'x'.*'flash_mask'"):
        catalog.behaviour("x")


@pytest.mark.parametrize("entry", catalog.METHODS, ids=lambda e: e.id)
def test_the_schema_declares_exactly_each_methods_parameters(entry):
    """The schema's method_params.<id> lists the fields of the method's params dataclass, less `sparsity` (a
    grid axis, set by `--set sparsity`), the parameters the catalogue entry fixes and, where the exponent is
    fixed to spectral, `beta` (unused): a parameter added to the dataclass and not to the schema, or kept in
    the schema after leaving the code, fails here."""
    schema = yaml.safe_load(SCHEMA.read_text())
    declared = schema["properties"]["method_params"]["properties"][entry.id]
    if "$ref" in declared:  # e.g. {$ref: "#/$defs/no_params"}
        declared = schema["$defs"][declared["$ref"].rsplit("/", 1)[1]]
    fields = {f.name for f in dataclasses.fields(catalog.load(entry.cls).Params)} - {"sparsity"} - set(entry.fixed)
    if entry.fixed.get("exponent") == "spectral":
        fields -= {"beta"}
    assert set(declared.get("properties", {})) == fields
    assert declared.get("additionalProperties") is False


def test_recorded_params_read_an_earlier_record_in_todays_terms():
    """Before spectral_scope and spectral_sigma, SparsyFed's spectral variants were exponent names (exact sigma);
    a fixed exponent reads neither parameter, so today's defaults stand for it. Other methods are unchanged."""
    import dataclasses

    from sparsyfed.methods.sparsyfed import SparsyFedParams

    defaults = {f.name: f.default for f in dataclasses.fields(SparsyFedParams)}
    assert catalog.PARAMS_ADDED[catalog.SPARSYFED_CLASS] == {k: defaults[k] for k in ("spectral_scope",
                                                                                      "spectral_sigma")}
    fixed = {"beta": 1.25, "exponent": "fixed", "sparsity": 0.95}
    assert catalog.recorded_params("sparsyfed", fixed) == fixed | {"spectral_scope": "layer",
                                                                   "spectral_sigma": "power_iteration"}
    assert catalog.recorded_params("sparsyfed_noact", {"exponent": "spectral_mean"}) == {
        "exponent": "spectral", "spectral_scope": "average", "spectral_sigma": "exact"}
    assert catalog.recorded_params("sparsyfed", {"exponent": "spectral", "spectral_scope": "average"})[
        "spectral_scope"] == "average"  # a recorded value is kept
    assert catalog.recorded_params("zerofl", {"sparsity": 0.9}) == {"sparsity": 0.9}
    assert catalog.recorded_params("sparsyfed", {}) == {}
