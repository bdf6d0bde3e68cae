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
COMM_RATIO_VS_FLASH = 0.97
REGROWTH_RATIO = 200.0  # "per-round weight regrowth 200 times smaller than previous methods"
REGROWTH_LOG10 = {"zerofl": (6.5, 7.0), "sparsyfed": (4.3, 4.7)}  # CIFAR-100, 95 %, read off a log plot
# The authors' setting per dataset (SPEC; config/paper.yaml): model and federated rounds T.
AUTHORS_SETTING = {"cifar10": ("ResNet-18", 700), "cifar100": ("ResNet-18", 700), "speech_commands": ("ResNet-18", 500)}
GLOBAL_SPARSITY_90 = {"sparsyfed": "about 90 %", "zerofl": "below 47 % (alpha 0.1)", "topk": "below 83 %"}


def authors_setting(dataset: str) -> str:
    """'CIFAR-10, ResNet-18, 700 rounds' (the authors' setting of `dataset`)."""
    model, rounds = AUTHORS_SETTING.get(dataset, ("?", "?"))
    return f"{names.dataset_name(dataset)}, {model}, {rounds} rounds"


def paper_numbers() -> pd.DataFrame:
    """The authors' accuracies as a tidy frame (see the module docstring for the columns)."""
    with resources.files("sparsyfed.analysis").joinpath("paper_numbers.csv").open("r") as f:
        frame = pd.read_csv(f)
    frame["alpha"] = frame["alpha"].astype(float)
    frame["sparsity"] = frame["sparsity"].astype(float)
    return frame
