# The workflow's glue: validate the config, build its grid (sparsyfed.grid, where the settings
# logic lives and is tested), constrain wildcards, size the jobs, and the input functions of the
# stage files. The input functions of report.smk and review.smk are in common_reference.smk.

import json
import os
import re
import sys

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.utils import validate

from sparsyfed import record
from sparsyfed.analysis.collect import table_files
from sparsyfed.analysis import outputs
from sparsyfed.analysis.outputs import (
    FIGURE_FORMATS,
    FIGURES,
    REPORT,
    TABLE_FORMATS,
    TABLE_NAMES,
)
from sparsyfed.analysis.reference import layout as reference_layout
from sparsyfed.code_inputs import code_inputs
from sparsyfed.errors import UserError
from sparsyfed.grid import (
    EXPERIMENT_TABLES,
    EXPERIMENTS,
    PARTITION,
    RESULTS,
    RUN_PATTERN,
    SETTINGS,
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
# Jobs call `sparsyfed` from PATH: make it the one beside this Snakemake's Python, so that a
# Snakemake started from a virtual environment without activating it does not run another install.
os.environ.update(
    PATH=os.pathsep.join([os.path.dirname(sys.executable), os.getenv("PATH", "")])
)


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
    run=RUN_PATTERN,
    experiment=_alternatives(EXPERIMENTS),


# Job sizes, per kind of job (simulate, data, analysis), from the config's `resources` section, as
# `threads: THREADS[kind]` and `resources: **RESOURCES[kind]` in each rule.
THREADS = {kind: sizes["threads"] for kind, sizes in config["resources"].items()}
RESOURCES = {
    kind: {k: v for k, v in sizes.items() if k != "threads"}
    for kind, sizes in config["resources"].items()
}


# ---------------------------------------------------------------- input functions


def all_run_summaries():
    return [f"{d}/{record.SUMMARY}" for d in GRID.run_dirs()]


def run_settings(wildcards):
    """Every setting of the run in results/{run}: the params of its settings job, so that a change
    reruns exactly it."""
    try:
        return GRID.settings_at(f"{RESULTS}/{wildcards.run}")
    except UserError as exc:
        raise WorkflowError(str(exc)) from None


def run_inputs(wildcards):
    """What the run in results/{run} reads besides its settings: its dataset's check, its partition."""
    settings = run_settings(wildcards)
    return {
        "data": f"results/data/{settings['dataset']}.json",
        "partition": settings["partition"],
    }


def experiment_summaries(wildcards):
    runs = GRID.experiment_runs(wildcards.experiment)
    return [f"{d}/{record.SUMMARY}" for d in runs]


def experiment_partitions(wildcards):
    return GRID.experiment_partitions(wildcards.experiment)


def experiment_tables(experiment):
    return expand(
        f"{EXPERIMENT_TABLES}/{{table}}.csv",
        experiment=experiment,
        table=record.TIDY_TABLES,
    )


def check_smoke(summaries, log):
    """Fail, naming each, if a smoke run failed (smoke runs record a crash in summary.json, as
    every run does, so that one target run reports every method's failure at once); the verdict
    goes to `log` too."""
    lines = []
    for path in summaries:
        with open(path) as f:
            summary = json.load(f)
        if summary["status"] == record.FAILED:
            lines.append(f"{os.path.dirname(path)}: failed: {summary['error']}")
    if lines:
        lines.append(
            f"smoke: {len(lines)} of {len(summaries)} runs failed (each above; logs in logs/simulate/smoke/);"
            " after a fix, run them again: snakemake --cores all smoke --forcerun simulate"
        )
    else:
        lines.append(f"smoke: {len(summaries)} runs ran without failing")
    with open(log, "w") as f:
        f.write("\n".join(lines) + "\n")
    if len(lines) > 1:
        raise WorkflowError("\n".join(lines))
    logger.info(lines[0])


def data_root_option(wildcards=None):
    root = config["data_root"]
    return [] if root is None else ["--data-root", root]


def samples_option(wildcards=None):
    n = config["partition"]["samples_per_client"]
    return [] if n is None else ["--samples-per-client", str(n)]


def analysis_code(*modules):
    """The files the modules that make an analysis output run: the job's inputs besides the tables,
    so that editing any of them reruns the jobs that run it, and no other (sparsyfed.code_inputs).
    """
    try:
        return sorted({path for module in modules for path in code_inputs(module)})
    except ImportError as exc:
        raise WorkflowError(str(exc)) from None


def output_tables(entry):
    """The tidy tables an output of analysis/outputs.py is built from: the grid's, or its experiment's."""
    if entry.experiment is None:
        return tidy_tables()
    return experiment_tables(entry.experiment)


def output_category(entry, kind):
    """The HTML report's category of an output: the grid's tables or figures, or the experiments."""
    return kind if entry.experiment is None else "Experiments"


def output_code(entry):
    """The code of one output of analysis/outputs.py: its builder's module and, for a table, the
    table writer that calls it."""
    writer = (
        "sparsyfed.analysis.paper.tables"
        if entry.kind == outputs.TABLE
        else "sparsyfed.analysis.figures"
    )
    return analysis_code(writer, entry.module)


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
    return [f"{d}/{record.SUMMARY}" for d in GRID.smoke_dirs()]


def get_final_output():
    # get_agreement_output: common_reference.smk
    return (
        get_table_output()
        + get_figure_output()
        + get_agreement_output()
        + [f"paper_figures/{REPORT}"]
    )
