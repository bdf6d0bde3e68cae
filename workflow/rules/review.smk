# Review and verify the shipped reference grid (reference/, see its README.md).
#
#   review  rebuild every table, figure, the claims page and the report from the shipped tidy
#           tables (seconds; no run, no torch) and compare each file with the shipped one
#   verify  rerun a few of its runs (minutes) and compare their per-round tables exactly
#
# Both print their verdict (and keep it in their log); either fails when a file or a run differs.


rule review:
    """Rebuild every output of the shipped reference from its tidy tables into results/review/paper_figures/
    and compare each with the shipped one. Only the verdict page is declared: when a file differs the job
    fails, and Snakemake would delete declared outputs, the rebuilt files one wants to compare.
    """
    input:
        reference=review_inputs,
        captions=CAPTION_FILES,
        code=analysis_code("sparsyfed.analysis.reference.pack"),
    output:
        "results/review/review.md",
    log:
        "logs/review.log",
    benchmark:
        "results/benchmarks/review.tsv"
    conda:
        ENV
    threads: THREADS["analysis"]
    resources:
        **RESOURCES["analysis"],
    params:
        reference=lambda wildcards, input: os.path.dirname(input.reference[0]),
        captions=lambda wildcards, input: os.path.dirname(input.captions[0]),
        out=lambda wildcards, output: os.path.dirname(output[0]),
    shell:
        "sparsyfed review --reference {params.reference:q} --captions {params.captions:q}"
        " --out {params.out:q} 2>&1 | tee {log:q}"


rule verify:
    """Rerun runs of the shipped reference drawn at random (sparsyfed verify's defaults) on every core
    and compare each one's per-round table with the shipped one, exactly."""
    input:
        reference=verify_inputs,
        code=analysis_code("sparsyfed.analysis.reference.verify"),
    output:
        "results/verify/verify.csv",
    log:
        "logs/verify.log",
    benchmark:
        "results/benchmarks/verify.tsv"
    conda:
        ENV
    threads: lambda wildcards: workflow.cores
    resources:
        mem_mb=RESOURCES["simulate"]["mem_mb"],  # CPU only: no GPU asked for
        runtime=RESOURCES["simulate"]["runtime"],
    params:
        reference=lambda wildcards, input: os.path.dirname(input.reference[0]),
        out=lambda wildcards, output: os.path.dirname(output[0]),
    shell:
        "sparsyfed verify --reference {params.reference:q} --threads {threads}"
        " --out {params.out:q} 2>&1 | tee {log:q}"
