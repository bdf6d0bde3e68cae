# Figures: one job per figure of analysis/outputs.py (the grid's: SPEC section 6, items 3-8; an
# experiment's: from that experiment's tidy tables), drawn by its own module
# src/sparsyfed/analysis/figures/<name>.py. Each job lists that module and the code it imports as
# input: editing one plotting module reruns that figure only.

for entry in outputs.every(outputs.FIGURE):
    name = entry.id

    rule:
        name:
            f"figures_{name}"
        input:
            tables=output_tables(entry),
            code=output_code(entry),
        output:
            pdf=f"paper_figures/{name}.pdf",
            png=report(
                f"paper_figures/{name}.png",
                caption=f"../report/{entry.caption_name}.rst",
                category=output_category(entry, "Figures"),
            ),
        log:
            f"logs/figures/{name}.log",
        benchmark:
            f"results/benchmarks/figures/{name}.tsv"
        conda:
            ENV
        threads: THREADS["analysis"]
        resources:
            **RESOURCES["analysis"],
        params:
            name=name,
            tables=lambda wildcards, input: os.path.dirname(input.tables[0]),
            out=lambda wildcards, output: os.path.dirname(output.pdf),
        shell:
            "sparsyfed figure {params.name} --tables {params.tables:q} --out {params.out:q} > {log:q} 2>&1"
