"""The report page: one Markdown file that shows a grid's results and says where they come from.

`write_report` writes, in this order: the scale line (`scale.scale_line`: the scale, the setting and
the compute it took), the claim verdicts in one table, the link to the agreement page when there is
one, the capacity ladder's page and figure when given (`capacity`, an experiment's), every paper
table (its Markdown, with its caption and its CSV and LaTeX files), every figure (the PNG with its
caption, and the PDF), then the provenance and time. Captions are the workflow's
report captions (`workflow/report/<name>.rst`), so the HTML report and this page say the same.

The tables and figures are read from the folder they were written to (`--figures`), the claims are
evaluated on the tidy tables: the page is made after every other output of the folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sparsyfed.analysis import outputs
from sparsyfed.analysis.claims.checks import evaluate_claims
from sparsyfed.analysis.claims.page import provenance_lines
from sparsyfed.analysis.collect import read_table
from sparsyfed.analysis.outputs import CLAIMS
from sparsyfed.analysis.scale import duration, read_partitions, scale_line
from sparsyfed.errors import UserError
from sparsyfed.io import write_text

_ACRONYMS = {"iou": "IoU"}  # words of figure names written otherwise in headings


def caption(captions_dir: str | Path, name: str) -> str:
    """The report caption of output `name` (workflow/report/<name>.rst) as one Markdown paragraph."""
    path = Path(captions_dir) / f"{name}.rst"
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise UserError(f"--captions: {path} not found; pass the workflow's caption folder (workflow/report)") from None
    return re.sub(r"``(.+?)``", r"`\1`", " ".join(text.split()))


def _read_output(figures_dir: Path, name: str) -> str:
    path = figures_dir / name
    try:
        return path.read_text()
    except FileNotFoundError:
        raise UserError(f"--figures: {path} not found; make every table and figure before the report") from None


def _demoted(markdown: str, levels: int = 2) -> list[str]:
    """`markdown`'s lines with every heading `levels` deeper (a page's sections inside this one)."""
    return [("#" * levels + line) if line.startswith("#") else line for line in markdown.rstrip("\n").splitlines()]


def _claims_lines(tables_dir: Path, runs) -> list[str]:
    results = evaluate_claims(runs, read_table(tables_dir, "rounds"), read_table(tables_dir, "layers"))
    out = ["| # | Claim | Verdict | Basis |", "|---|---|---|---|"]
    out += [f"| {r.number} | {r.claim} | **{r.verdict}** | {r.reason} |" for r in results]
    return out


def _provenance_lines(provenance: dict | None) -> list[str]:
    """What a packed reference's provenance.json says about how and where the grid was made."""
    if not provenance:
        return []
    lines = []
    if provenance.get("elapsed_s") is not None:
        lines.append(f"- elapsed wall time of the whole grid: {duration(float(provenance['elapsed_s']))} "
                     f"({float(provenance['elapsed_s']):.0f} s)")
    if provenance.get("finished"):
        lines.append(f"- last run finished: {provenance['finished']}")
    machine = provenance.get("machine") or {}
    if machine:
        lines.append(f"- machine the folder was packed on: {machine.get('cpu_model', '?')}, "
                     f"{machine.get('cores', '?')} cores")
    analysis = provenance.get("analysis") or {}
    if analysis:
        lines.append("- tables and figures made with: " + ", ".join(f"{k} {v}" for k, v in sorted(analysis.items())))
    if provenance.get("command"):
        lines.append(f"- packed by: `{provenance['command']}`")
    return lines


def _capacity_lines(page: Path, captions_dir: str | Path, link) -> list[str]:
    """The capacity ladder's page (its sections one level down) and its figure, which lies beside it."""
    figure = page.with_name("capacity_trend.png")
    _exists(figure)
    body = _read_output(page.parent, page.name).split("\n", 1)[1]  # without the page's own heading
    return ["", "## The capacity ladder", "",
            caption(captions_dir, "capacity") + f" Page: [{page.name}]({link(page)}).",
            *_demoted(body, 1), "", f"![Capacity trend]({link(figure)})", "", caption(captions_dir, "capacity_trend")]


def render_report(tables_dir: str | Path, figures_dir: str | Path, out_file: str | Path, captions_dir: str | Path,
                  provenance: dict | None = None, agreement: str | Path | None = None,
                  capacity: str | Path | None = None) -> str:
    """The report page's Markdown (see the module docstring); links are relative to `out_file`'s folder."""
    tables_dir, figures_dir = Path(tables_dir), Path(figures_dir)
    here = Path(out_file).parent

    def link(path: Path) -> str:
        return Path(os.path.relpath(path, here)).as_posix()

    runs = read_table(tables_dir, "runs")
    out = ["# SparsyFed reproduction: the report", "", scale_line(runs, read_partitions(tables_dir), provenance), "",
           "Every number here is this grid's, not the paper's; the authors' numbers appear only where a table or "
           "figure labels them as theirs.", "", "## Claims", ""]
    out += _claims_lines(tables_dir, runs)
    out += ["", f"Every judged comparison, its rule and its test: [{CLAIMS}]({link(figures_dir / CLAIMS)}). "
            + caption(captions_dir, "claims")]
    if agreement is not None:
        out += ["", "## Agreement with the reference grid", "",
                f"How far this grid's claim verdicts and per-cell method rankings agree with the reference "
                f"grid's: [{Path(agreement).name}]({link(Path(agreement))})."]
    if capacity is not None:
        out += _capacity_lines(Path(capacity), captions_dir, link)
    out += ["", "## Tables"]
    for entry in outputs.of(outputs.TABLE):
        name = entry.id
        out += ["", *_demoted(_read_output(figures_dir, f"{name}.md")), "", caption(captions_dir, entry.caption_name),
                f"Files: [{name}.csv]({link(figures_dir / f'{name}.csv')}), "
                f"[{name}.tex]({link(figures_dir / f'{name}.tex')})."]
    out += ["", "## Figures"]
    for entry in outputs.of(outputs.FIGURE):
        name = entry.id
        for ext in ("png", "pdf"):
            _exists(figures_dir / f"{name}.{ext}")
        words = " ".join(_ACRONYMS.get(word, word) for word in name.split("_"))
        title = words[0].upper() + words[1:]
        out += ["", f"### {title}", "", f"![{title}]({link(figures_dir / f'{name}.png')})", "",
                caption(captions_dir, entry.caption_name) + f" PDF: [{name}.pdf]({link(figures_dir / f'{name}.pdf')})."]
    out += ["", "## Provenance and time", ""]
    out += _provenance_lines(provenance) + provenance_lines(runs)
    return "\n".join(out) + "\n"


def _exists(path: Path) -> None:
    if not path.is_file():
        raise UserError(f"--figures: {path} not found; make every table and figure before the report")


def write_report(tables_dir: str | Path, figures_dir: str | Path, out_file: str | Path, captions_dir: str | Path,
                 provenance: dict | None = None, agreement: str | Path | None = None,
                 capacity: str | Path | None = None) -> Path:
    """Write the report page (`render_report`) to `out_file`."""
    if agreement is not None and not Path(agreement).is_file():
        raise UserError(f"--agreement: {agreement} not found; make it with `sparsyfed agreement` or leave it out")
    if capacity is not None and not Path(capacity).is_file():
        raise UserError(f"--capacity: {capacity} not found; make it with `snakemake capacity` or leave it out")
    write_text(out_file, render_report(tables_dir, figures_dir, out_file, captions_dir, provenance, agreement,
                                       capacity))
    return Path(out_file)
