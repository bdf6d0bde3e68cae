# Simulate: one job per run of the grid (and the short runs of the `smoke` target).
#
# Each run reads every setting from one file, settings.yaml in its folder, written by a local
# job whose params are those settings: Snakemake rewrites the file when (and only when) one of
# them changes in the config, and the newer file reruns that run and no other.
#
# Declared output is summary.json only: the engine writes it last, atomically, so its presence
# means the run is finished; with --record-failure a run that crashes during training still
# writes it (status "failed", with the error) and exits 0, so the rest of the grid and the
# aggregation complete. rounds.csv, layers.csv and masks/ sit beside it (not written by a failed
# run); checkpoint.pt is deliberately undeclared, so that Snakemake never deletes it and a killed
# run resumes from its last checkpoint when the job is started again (use --rerun-incomplete).


rule settings_run:
    """The settings of one run, as the YAML file `sparsyfed run --config` reads."""
    output:
        f"{RUN_DIR}/{SETTINGS}",
    log:
        "logs/settings_run/{dataset}/alpha{alpha}/{method}/s{sparsity}/seed{seed}.log",
    localrule: True
    params:
        settings=run_settings,
    run:
        write_settings(output[0], params.settings, log[0])


rule settings_smoke:
    """The settings of one smoke run."""
    output:
        f"{SMOKE_DIR}/{SETTINGS}",
    log:
        "logs/settings_smoke/{dataset}/{method}.log",
    localrule: True
    params:
        settings=smoke_settings,
    run:
        write_settings(output[0], params.settings, log[0])


rule simulate_run:
    """One federated training run (SPEC sections 1, 4, 5) at one grid point."""
    input:
        settings=f"{RUN_DIR}/{SETTINGS}",
        data="results/data/{dataset}.json",
        partition=get_run_partition,
    output:
        summary=f"{RUN_DIR}/{record.SUMMARY}",
    log:
        "logs/simulate_run/{dataset}/alpha{alpha}/{method}/s{sparsity}/seed{seed}.log",
    benchmark:
        "results/benchmarks/simulate_run/{dataset}/alpha{alpha}/{method}/s{sparsity}/seed{seed}.tsv"
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


rule simulate_smoke:
    """A run of `smoke.rounds` rounds of one method at the grid's first alpha, sparsity and seed.
    Without --record-failure: any crash fails the job, which is the point of a smoke test.
    """
    input:
        settings=f"{SMOKE_DIR}/{SETTINGS}",
        data="results/data/{dataset}.json",
        partition=get_smoke_partition,
    output:
        summary=f"{SMOKE_DIR}/{record.SUMMARY}",
    log:
        "logs/simulate_smoke/{dataset}/{method}.log",
    benchmark:
        "results/benchmarks/simulate_smoke/{dataset}/{method}.tsv"
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
        " --out {params.out:q} --quiet > {log:q} 2>&1"
