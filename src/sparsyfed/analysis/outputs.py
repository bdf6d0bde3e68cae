"""The outputs catalogue: every table and figure of a paper_figures folder, declared once.

An entry names the output (its file stem in paper_figures/), its kind, the function that builds it, the tidy
tables it reads, its heading (tables) and report caption (`workflow/report/<caption>.rst`), and the experiment
whose tidy tables it is built from (None: the grid's). The CLI (analysis/commands.py), the workflow's rules,
the report, and the reference's pack and review loop over these entries; adding a figure is one module in
analysis/figures/ and one line here (README, "Adding a figure").

A table's builder is `function(*tidy_tables) -> (tidy frame, blocks)` (written by `tables.write_formats`);
a figure's is `make(tables_dir, out_dir) -> [paths]`, reading what it needs from the tidy tables' folder.
"""

from __future__ import annotations

from dataclasses import dataclass

from sparsyfed.errors import UserError

TABLE, FIGURE = "table", "figure"
TABLE_FORMATS, FIGURE_FORMATS = ("csv", "md", "tex"), ("pdf", "png")
FORMATS = {TABLE: TABLE_FORMATS, FIGURE: FIGURE_FORMATS}
CLAIMS, REPORT = "claims.md", "report.md"


@dataclass(frozen=True)
class Output:
    """One table or figure of paper_figures/."""

    id: str  # file stem: paper_figures/<id>.<format>
    kind: str  # TABLE or FIGURE
    builder: str  # "module:function"
    inputs: tuple[str, ...] = ("runs",)  # the tidy tables a table's builder takes, in order
    heading: str = ""  # a table's heading (Markdown and LaTeX)
    caption: str = ""  # the report caption's file stem in workflow/report/ (default: the id)
    experiment: str | None = None  # the experiment whose tidy tables it reads; None: the grid's

    @property
    def module(self) -> str:
        return self.builder.split(":")[0]

    @property
    def caption_name(self) -> str:
        return self.caption or self.id

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(f"{self.id}.{ext}" for ext in FORMATS[self.kind])


def _figure(name: str, **kwargs) -> Output:
    return Output(name, FIGURE, f"sparsyfed.analysis.figures.{name}:make", **kwargs)


OUTPUTS: tuple[Output, ...] = (
    # The grid's tables (SPEC section 6, items 1, 2, 9), in the report's order.
    Output("table1", TABLE, "sparsyfed.analysis.paper.tables:table1", heading="Table 1"),
    Output("table2", TABLE, "sparsyfed.analysis.paper.tables:table2", heading="Table 2"),
    Output("paper_comparison", TABLE, "sparsyfed.analysis.paper.tables:paper_comparison",
           heading="Comparison with the authors' numbers"),
    Output("paper_shape", TABLE, "sparsyfed.analysis.paper.tables:paper_shape",
           heading="The shape of the results, ours against the authors' (across datasets)"),
    Output("kept_weights", TABLE, "sparsyfed.analysis.paper.kept:kept_weights", ("runs", "layers"),
           heading="Accuracy against the weights kept, ours and the authors' on one axis"),
    # The grid's figures (SPEC section 6, items 3-8), in the report's order.
    _figure("accuracy_vs_sparsity"),
    _figure("accuracy_vs_communication"),
    _figure("global_sparsity"),
    _figure("regrowth"),
    _figure("mask_iou"),
    _figure("partitions"),
    _figure("relative_accuracy_vs_authors"),
    _figure("accuracy_vs_kept_weights"),
    # The experiments beside the grid, each from its own tidy tables (`collect --variants`).
    Output("beta_sensitivity", TABLE, "sparsyfed.analysis.experiments.tables:beta_sensitivity",
           ("runs", "rounds", "layers"), heading="SparsyFed's sensitivity to its Powerprop exponent β",
           experiment="beta_sweep"),
    Output("corrected", TABLE, "sparsyfed.analysis.experiments.tables:corrected", ("runs", "rounds"),
           heading="The authors' code against the corrected behaviours", experiment="corrected"),
    Output("capacity", TABLE, "sparsyfed.analysis.experiments.capacity:capacity", ("runs", "rounds", "layers"),
           heading="Where the small scale stops speaking for the paper: the capacity ladder",
           experiment="capacity"),
    _figure("beta_sensitivity", caption="beta_sensitivity_figure", experiment="beta_sweep"),
    _figure("capacity_trend", experiment="capacity"),
)


def of(kind: str, *, experiments: bool = False) -> tuple[Output, ...]:
    """The outputs of `kind`: the grid's, or (experiments=True) the experiments'."""
    return tuple(o for o in OUTPUTS if o.kind == kind and (o.experiment is not None) == experiments)


def every(kind: str) -> tuple[Output, ...]:
    """All outputs of `kind`, the grid's and the experiments'."""
    return tuple(o for o in OUTPUTS if o.kind == kind)


def output(kind: str, name: str) -> Output:
    """The entry of table or figure `name`; UserError naming the choices if there is none."""
    for entry in OUTPUTS:
        if entry.kind == kind and entry.id == name:
            return entry
    choices = [o.id for o in OUTPUTS if o.kind == kind]
    raise UserError(f"{kind}: unknown {kind} {name!r}; choose one of {choices}")


TABLE_NAMES = tuple(o.id for o in of(TABLE))
FIGURES = tuple(o.id for o in of(FIGURE))
EXPERIMENT_TABLE_NAMES = tuple(o.id for o in of(TABLE, experiments=True))
EXPERIMENT_FIGURES = tuple(o.id for o in of(FIGURE, experiments=True))
# Every file of a paper_figures folder, in the order `analysis.reference.build_paper_figures` builds them
# (the report last: it shows the others).
PAPER_FIGURE_FILES = (
    tuple(f for o in of(TABLE) for f in o.files) + (CLAIMS,) + tuple(f for o in of(FIGURE) for f in o.files)
    + (REPORT,)
)
