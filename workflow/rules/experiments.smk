# Experiments beside the grid (the config's `experiments` section; runs and settings from
# src/sparsyfed/grid.py). Each is one target, not part of `all`:
#
#   snakemake --cores all beta_sweep    paper_figures/beta_sensitivity.{csv,md,tex,pdf,png}
#   snakemake --cores all corrected     paper_figures/corrected.{csv,md,tex}
#   snakemake --cores all capacity      paper_figures/capacity.{csv,md,tex}, capacity_trend.{pdf,png}
#
#   snakemake --cores all <experiment>_runs   only its own runs (not the grid's it shares), e.g. to add
#                                             it to a packed reference (`sparsyfed reference-add`)
#
#   results/experiments/{experiment}/runs/<run>/   its runs (settings.yaml, summary.json, ...):
#       beta_sweep: beta{beta}/{dataset}/alpha{alpha}/sparsyfed/s{sparsity}/seed{seed}
#       corrected:  {behaviour}-corrected/{dataset}/alpha{alpha}/{method}/s{sparsity}/seed{seed};
#                   its as-ran runs are the grid's own runs (results/runs/...)
#       capacity:   {model}-w{width}-r{rounds}/{dataset}/alpha{alpha}/{method}/s{sparsity}/seed{seed};
#                   its runs with the grid's settings are the grid's own runs
#   results/experiments/{experiment}/tables/       its tidy tables (`sparsyfed collect --variants`)
#
# Their runs are made by the rules of simulate.smk, as the grid's are.


localrules:
    beta_sweep,
    corrected,
    capacity,


rule beta_sweep:
    """SparsyFed's accuracy, global sparsity and regrowth against its Powerprop exponent beta."""
    input:
        expand(
            "paper_figures/beta_sensitivity.{ext}", ext=TABLE_FORMATS + FIGURE_FORMATS
        ),


rule corrected:
    """Each corrected behaviour against the authors' (as-ran) one, paired by seed."""
    input:
        expand("paper_figures/corrected.{ext}", ext=TABLE_FORMATS),


rule capacity:
    """The claims per model width, and the accuracy gap and regrowth ratio against the weights kept."""
    input:
        expand("paper_figures/capacity.{ext}", ext=TABLE_FORMATS),
        expand("paper_figures/capacity_trend.{ext}", ext=FIGURE_FORMATS),


for _experiment in EXPERIMENTS:

    rule:
        """An experiment's own runs, those that are not the grid's."""
        name:
            f"{_experiment}_runs"
        input:
            [
                f"{d}/{record.SUMMARY}"
                for d, run in GRID.experiment_runs(_experiment).items()
                if not run.in_grid
            ],
        localrule: True


rule collect_experiment:
    """An experiment's runs -> its tidy tables; runs that differ only in method parameters are
    distinct runs (--variants)."""
    input:
        runs=experiment_summaries,
        partitions=experiment_partitions,
        code=analysis_code("sparsyfed.analysis.collect"),
    output:
        [f"{EXPERIMENT_TABLES}/{table}.csv" for table in record.TIDY_TABLES],
    log:
        "logs/collect_experiment/{experiment}.log",
    benchmark:
        "results/benchmarks/collect_experiment/{experiment}.tsv"
    conda:
        ENV
    threads: THREADS["analysis"]
    resources:
        **RESOURCES["analysis"],
    params:
        runs=lambda wildcards, input: [os.path.dirname(f) for f in input.runs],
        out=lambda wildcards, output: os.path.dirname(output[0]),
    shell:
        "sparsyfed collect --variants --runs {params.runs:q} --partitions {input.partitions:q}"
        " --out {params.out:q} > {log:q} 2>&1"
