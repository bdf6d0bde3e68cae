# Input functions of experiments.smk (runs and settings from sparsyfed.grid).


def experiment_summaries(wildcards):
    runs = GRID.experiment_runs(wildcards.experiment)
    return [f"{d}/{record.SUMMARY}" for d in runs]


def experiment_partitions(wildcards):
    return GRID.experiment_partitions(wildcards.experiment)


def experiment_settings(wildcards):
    """Every setting of one experiment run (params of its settings job, as for the grid's runs)."""
    return GRID.experiment_settings(wildcards.experiment, wildcards.run)


def experiment_run_inputs(wildcards):
    settings = experiment_settings(wildcards)
    return {
        "data": f"results/data/{settings['dataset']}.json",
        "partition": settings["partition"],
    }


def experiment_tables(experiment):
    return expand(
        f"{EXPERIMENT_TABLES}/{{table}}.csv",
        experiment=experiment,
        table=record.TIDY_TABLES,
    )
