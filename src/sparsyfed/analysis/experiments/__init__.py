"""The experiments beside the grid, from their `collect --variants` tables: the beta sweep's and the
corrected behaviours' tables (tables.py), the capacity ladder's claims per width and its trend
(capacity.py, trend.py).
"""
