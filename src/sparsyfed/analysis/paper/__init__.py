"""The paper's tables (tables.py: Table 1, Table 2, the paper comparison, its shape, the kept weights) and the
authors' numbers they set ours beside (reported.py, paper_numbers.csv); shape.py ranks the methods, kept.py
places every cell on the axis of prunable weights kept.
"""
