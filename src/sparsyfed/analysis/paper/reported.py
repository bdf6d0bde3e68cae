"""The authors' reported accuracies, shipped as `paper_numbers.csv` (SPEC section 6, item 9).

Copied by hand from the project's PAPER_NUMBERS.md: the values behind the authors' own
accuracy-vs-sparsity plots (their plotting notebooks, September 2024), not the camera-ready
Table 1. Every place that shows them labels them with `names.AUTHORS_SOURCE`.

Columns: dataset, alpha, method, sparsity (empty for dense), acc_mean and acc_std in **percent**
(std empty where the source gives a single run or one dense value), n_note, source.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from sparsyfed.analysis import names

# Other numbers the paper reports (paper text and reviews), used by the claims page.
COMM_RATIO_VS_DENSE = 19.29  # SparsyFed needs 19.29 x less communication than dense (downlink)
COMM_RATIO_VS_ZEROFL = 1.66
COMM_RATIO_VS_FLASH = 0.97  # "about 0.97 x of FLASH": SparsyFed / FLASH (claims.FLASH_READING says why)
# The source of the three ratios, word for word (SPEC section 7, item 4).
COMM_SENTENCE = ("About 19.29 x less communication than dense (downlink; also 1.66 x less than ZeroFL, and about "
                 "0.97 x of FLASH, which is as cheap but less accurate)")
REGROWTH_RATIO = 200.0  # "per-round weight regrowth 200 times smaller than previous methods"
# The baselines the paper's sentences name (method ids): claim 2's "previous methods" (the regrowth plot's
# methods), the methods claim 5 says fall below the target, claim 4's second and third ratio.
REGROWTH_BASELINES = ("topk", "zerofl")
FALL_BELOW = ("topk", "zerofl")
COMM_VS_ZEROFL, COMM_VS_FLASH = "zerofl", "flash"
REGROWTH_PLOT_BASELINE = "zerofl"  # the baseline of the authors' regrowth plot (REGROWTH_LOG10)
REGROWTH_LOG10 = {REGROWTH_PLOT_BASELINE: (6.5, 7.0), "sparsyfed": (4.3, 4.7)}  # CIFAR-100, 95 %, log plot
# The authors' setting per dataset (SPEC; config/paper.yaml): model and federated rounds T.
AUTHORS_SETTING = {"cifar10": ("ResNet-18", 700), "cifar100": ("ResNet-18", 700), "speech_commands": ("ResNet-18", 500)}
# Prunable weights (conv and linear weights) of the authors' model per dataset: ResNet-18 as the project builds it
# (SPEC section 3; `models.resnet`: CIFAR 3 x 32 x 32 with fc 512 -> 10 or 100, Speech Commands 1 x 1 x 8000 with a
# 7x7 first conv and fc 512 -> 35). Torch-free here; tests/analysis/test_analysis_kept_weights.py builds the models
# and counts.
AUTHORS_PRUNABLE = {"cifar10": 11_164_352, "cifar100": 11_210_432, "speech_commands": 11_178_560}
GLOBAL_SPARSITY_90 = {"sparsyfed": "about 90 %", "zerofl": "below 47 % (alpha 0.1)", "topk": "below 83 %"}


def authors_setting(dataset: str) -> str:
    """'CIFAR-10, ResNet-18, 700 rounds' (the authors' setting of `dataset`)."""
    model, rounds = AUTHORS_SETTING.get(dataset, ("?", "?"))
    return f"{names.dataset_name(dataset)}, {model}, {rounds} rounds"


def paper_numbers() -> pd.DataFrame:
    """The authors' accuracies as a tidy frame (see the module docstring for the columns)."""
    with resources.files(__package__).joinpath("paper_numbers.csv").open("r") as f:
        frame = pd.read_csv(f)
    frame["alpha"] = frame["alpha"].astype(float)
    frame["sparsity"] = frame["sparsity"].astype(float)
    return frame
