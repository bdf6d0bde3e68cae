"""Per-round metrics of SPEC section 5: pure functions on state dicts and tensors.

The engine calls the two round-level entry points in `rounds`: `client_metrics` once per client and
`round_metrics` once per round. The other modules hold the building blocks; `packed` (IoU of saved
masks) is numpy only, so the analysis reads masks without importing torch.
"""
