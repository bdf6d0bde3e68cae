"""Tensor-level sparsity operations with no notion of rounds (SPEC 4, 5): Powerprop layers,
activation-pruning autograd functions, global and per-tensor magnitude pruning, masks."""

from sparsyfed.sparse.activation import (
    ActivationPruner,
    keep_count,
    keep_largest,
    pruned_conv2d,
    pruned_linear,
    zero_fraction,
)
from sparsyfed.sparse.powerprop import PowerpropConv2d, PowerpropLinear, powerprop_inverse, powerprop_weight
from sparsyfed.sparse.pruning import (
    apply_masks,
    count_zeros,
    density_per_tensor,
    global_magnitude_prune,
    largest_mask,
    layerwise_magnitude_prune,
    num_to_prune,
    smallest_mask,
    sparsity,
    support,
)

__all__ = [
    "ActivationPruner", "PowerpropConv2d", "PowerpropLinear", "apply_masks", "count_zeros", "density_per_tensor",
    "global_magnitude_prune", "keep_count", "keep_largest", "largest_mask", "layerwise_magnitude_prune",
    "num_to_prune", "powerprop_inverse", "powerprop_weight", "pruned_conv2d", "pruned_linear", "smallest_mask",
    "sparsity", "support", "zero_fraction",
]
