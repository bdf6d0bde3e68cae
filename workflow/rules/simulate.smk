# Simulate: one job per run, wherever its folder is: results/{run} with `run` a grid run
# (runs/<dataset>/alpha<alpha>/<method>/s<sparsity>/seed<seed>), a smoke run (smoke/<dataset>/<method>)
# or an experiment's run (experiments/<experiment>/runs/<path>); sparsyfed.grid.RUN_FOLDERS.
#
# Each run reads every setting from one file, settings.yaml in its folder, written by a local
# job whose params are those settings (sparsyfed.grid.Grid.settings_at): Snakemake rewrites the file
# when (and only when) one of them changes in the config, and the newer file reruns that run and no
# other.
#
# Declared output is summary.json only: the engine writes it last, atomically, so its presence
# means the run is finished; with --record-failure a run that crashes during training still
# writes it (status "failed", with the error) and exits 0, so the rest of the grid and the
# aggregation complete (the `smoke` target then fails, naming each failed run). rounds.csv,
# layers.csv and masks/ sit beside it (not written by a failed run); checkpoint.pt is deliberately
# undeclared, so that Snakemake never deletes it and a killed run resumes from its last checkpoint
# when the job is started again (use --rerun-incomplete).


rule settings:
    """The settings of one run, as the YAML file `sparsyfed run --config` reads."""
    output:
        f"{RESULTS}/{{run}}/{SETTINGS}",
    log:
        "logs/settings/{run}.log",
    localrule: True
    params:
        settings=run_settings,
    run:
        write_settings(output[0], params.settings, log[0])


rule simulate:
    """One federated training run (SPEC sections 1, 4, 5)."""
    input:
        unpack(run_inputs),
        settings=f"{RESULTS}/{{run}}/{SETTINGS}",
    output:
        summary=f"{RESULTS}/{{run}}/{record.SUMMARY}",
    log:
        "logs/simulate/{run}.log",
    benchmark:
        "results/benchmarks/simulate/{run}.tsv"
    conda:
        ENV
    threads: THREADS["simulate"]
    resources:
        **RESOURCES["simulate"],
    params:
        out=lambda wildcards, output: os.path.dirname(output.summary),
    shell:
        "sparsyfed run --config {input.settings:q} --set threads={threads}"
        " --out {params.out:q} --record-failure --quiet > {log:q} 2>&1"
