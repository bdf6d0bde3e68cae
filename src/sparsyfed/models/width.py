"""The width multiplier of the project's models: every channel count times `width`, rounded.

Width 1 builds exactly the model of each builder's docstring; a builder that takes `width` scales
its channel counts (conv channels, hidden features) with `scaled`, never its input channels or
classes. The prunable weights of a conv stack grow about as width squared.
"""

from __future__ import annotations


def scaled(channels: int, width: float) -> int:
    """`channels` x `width`, rounded to the nearest integer, at least 1 (16 x 1.5 -> 24)."""
    return max(1, round(channels * width))


def scaled_all(channels: tuple[int, ...], width: float) -> tuple[int, ...]:
    return tuple(scaled(c, width) for c in channels)
