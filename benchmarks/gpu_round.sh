#!/usr/bin/env bash
# One round of the paper's CIFAR-10 setting on a GPU, timed: ResNet-18 (CIFAR), 100 clients x 500
# samples, 10 per round, batch 16, every method at s = 0.95, 3 rounds (the last evaluated on the
# 10,000 test images). The images are random (only shapes matter for time), written in the
# official CIFAR-10 python-pickle layout so the run goes through the normal reader. Also the
# local-step cost of SparsyFed and ZeroFL against dense (benchmarks/step_cost.py) on the GPU.
#
#   OUT=/tmp/gpu bash benchmarks/gpu_round.sh        # writes $OUT/*.txt and $OUT/rounds_*.csv
set -euo pipefail
OUT=${OUT:-/tmp/gpu-round}
mkdir -p "$OUT"
export PYTHONPATH=src
PY=${PYTHON:-python3}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.txt" 2>&1 || true
$PY -c "import torch; print(torch.__version__, torch.cuda.get_device_name(0))" >> "$OUT/gpu.txt"
DATA=$(mktemp -d)
$PY - "$DATA" <<'PYEOF'
import pickle, sys
from pathlib import Path
import numpy as np
folder = Path(sys.argv[1]) / "cifar10" / "cifar-10-batches-py"
folder.mkdir(parents=True)
rng = np.random.default_rng(0)
names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
for name in names:
    batch = {b"data": rng.integers(0, 256, (10000, 3072), dtype=np.uint8),
             b"labels": rng.integers(0, 10, 10000).tolist()}
    with open(folder / name, "wb") as f:
        pickle.dump(batch, f, protocol=4)
PYEOF
$PY benchmarks/step_cost.py --models resnet18_cifar --device cuda --steps 40 --repeats 3 \
    --methods dense sparsyfed zerofl flash topk > "$OUT/step_cost.txt" 2>&1 || echo "step_cost failed" >> "$OUT/step_cost.txt"
for m in dense sparsyfed zerofl flash topk; do
  s=0.95; [ $m = dense ] && s=0
  /usr/bin/time -f "$m wall %e s, max RSS %M KB" $PY -m sparsyfed.cli run --set dataset=cifar10 data_root="$DATA" \
      model=resnet18_cifar method=$m sparsity=$s rounds=3 eval_every=3 mask_every=3 checkpoint_every=10 \
      device=cuda threads=4 --out "$OUT/run_$m" --quiet >> "$OUT/runs.txt" 2>&1 || echo "$m failed" >> "$OUT/runs.txt"
  cp "$OUT/run_$m/rounds.csv" "$OUT/rounds_$m.csv" 2>/dev/null || true
  rm -rf "$OUT/run_$m"
done
