"""The claim checks (SPEC section 7): each claim as judged comparisons (checks.py), the cells and round
windows they read (cells.py, windows.py, layers.py), verdicts from t intervals (verdicts.py), why a verdict is
what it is (context.py) and the claims page (page.py).
"""
