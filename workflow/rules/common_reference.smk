# Input functions of report.smk and review.smk: the report's captions, the reference grid the
# agreement page compares with (config `reference_tables`), the capacity ladder the report shows
# (config `experiments.capacity.report`), and the shipped reference/ folder.


# The captions of the outputs (workflow/report/<name>.rst): the HTML report and report.md show them.
CAPTIONS = os.path.join(workflow.basedir, "workflow", "report")
CAPTION_FILES = expand(
    "{folder}/{name}.rst",
    folder=CAPTIONS,
    name=[
        *(o.caption_name for o in outputs.of(outputs.TABLE)),
        "claims",
        *(o.caption_name for o in outputs.of(outputs.FIGURE)),
        *(o.caption_name for o in outputs.OUTPUTS if o.experiment == "capacity"),
    ],
)


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


def get_capacity_report_input():
    """The capacity ladder's page and figure when the report shows them (then `all` runs the ladder too)."""
    if not config["experiments"]["capacity"]["report"]:
        return []
    return ["paper_figures/capacity.md", "paper_figures/capacity_trend.png"]


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


# The shipped reference grid (reference/README.md): `review` rebuilds its outputs, `verify` reruns runs.
REFERENCE = "reference"


def _reference_part(part):
    """reference/<part>, which must exist (else a WorkflowError saying what is missing)."""
    for path in (REFERENCE, os.path.join(REFERENCE, part)):
        if not os.path.exists(path):
            raise WorkflowError(
                f"{path} not found: run from the repository's root, where {REFERENCE}/ is shipped"
                " (or make one with `sparsyfed reference-pack`)"
            )
    return path


def _reference_tables():
    """The shipped reference's tables: the grid's and those of each experiment packed with it."""
    experiments = [
        reference_layout.experiment_tables(REFERENCE, e)
        for e in reference_layout.packed_experiments(REFERENCE)
    ]
    return reference_table_files(_reference_part("tables")) + [
        f for folder in experiments for f in reference_table_files(folder)
    ]


def review_inputs(wildcards):
    """The shipped reference folder's files: its tables, provenance and every shipped output."""
    shipped = _reference_part("paper_figures")
    return (
        [_reference_part("provenance.json")]
        + _reference_tables()
        + [os.path.join(shipped, f) for f in sorted(os.listdir(shipped))]
    )


def verify_inputs(wildcards):
    """What `verify` reads of the shipped reference: its config and its tables."""
    return [_reference_part("config.yaml")] + _reference_tables()
