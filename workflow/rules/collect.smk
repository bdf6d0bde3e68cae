# Collect: every run folder and partition -> the tidy tables (one row per run and round) that
# all tables and figures are made from, so restyling a figure reruns nothing upstream.


rule collect_tables:
    """Run folders + partition files -> rounds, runs, layers, mask_iou and partitions tables.
    Failed runs enter runs.csv with their status, so the tables mark them instead of stopping;
    every row of runs.csv names the config's scale.
    """
    input:
        runs=all_run_summaries(),
        partitions=GRID.partitions(),
        code=analysis_code("sparsyfed.analysis.collect"),
    output:
        tidy_tables(),
    log:
        "logs/collect_tables.log",
    benchmark:
        "results/benchmarks/collect_tables.tsv"
    conda:
        ENV
    threads: THREADS["analysis"]
    resources:
        **RESOURCES["analysis"],
    params:
        runs=lambda wildcards, input: [os.path.dirname(f) for f in input.runs],
        out=lambda wildcards, output: os.path.dirname(output[0]),
        scale=config["scale"],
    shell:
        "sparsyfed collect --runs {params.runs:q} --partitions {input.partitions:q}"
        " --scale {params.scale:q} --out {params.out:q} > {log:q} 2>&1"
