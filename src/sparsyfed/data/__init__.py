"""Datasets: readers for each dataset's own on-disk format, located or fetched, held in memory.

`registry.load_dataset(name, root)` looks in `root/<name>/` (or `root` itself), then in known system
locations (Debian's `dataset-fashion-mnist`), then downloads with a SHA-256 check where a network
exists. Missing or corrupt data raises `UserError` saying how to provide it. Dataset ids and where
each one's `base.DatasetSpec` lives are declared in `sparsyfed.catalog`.
"""
