"""Tensor-level sparsity with no notion of rounds (SPEC 4, 5): the magnitude cut and state pruning
(`pruning`), activation-pruning autograd functions (`activation`), Powerprop layers (`powerprop`) and
SWAT layers (`swat`)."""
