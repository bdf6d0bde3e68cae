# Report: one page showing the grid's results and where they come from (scale, setting, compute),
# and, when the config names a reference grid's tidy tables, how far this grid agrees with it; with
# experiments.capacity.report, the capacity ladder too.


rule agreement:
    """This grid's claim verdicts and per-cell method rankings against a reference grid's."""
    input:
        tables=tidy_tables(),
        reference=agreement_inputs,
        code=analysis_code("sparsyfed.analysis.reference.agreement"),
    output:
        md="paper_figures/agreement.md",
        csv="paper_figures/agreement.csv",
    log:
        "logs/agreement.log",
    benchmark:
        "results/benchmarks/agreement.tsv"
    conda:
        ENV
    threads: THREADS["analysis"]
    resources:
        **RESOURCES["analysis"],
    params:
        tables=lambda wildcards, input: os.path.dirname(input.tables[0]),
        reference=lambda wildcards, input: os.path.dirname(input.reference[0]),
        out=lambda wildcards, output: os.path.dirname(output.md),
    shell:
        "sparsyfed agreement --tables {params.tables:q} --reference {params.reference:q}"
        " --out {params.out:q} > {log:q} 2>&1"


rule report_page:
    """The report page: the scale line, the claim verdicts, every table and figure with its caption."""
    input:
        tables=tidy_tables(),
        outputs=get_table_output() + get_figure_output(),
        agreement=get_agreement_output(),
        capacity=get_capacity_report_input(),
        captions=CAPTION_FILES,
        code=analysis_code("sparsyfed.analysis.report"),
    output:
        f"paper_figures/{REPORT}",
    log:
        "logs/report_page.log",
    benchmark:
        "results/benchmarks/report_page.tsv"
    conda:
        ENV
    threads: THREADS["analysis"]
    resources:
        **RESOURCES["analysis"],
    params:
        tables=lambda wildcards, input: os.path.dirname(input.tables[0]),
        figures=lambda wildcards, output: os.path.dirname(output[0]),
        agreement=lambda wildcards, input: (
            ["--agreement", input.agreement[0]] if input.agreement else []
        ),
        capacity=lambda wildcards, input: (
            ["--capacity", input.capacity[0]] if input.capacity else []
        ),
        captions=lambda wildcards, input: os.path.dirname(input.captions[0]),
    shell:
        "sparsyfed report --tables {params.tables:q} --figures {params.figures:q}"
        " --captions {params.captions:q} {params.agreement:q} {params.capacity:q}"
        " --out {output:q} > {log:q} 2>&1"
