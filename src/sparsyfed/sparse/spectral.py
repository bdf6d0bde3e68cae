"""The spectral Powerprop exponent (SPEC 4.3, beyond the main table): beta from the stored v itself.

For a Powerprop layer with stored v, read as the matrix A = |v| of shape (out, -1):

    beta_l = 1 + mean(A) / sigma,    sigma = the largest singular value of A

Three choices, each a parameter of `SpectralExponent` (SparsyFed's ``spectral_*`` parameters):

- ``scope``: ``"layer"`` **[as the authors ran it]**: each layer computes with its own beta_l;
  ``"average"`` (a variant): every layer computes with the unweighted mean of the beta_l.
- ``sigma``: ``"power_iteration"`` **[as the authors ran it]**: their estimate, one power-iteration
  step from a random start (`power_iteration_sigma`); ``"exact"``: the largest singular value
  (`exact_sigma`).
- ``over``: the mean runs over ``"all"`` entries of A **[as the authors ran it]** (SPEC's formula) or
  over the ``"nonzero"`` ones (a commented-out line of their code). With d the layer's density, the
  mean over all entries is d times the mean over the non-zeros.

The authors' code, version by version: in their Release code every Powerprop module owns one
exponent handler, which computes beta_l from the module's own v (mean over all entries, sigma by
one power-iteration step) and trains the module with it. Their later ``release_lorenzo`` refactor
also computes the mean over layers, but with ``apply=False``: the mean is only logged and every
layer still trains with its own beta_l. So ``"layer"`` is what both ran;
``"average"`` is this project's variant.

One power-iteration step is biased low. A non-negative A has a dominant direction with positive
entries; a random start u ~ N(0, I) holds little of it (|<u, u_1>| ~ 1 against |u| ~ sqrt(out)),
and one step mixes the rest of A's spectrum into the estimate, which is never above sigma.
`benchmarks/spectral_sigma.py` measures it on ResNet-18's last 512 x 4608 conv at initialisation
(50 starts): dense, sigma 18.6 against a one-step median of 15.1 (mean 12.0, range 0.6-17.8); kept
to its largest 5 % of entries, 2.39 against 0.72 (0.48-1.21). So the authors' beta_l - 1 is about
1.2 x (dense) to 3.3 x (5 % density) the exact one, and up to 30 x after an unlucky start (an
independent audit: 9.4 against 18.0 dense, 0.62 against 2.70 at 5 %).

The random start: theirs is ``torch.randn`` from the process's global generator (unseeded, advanced
by everything else the process draws) at each layer's first forward: u, then a start for the right
vector that the step overwrites. Here the same draws come from one CPU generator seeded with the
SHA-256 of the model's Powerprop v (`start_generator`), layer after layer in registration order
(the model's construction order, which is its forward order): what their code draws on a CPU if
the global generator is seeded so just before the model's first forward. So the start is a pure
function of the received state: every client of a round, an evaluation of that state, any number
of workers and a resumed run draw the same start, where the authors' clients each drew their own
(the estimator's distribution per session is theirs; its correlation across a round's clients is
not). They compute in float32 and round mean / sigma to 8 decimals; here float64, unrounded (beta
moves by less than 1e-8).

When: beta is a function of the stored v. A `SpectralExponent` is shared by the Powerprop layers of
one model; loading a state into any of them (`load_state_dict`) or re-initialising one marks it
stale, and the next forward (or an explicit `update()`, which SparsyFed's `prepare_client` calls)
recomputes every beta from the v now stored. So a client's session trains with the betas of the
model it received (all clients of a round share them), and evaluating a global state uses that
state's betas, whichever model replica runs it. The authors recomputed the exponent whenever the
layer objects were rebuilt (for every client of every round in their simulation, i.e. from the
received model): the same moment as here.

A layer whose v is all zero (collapsed by pruning) gets mean / sigma = 0, beta_l = 1, as in their
code (their sigma is clamped to 1e-12, so the mean of A / sigma is 0; the non-zero mean's NaN is
caught and set to 1); it still draws its random start, as theirs does. With beta = 1 the layer
computes as plain weights, so its zeros get weight gradients unless SparsyFed's activation pruning
is on: at weight sparsity 1 it keeps none of the layer's input for the weight gradient, and the
layer stays zero. Without activation pruning it can regrow during local training, and the global
pruning after the session decides what is uploaded. With ``scope="average"`` the zero layer's 1
enters the average and the layer computes with it.
"""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Iterable

import torch
from torch import nn
from torch.nn import functional as F

SCOPES = ("layer", "average")
SIGMAS = ("power_iteration", "exact")
OVER = ("all", "nonzero")
EPSILON = 1e-12  # the authors' clamp of sigma and F.normalize's floor on a norm


