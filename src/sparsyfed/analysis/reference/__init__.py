"""The shipped reference grid: pack a finished grid into reference/ and rebuild it for review (pack.py),
rerun some of its runs and compare them (verify.py), and set a grid's comparisons beside its (agreement.py).
"""
