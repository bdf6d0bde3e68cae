# Experiments beside the grid (the config's `experiments` section; runs and settings from
# src/sparsyfed/grid.py). Each is one target, not part of `all`:
#
#   snakemake --cores all beta_sweep    paper_figures/beta_sensitivity.{csv,md,tex,pdf,png}
#   snakemake --cores all corrected     paper_figures/corrected.{csv,md,tex}
#   snakemake --cores all capacity      paper_figures/capacity.{csv,md,tex}, capacity_trend.{pdf,png}
#
#   results/experiments/{experiment}/runs/<run>/   its runs (settings.yaml, summary.json, ...):
#       beta_sweep: beta{beta}/{dataset}/alpha{alpha}/sparsyfed/s{sparsity}/seed{seed}
#       corrected:  {behaviour}-corrected/{dataset}/alpha{alpha}/{method}/s{sparsity}/seed{seed};
#                   its as-ran runs are the grid's own runs (results/runs/..., made by simulate_run)
#       capacity:   {model}-w{width}-r{rounds}/{dataset}/alpha{alpha}/{method}/s{sparsity}/seed{seed};
#                   its runs with the grid's settings are the grid's own runs
#   results/experiments/{experiment}/tables/       its tidy tables (`sparsyfed collect --variants`)


wildcard_constraints:
    experiment=_alternatives(EXPERIMENTS),


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


rule settings_experiment:
    """The settings of one experiment run, as the YAML file `sparsyfed run --config` reads."""
    output:
        f"{EXPERIMENT_RUNS}/{{run}}/{SETTINGS}",
    log:
        "logs/settings_experiment/{experiment}/{run}.log",
    localrule: True
    params:
        settings=experiment_settings,
    run:
        write_settings(output[0], params.settings, log[0])


rule simulate_experiment:
    """One federated training run of an experiment."""
    input:
        unpack(experiment_run_inputs),
        settings=f"{EXPERIMENT_RUNS}/{{run}}/{SETTINGS}",
    output:
        summary=f"{EXPERIMENT_RUNS}/{{run}}/{record.SUMMARY}",
    log:
        "logs/simulate_experiment/{experiment}/{run}.log",
    benchmark:
        "results/benchmarks/simulate_experiment/{experiment}/{run}.tsv"
    conda:
        ENV
    threads: lookup(dpath="resources/simulate/threads", within=config)
    resources:
        mem_mb=lookup(dpath="resources/simulate/mem_mb", within=config),
        runtime=lookup(dpath="resources/simulate/runtime", within=config),
        gpu=lookup(dpath="resources/simulate/gpu", within=config),
    params:
        out=lambda wildcards, output: os.path.dirname(output.summary),
    shell:
        "sparsyfed run --config {input.settings:q} --set threads={threads}"
        " --out {params.out:q} --record-failure --quiet > {log:q} 2>&1"


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
    threads: lookup(dpath="resources/analysis/threads", within=config)
    resources:
        mem_mb=lookup(dpath="resources/analysis/mem_mb", within=config),
        runtime=lookup(dpath="resources/analysis/runtime", within=config),
    params:
        runs=lambda wildcards, input: [os.path.dirname(f) for f in input.runs],
        out=lambda wildcards, output: os.path.dirname(output[0]),
    shell:
        "sparsyfed collect --variants --runs {params.runs:q} --partitions {input.partitions:q}"
        " --out {params.out:q} > {log:q} 2>&1"