def _check(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")


def abs_matrix(v: torch.Tensor) -> torch.Tensor:
    """|v| in float64 as the matrix (out, -1): a conv weight (out, in, kh, kw) as (out, in * kh * kw)."""
    return v.detach().abs().to(torch.float64).reshape(v.shape[0], -1)


def exact_sigma(a: torch.Tensor) -> float:
    """The largest singular value of the matrix a."""
    # sigma^2 = the largest eigenvalue of the smaller Gram matrix: as exact as an SVD (1e-15 apart)
    # and 10x faster on ResNet-18's largest layer (512 x 4608) on a CPU.
    gram = a @ a.T if a.shape[0] <= a.shape[1] else a.T @ a
    return float(torch.linalg.eigvalsh(gram)[-1].clamp_min(0.0).sqrt())


def power_iteration_sigma(a: torch.Tensor, start: torch.Generator) -> float:
    """The authors' estimate of a's largest singular value: one power-iteration step from a random start.

    u ~ N(0, I_out) drawn (float32) from `start`; v = normalise(a^T u); u = normalise(a v);
    sigma = u^T a v, clamped to at least 1e-12. Never above the exact value; on a non-negative a often
    far below it (module docstring). Draws what their code draws, in its order: u, then a start for v
    that the step overwrites.
    """
    u = torch.randn(a.shape[0], 1, generator=start).to(a.device, a.dtype)
    torch.randn(a.shape[1], 1, generator=start)  # their v start: overwritten, drawn to keep their stream
    v = F.normalize(a.T @ u, dim=0, eps=EPSILON)
    u = F.normalize(a @ v, dim=0, eps=EPSILON)
    return max(float(u.T @ (a @ v)), EPSILON)


def spectral_ratio(v: torch.Tensor, over: str = "all", start: torch.Generator | None = None) -> float:
    """mean(|v|) / sigma(|v| as (out, -1)): the exponent minus 1; 0 if v is all zero (beta 1, as theirs).

    Parameters
    ----------
    v : Tensor of shape (out, ...)
        A layer's stored weight.
    over : "all" or "nonzero"
        Average over every entry of |v| or over its non-zero entries only.
    start : torch.Generator or None
        None: sigma is exact. A generator: sigma is the authors' one-step estimate from a random start
        drawn from it (`power_iteration_sigma`).
    """
    _check("over", over, OVER)
    a = abs_matrix(v)
    sigma = exact_sigma(a) if start is None else power_iteration_sigma(a, start)  # a zero layer draws too
    if not a.any():
        return 0.0
    mean = a.mean() if over == "all" else a[a != 0].mean()
    return float(mean) / sigma


def start_generator(weights: Iterable[torch.Tensor]) -> torch.Generator:
    """A CPU generator seeded with the SHA-256 of the tensors' shapes and bytes, in order: the random
    start of the power iteration as a pure function of the state that holds them."""
    digest = hashlib.sha256()
    for w in weights:
        digest.update(repr(tuple(w.shape)).encode())
        digest.update(w.detach().to("cpu").contiguous().numpy())
    return torch.Generator().manual_seed(int.from_bytes(digest.digest()[:8], "little"))


class SpectralExponent:
    """The beta of every Powerprop layer of one model, recomputed from their v when stale.

    Parameters
    ----------
    scope : "layer" (each layer its beta_l, as the authors ran it) or "average" (every layer their mean).
    sigma : "power_iteration" (the authors' one-step estimate) or "exact".
    over : "all" or "nonzero", see `spectral_ratio`.

    One instance belongs to one model: the layer factory creates it and each layer it builds
    registers itself (a deep copy of the model copies it with the layers).
    """

    def __init__(self, scope: str = "layer", sigma: str = "power_iteration", over: str = "all"):
        _check("scope", scope, SCOPES)
        _check("sigma", sigma, SIGMAS)
        _check("over", over, OVER)
        self.scope, self.sigma, self.over = scope, sigma, over
        self.layers: list[nn.Module] = []  # Powerprop layers (sparse.powerprop)
        self.stale = True
        self.ratios: list[float] = []  # of the last update, in registration order

    def register(self, layer: nn.Module) -> None:
        if self.ratios:
            raise RuntimeError("a SpectralExponent serves one model: build each model with a new layer factory")
        self.layers.append(layer)

    def mark_stale(self) -> None:
        self.stale = True

    def ensure(self) -> None:
        """Recompute the betas if a state was loaded since the last update."""
        if self.stale:
            self.update()

    @torch.no_grad()
    def update(self) -> list[float]:
        """Set every layer's beta from its current v (see the module docstring); return them in order."""
        start = start_generator(layer.weight for layer in self.layers) if self.sigma == "power_iteration" else None
        self.ratios = [spectral_ratio(layer.weight, self.over, start) for layer in self.layers]
        betas = [1.0 + r for r in self.ratios]
        if self.scope == "average" and betas:
            betas = [statistics.fmean(betas)] * len(betas)
        for layer, beta in zip(self.layers, betas, strict=True):
            layer.set_beta(beta)
        self.stale = False
        return betas
