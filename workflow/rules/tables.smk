# Tables: the paper's tables (SPEC section 6, items 1, 2, 9) and the claims page (section 7),
# each from the tidy tables. A job lists the analysis code it runs, so editing it reruns it.

for name in TABLE_NAMES:

    rule:
        name:
            f"tables_{name}"
        input:
            tables=tidy_tables(),
            code=analysis_code("sparsyfed.analysis.tables"),
        output:
            csv=report(
                f"paper_figures/{name}.csv",
                caption=f"../report/{name}.rst",
                category="Tables",
            ),
            md=f"paper_figures/{name}.md",
            tex=f"paper_figures/{name}.tex",
        log:
            f"logs/tables/{name}.log",
        benchmark:
            f"results/benchmarks/tables/{name}.tsv"
        conda:
            ENV
        threads: lookup(dpath="resources/analysis/threads", within=config)
        resources:
            mem_mb=lookup(dpath="resources/analysis/mem_mb", within=config),
            runtime=lookup(dpath="resources/analysis/runtime", within=config),
        params:
            name=name,
            tables=lambda wildcards, input: os.path.dirname(input.tables[0]),
            out=lambda wildcards, output: os.path.dirname(output.csv),
        shell:
            "sparsyfed table {params.name} --tables {params.tables:q} --out {params.out:q} > {log:q} 2>&1"


rule tables_claims:
    """Each headline claim of the paper with the measured value and a verdict (Markdown)."""
    input:
        tables=tidy_tables(),
        code=analysis_code("sparsyfed.analysis.claims"),
    output:
        report(
            "paper_figures/claims.md",
            caption="../report/claims.rst",
            category="Claims",
        ),
    log:
        "logs/tables/claims.log",
    benchmark:
        "results/benchmarks/tables/claims.tsv"
    conda:
        ENV
    threads: lookup(dpath="resources/analysis/threads", within=config)
    resources:
        mem_mb=lookup(dpath="resources/analysis/mem_mb", within=config),
        runtime=lookup(dpath="resources/analysis/runtime", within=config),
    params:
        tables=lambda wildcards, input: os.path.dirname(input.tables[0]),
    shell:
        "sparsyfed claims --tables {params.tables:q} --out {output:q} > {log:q} 2>&1"
