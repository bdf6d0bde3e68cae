"""`sparsyfed ...` commands: parse arguments, call one library function. The workflow's rules call these."""

from __future__ import annotations

import argparse
import sys
import textwrap

from sparsyfed import __version__
from sparsyfed.errors import UserError

RUN_EPILOG = textwrap.dedent("""\
    settings (YAML file keys, or --set key=value; defaults in brackets):
      dataset [fashion_mnist]   fashion_mnist | mnist | cifar10 | cifar100 | speech_commands
      data_root [none]          folder holding <dataset>/ (else system locations, then download)
      model [resnet_small]      resnet_small | small_cnn | resnet18_cifar | resnet18_speech
      method [dense]            dense | topk | sparsyfed | sparsyfed_noact | zerofl | flash
      sparsity [0.9]            target sparsity s of every upload (ignored by dense)
      method_params [{}]        e.g. --set method_params.beta=1.25  (sparsyfed: beta, activation_pruning,
                                conv_threshold, convert_shortcuts, exponent, spectral_over;
                                zerofl: mask_ratio; flash: mask_scope)
      num_clients [100]  clients_per_round [10]  samples_per_client [floor(N_train/N)]
      alpha [1000]  partition_seed [1337]  partition [none: computed in memory]
      rounds [20]  local_epochs [1]  batch_size [16]  lr [0.5]  lr_end [0.01]  weight_decay [0.001]
      lr_horizon [rounds]       rounds over which lr decays exponentially from lr to lr_end
      eval_every [5]  eval_batch_size [1000]  federated_eval [false]  mask_every [5]
      checkpoint_every [5]  seed [5378]  device [auto]  threads [0 = all cores]

    outputs in --out: rounds.csv (one row per round), layers.csv (per-layer density),
    masks/round_XXXX.npy (packed global masks), summary.json (written last, with provenance).
    A killed run started again with the same --out resumes from its last checkpoint.

    example:
      sparsyfed run --set method=sparsyfed sparsity=0.95 alpha=0.1 rounds=30 --out results/try
    """)


def _cmd_run(args) -> int:
    from sparsyfed.config import load_config
    from sparsyfed.fl.engine import run

    cfg = load_config(args.config, args.set or [])
    summary = run(cfg, args.out, on_error="record" if args.record_failure else "raise",
                  progress=not args.quiet)
    final = summary.get("final", {})
    print(f"{summary['status']}: test_acc={final.get('test_acc', float('nan')):.4f} "
          f"global_sparsity={final.get('global_sparsity', float('nan')):.4f} -> {args.out}")
    return 0


def _cmd_partition(args) -> int:
    from sparsyfed.data import load_dataset
    from sparsyfed.data.partition import lda_partition, save_partition

    data = load_dataset(args.dataset, args.data_root)
    part = lda_partition(data.train_y.numpy(), data.test_y.numpy(), args.clients, args.alpha, args.seed,
                         args.samples_per_client, data.num_classes, args.dataset)
    save_partition(part, args.out)
    print(f"partition {args.dataset} alpha={args.alpha:g} N={args.clients} seed={args.seed}: "
          f"{part.train_indices.shape[1]} train / {part.test_indices.shape[1]} test samples per client -> {args.out}")
    return 0


def _cmd_data(args) -> int:
    from sparsyfed.data import load_dataset
    from sparsyfed.io import write_json

    data = load_dataset(args.dataset, args.data_root)
    info = {"dataset": data.name, "num_classes": data.num_classes, "input_shape": list(data.input_shape),
            "train_samples": int(data.train_y.numel()), "test_samples": int(data.test_y.numel()),
            "train_class_counts": data.train_y.bincount(minlength=data.num_classes).tolist()}
    write_json(args.out, info)
    print(f"{data.name}: {info['train_samples']} train / {info['test_samples']} test samples, "
          f"{data.num_classes} classes, input {tuple(data.input_shape)} -> {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sparsyfed", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"sparsyfed {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="simulate one federated training run",
                       description="Simulate one federated training run and write its results into --out.",
                       epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", metavar="FILE", help="YAML file of settings (see below); --set overrides it")
    p.add_argument("--set", nargs="+", metavar="KEY=VALUE", help="override settings, e.g. method=topk sparsity=0.99")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder of the run")
    p.add_argument("--record-failure", action="store_true",
                   help="on a crash during training, write summary.json with status 'failed' and exit 0 (grids)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("partition", help="compute an LDA partition once and save it (.npz)",
                       description="Split a dataset among clients with LDA(alpha) as SPEC section 2 says.")
    p.add_argument("--dataset", required=True)
    p.add_argument("--alpha", type=float, required=True, help="Dirichlet concentration (> 0)")
    p.add_argument("--clients", type=int, default=100, help="number of clients N [100]")
    p.add_argument("--samples-per-client", type=int, default=None, help="n [floor(N_train / N)]")
    p.add_argument("--seed", type=int, default=1337, help="partition seed [1337]")
    p.add_argument("--data-root", default=None, help="folder holding <dataset>/")
    p.add_argument("--out", required=True, metavar="FILE", help="output .npz")
    p.set_defaults(func=_cmd_partition)

    p = sub.add_parser("data", help="locate (or download) a dataset, check it reads, and describe it (.json)",
                       description="Find the dataset in --data-root, system locations, or download it with "
                                   "a checksum check; write a short description of it to --out.")
    p.add_argument("--dataset", required=True)
    p.add_argument("--data-root", default=None, help="folder holding <dataset>/")
    p.add_argument("--out", required=True, metavar="FILE", help="output .json")
    p.set_defaults(func=_cmd_data)

    try:
        from sparsyfed.analysis.commands import register
    except ImportError:
        pass
    else:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"sparsyfed: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sparsyfed: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
