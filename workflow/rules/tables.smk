# Tables: one job per table of analysis/outputs.py (the grid's: SPEC section 6, items 1, 2, 9; an
# experiment's: from that experiment's tidy tables) and the claims page (section 7). A job lists
# the analysis code it runs, so editing it reruns it.

for entry in outputs.every(outputs.TABLE):
    name = entry.id

    rule:
        name:
            f"tables_{name}"
        input:
            tables=output_tables(entry),
            code=output_code(entry),
        output:
            csv=report(
                f"paper_figures/{name}.csv",
                caption=f"../report/{entry.caption_name}.rst",
                category=output_category(entry, "Tables"),
            ),
            md=f"paper_figures/{name}.md",
            tex=f"paper_figures/{name}.tex",
        log:
            f"logs/tables/{name}.log",
        benchmark:
            f"results/benchmarks/tables/{name}.tsv"
        conda:
            ENV
        threads: THREADS["analysis"]
        resources:
            **RESOURCES["analysis"],
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
        code=analysis_code("sparsyfed.analysis.claims.checks"),
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
    threads: THREADS["analysis"]
    resources:
        **RESOURCES["analysis"],
    params:
        tables=lambda wildcards, input: os.path.dirname(input.tables[0]),
    shell:
        "sparsyfed claims --tables {params.tables:q} --out {output:q} > {log:q} 2>&1"
