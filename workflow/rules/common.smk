# The workflow's glue: validate the config, build its grid (sparsyfed.grid, where the settings
# logic lives and is tested), constrain wildcards, and the input functions of the rules. Stage
# files hold rules only.

import os
import re

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.utils import validate

from sparsyfed import record
from sparsyfed.analysis.collect import table_files
from sparsyfed.analysis.commands import (
    FIGURE_FORMATS,
    REPORT,
    TABLE_FORMATS,
    TABLE_NAMES,
)
from sparsyfed.analysis.figures import FIGURES
from sparsyfed.code_inputs import code_inputs
from sparsyfed.errors import UserError
from sparsyfed.grid import (
    PARTITION,
    RUN_DIR,
    SETTINGS,
    SMOKE_DIR,
    WILDCARD_PATTERNS,
    Grid,
    write_settings,
)

# ---------------------------------------------------------------- config

# Strict: an unknown key, a wrong type or an out-of-range value stops the workflow at parse time,
# naming the key. Fills in the schema's defaults (the schema is where defaults are stated).
validate(config, schema="../schemas/config.schema.yaml")

try:
    GRID = Grid(config)
except UserError as exc:
    raise WorkflowError(str(exc)) from None

# Every job runs in one conda environment (with --software-deployment-method conda), which
# installs this package from the workflow's own folder: the env file names it as ${SPARSYFED_ROOT},
# set here for the `conda env create` (and its pip) that Snakemake starts. Set, not read, so the
# user has nothing to define (no envvars: directive).
ENV = "../envs/sparsyfed.yaml"
os.environ.update(SPARSYFED_ROOT=workflow.basedir)


def _alternatives(values):
    return "|".join(re.escape(v) for v in values)


wildcard_constraints:
    dataset=_alternatives(GRID.datasets),
    method=_alternatives(GRID.methods),
    alpha=WILDCARD_PATTERNS["alpha"],
    sparsity=WILDCARD_PATTERNS["sparsity"],
    seed=WILDCARD_PATTERNS["seed"],
    clients=WILDCARD_PATTERNS["clients"],
    pseed=WILDCARD_PATTERNS["pseed"],


# ---------------------------------------------------------------- input functions


def all_run_summaries():
    return [f"{d}/{record.SUMMARY}" for d in GRID.run_dirs()]


def get_run_partition(wildcards):
    return GRID.partition(wildcards.dataset, wildcards.alpha)


def get_smoke_partition(wildcards):
    point = GRID.smoke_point(wildcards.dataset, wildcards.method)
    return GRID.partition(point["dataset"], point["alpha"])


def run_settings(wildcards):
    """Every setting of one run: the params of its settings job, so that a change reruns exactly it."""
    return GRID.settings(
        wildcards.dataset,
        wildcards.alpha,
        wildcards.method,
        wildcards.sparsity,
        wildcards.seed,
    )


def smoke_settings(wildcards):
    point = GRID.smoke_point(wildcards.dataset, wildcards.method)
    return GRID.settings(**point, rounds=config["smoke"]["rounds"])


def data_root_option(wildcards=None):
    root = config["data_root"]
    return [] if root is None else ["--data-root", root]


def samples_option(wildcards=None):
    n = config["partition"]["samples_per_client"]
    return [] if n is None else ["--samples-per-client", str(n)]


def analysis_code(module):
    """The files the module that makes an analysis output runs: the job's inputs besides the tables,
    so that editing any of them reruns the jobs that run it, and no other (sparsyfed.code_inputs).
    """
    try:
        return list(code_inputs(module))
    except ImportError as exc:
        raise WorkflowError(str(exc)) from None


def tidy_tables():
    return expand("results/tables/{table}.csv", table=record.TIDY_TABLES)


def get_table_output():
    return (
        tidy_tables()
        + expand("paper_figures/{name}.{ext}", name=TABLE_NAMES, ext=TABLE_FORMATS)
        + ["paper_figures/claims.md"]
    )


def get_figure_output():
    return expand("paper_figures/{name}.{ext}", name=FIGURES, ext=FIGURE_FORMATS)


def get_smoke_output():
    return expand(
        f"{SMOKE_DIR}/{record.SUMMARY}", dataset=GRID.datasets, method=GRID.methods
    )


def get_final_output():
    return (
        get_table_output()
        + get_figure_output()
        + get_agreement_output()
        + [f"paper_figures/{REPORT}"]
    )


# ---------------------------------------------------------------- report, agreement, review

# The captions of the outputs (workflow/report/<name>.rst): the HTML report and report.md show them.
CAPTIONS = os.path.join(workflow.basedir, "workflow", "report")
CAPTION_FILES = expand(
    "{folder}/{name}.rst", folder=CAPTIONS, name=[*TABLE_NAMES, "claims", *FIGURES]
)
# The shipped reference grid (reference/README.md): `review` rebuilds its outputs, `verify` reruns runs.
REFERENCE = "reference"


def _reference_tables():
    """The config's reference tables folder when it exists; None (with a note when it is named) if not."""
    folder = config["reference_tables"]
    if folder is None:
        return None
    if not os.path.isdir(folder):
        logger.warning(
            f"reference_tables: {folder} not found, so paper_figures/agreement.md is not made"
            " (set reference_tables: null to leave it out without this note)"
        )
        return None
    return folder


REFERENCE_TABLES = _reference_tables()


def get_agreement_output():
    if REFERENCE_TABLES is None:
        return []
    return expand("paper_figures/agreement.{ext}", ext=["md", "csv"])


def reference_table_files(folder):
    """The tidy tables in `folder` (NAME.csv or NAME.csv.gz, as found)."""
    return [f for name in record.TIDY_TABLES for f in table_files(folder, name)]


def agreement_inputs(wildcards):
    files = [] if REFERENCE_TABLES is None else reference_table_files(REFERENCE_TABLES)
    if not files:
        raise WorkflowError(
            "paper_figures/agreement.md needs reference_tables: a folder of a reference grid's tidy tables"
        )
    return files


def _reference_part(part):
    """reference/<part>, which must exist (else a WorkflowError saying what is missing)."""
    for path in (REFERENCE, os.path.join(REFERENCE, part)):
        if not os.path.exists(path):
            raise WorkflowError(
                f"{path} not found: run from the repository's root, where {REFERENCE}/ is shipped"
                " (or make one with `sparsyfed reference-pack`)"
            )
    return path


def review_inputs(wildcards):
    """The shipped reference folder's files: its tables, provenance and every shipped output."""
    shipped = _reference_part("paper_figures")
    return (
        [_reference_part("provenance.json")]
        + reference_table_files(_reference_part("tables"))
        + [os.path.join(shipped, f) for f in sorted(os.listdir(shipped))]
    )


def verify_inputs(wildcards):
    """What `verify` reads of the shipped reference: its config and its tables."""
    return [_reference_part("config.yaml")] + reference_table_files(
        _reference_part("tables")
    )
