# Simulate: one job per run of the grid (and the short runs of the `smoke` target).
#
# Declared output is summary.json only: the engine writes it last, atomically, so its presence
# means the run is finished; with --record-failure a run that crashes during training still
# writes it (status "failed", with the error) and exits 0, so the rest of the grid and the
# aggregation complete. rounds.csv, layers.csv and masks/ sit beside it (not written by a failed
# run); checkpoint.pt is deliberately undeclared, so that Snakemake never deletes it and a killed
# run resumes from its last checkpoint when the job is started again (use --rerun-incomplete).


rule simulate_run:
    """One federated training run (SPEC sections 1, 4, 5) at one grid point."""
    input:
        data="results/data/{dataset}.json",
        partition=get_run_partition,
    output:
        summary=f"{RUN_DIR}/summary.json",
    log:
        "logs/simulate_run/{dataset}/alpha{alpha}/{method}/s{sparsity}/seed{seed}.log",
    benchmark:
        "results/benchmarks/simulate_run/{dataset}/alpha{alpha}/{method}/s{sparsity}/seed{seed}.tsv"
    threads: lookup(dpath="resources/simulate/threads", within=config)
    resources:
        mem_mb=lookup(dpath="resources/simulate/mem_mb", within=config),
        runtime=lookup(dpath="resources/simulate/runtime", within=config),
        gpu=lookup(dpath="resources/simulate/gpu", within=config),
    params:
        settings=run_settings,
        out=lambda wildcards, output: os.path.dirname(output.summary),
    shell:
        "sparsyfed run --set {params.settings:q} partition={input.partition:q} threads={threads}"
        " --out {params.out:q} --record-failure --quiet > {log:q} 2>&1"


rule simulate_smoke:
    """A run of `smoke.rounds` rounds of one method at the grid's first alpha, sparsity and seed.
    Without --record-failure: any crash fails the job, which is the point of a smoke test.
    """
    input:
        data="results/data/{dataset}.json",
        partition=get_smoke_partition,
    output:
        summary="results/smoke/{dataset}/{method}/summary.json",
    log:
        "logs/simulate_smoke/{dataset}/{method}.log",
    benchmark:
        "results/benchmarks/simulate_smoke/{dataset}/{method}.tsv"
    threads: lookup(dpath="resources/simulate/threads", within=config)
    resources:
        mem_mb=lookup(dpath="resources/simulate/mem_mb", within=config),
        runtime=lookup(dpath="resources/simulate/runtime", within=config),
        gpu=lookup(dpath="resources/simulate/gpu", within=config),
    params:
        settings=smoke_settings,
        out=lambda wildcards, output: os.path.dirname(output.summary),
    shell:
        "sparsyfed run --set {params.settings:q} partition={input.partition:q} threads={threads}"
        " --out {params.out:q} --quiet > {log:q} 2>&1"
