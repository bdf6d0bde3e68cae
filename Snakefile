# SparsyFed reproducibility workflow: the grid of federated runs -> tidy tables -> the paper's
# tables and figures. Rules are thin (each calls one `sparsyfed` command); the training logic is
# in src/sparsyfed, the grid in config/*.yaml (see config/README.md).
#
#   snakemake --cores all                                   default grid (Fashion-MNIST, CPU)
#   snakemake --cores all --configfile config/paper.yaml    the paper's grid (use profiles/slurm)
#   snakemake --cores all smoke | tables | figures          partial targets
#   snakemake --cores all review | verify                   the shipped reference/: rebuild | rerun
#   snakemake --cores all beta_sweep | corrected | capacity experiments beside the grid (not in `all`;
#                                                           workflow/rules/experiments.smk)
#   snakemake --report report.html                          HTML report of the figures and tables
#
# Results layout (every path names its grid point; numbers as in the config: 0.95, 1000, 0.1):
#
#   results/data/{dataset}.json                                  data check (one job per dataset)
#   results/partitions/{dataset}/alpha{alpha}_n{clients}_seed{pseed}.npz
#                                                                LDA partition, shared by methods and seeds
#   results/runs/{dataset}/alpha{alpha}/{method}/s{sparsity}/seed{seed}/
#       settings.yaml  every setting of the run (sparsyfed run --config), rewritten when one changes
#       summary.json   written last: config, final metrics, provenance; status ok | diverged | failed
#       rounds.csv     one row per round        layers.csv   per-layer density
#       masks/         global masks             checkpoint.pt  only while a run is unfinished
#                                                (dense runs once per dataset x alpha x seed, as s0)
#   results/smoke/{dataset}/{method}/summary.json                short run per method (target `smoke`)
#   results/tables/{rounds,runs,layers,mask_iou,partitions}.csv  tidy tables (`sparsyfed collect`)
#   paper_figures/{table1,table2,paper_comparison,paper_shape,kept_weights}.{csv,md,tex}  paper tables
#   paper_figures/{figure}.{pdf,png}, paper_figures/claims.md    paper figures, claim checks
#   paper_figures/report.md                                      every result with its scale and captions
#   paper_figures/agreement.{md,csv}                             against reference_tables (when it exists)
#   results/review/, results/verify/                             targets `review`, `verify` (reference/)
#   logs/{rule}/{wildcards}.log                                  one log per job, named like its output
#       e.g. logs/simulate/runs/{dataset}/alpha{alpha}/{method}/s{sparsity}/seed{seed}.log,
#       logs/tables/{table}.log, logs/figures/{figure}.log, logs/collect_tables.log
#   results/benchmarks/...tsv                                    time and memory of each job, same names


from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/common_reference.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/collect.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/review.smk"
include: "workflow/rules/experiments.smk"


localrules:
    all,
    tables,
    figures,
    smoke,
    review,


rule all:
    """Everything: every run of the grid, the tidy tables, the paper tables, figures and claims."""
    input:
        get_final_output(),


rule tables:
    """The tidy tables, the paper tables and the claims page (no figures)."""
    input:
        get_table_output(),


rule figures:
    """The paper figures (and the runs and tidy tables they need)."""
    input:
        get_figure_output(),


rule smoke:
    """A short run of every method on every dataset: checks data, device and methods in minutes, and
    fails naming each run that crashed."""
    input:
        get_smoke_output(),
    log:
        "logs/smoke.log",
    run:
        check_smoke(input, log[0])
