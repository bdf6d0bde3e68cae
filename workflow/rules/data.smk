# Data: check each dataset once (downloading it if needed), then split it among clients.


rule data_check:
    """Find the dataset (data_root, system locations, cache, else a checksum-verified download)
    and check that it reads; one job per dataset, so a download happens once."""
    output:
        "results/data/{dataset}.json",
    log:
        "logs/data_check/{dataset}.log",
    benchmark:
        "results/benchmarks/data_check/{dataset}.tsv"
    conda:
        ENV
    threads: THREADS["data"]
    resources:
        **RESOURCES["data"],
    params:
        data_root=data_root_option,
    shell:
        "sparsyfed data --dataset {wildcards.dataset} {params.data_root:q} --out {output:q} > {log:q} 2>&1"


rule data_partition:
    """LDA(alpha) split of a dataset among the clients (SPEC section 2), computed once and shared
    by every method and run seed."""
    input:
        "results/data/{dataset}.json",
    output:
        PARTITION,
    log:
        "logs/data_partition/{dataset}/alpha{alpha}_n{clients}_seed{pseed}.log",
    benchmark:
        "results/benchmarks/data_partition/{dataset}/alpha{alpha}_n{clients}_seed{pseed}.tsv"
    conda:
        ENV
    threads: THREADS["data"]
    resources:
        **RESOURCES["data"],
    params:
        samples=samples_option,
        data_root=data_root_option,
    shell:
        "sparsyfed partition --dataset {wildcards.dataset} --alpha {wildcards.alpha}"
        " --clients {wildcards.clients} --seed {wildcards.pseed} {params.samples:q}"
        " {params.data_root:q} --out {output:q} > {log:q} 2>&1"
