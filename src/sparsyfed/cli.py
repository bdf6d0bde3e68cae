"""`sparsyfed ...` commands: parse arguments, call one library function. The workflow's rules call these."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import textwrap

from sparsyfed import __version__, catalog, record
from sparsyfed.analysis.commands import register as register_analysis
from sparsyfed.config import RunConfig
from sparsyfed.errors import UserError
from sparsyfed.io import check_out

# What a default of None (or 0) means, as the help shows it.
# `sparsyfed verify` draws this many runs, with this seed, unless told otherwise ("a few minutes of work").
VERIFY_K, VERIFY_SEED = 3, 0
_DEFAULT_TEXT = {"data_root": "none", "samples_per_client": "floor(N_train/N)",
                 "partition": "none: computed in memory", "lr_horizon": "rounds", "threads": "0 = all cores"}


def _run_epilog() -> str:
    """Help text of `sparsyfed run`: every setting with its default, the ids the catalogue declares and
    each method's parameters (imports the methods, so it is built only when the help is shown)."""
    from sparsyfed.methods import make_method

    defaults = dataclasses.asdict(RunConfig())

    def setting(key: str) -> str:
        value = defaults[key]
        text = _DEFAULT_TEXT.get(key) or (str(value).lower() if isinstance(value, bool) else
                                          f"{value:g}" if isinstance(value, float) else str(value))
        return f"{key} [{text}]"

    def row(key: str, text: str) -> str:
        return f"  {setting(key):<26}{text}"

    def keys(*names: str) -> str:
        return "  " + "  ".join(setting(k) for k in names)

    per_method = "; ".join(
        f"{entry.id}: {', '.join(names)}" for entry in catalog.METHODS
        if (names := [f.name for f in dataclasses.fields(make_method(entry.id).Params)
                      if f.name != "sparsity" and f.name not in entry.fixed]))
    reference = catalog.with_role(catalog.REFERENCE)[0]
    return "\n".join([
        "settings (YAML file keys, or --set key=value; defaults in brackets):",
        row("dataset", " | ".join(catalog.ids(catalog.DATASETS))),
        row("data_root", "folder holding <dataset>/ (else system locations, then download)"),
        row("model", " | ".join(catalog.ids(catalog.MODELS))),
        row("width", "multiplier of the model's channel counts, > 0 (2: about 4 x the weights)"),
        row("method", " | ".join(catalog.ids(catalog.METHODS))),
        row("sparsity", f"target sparsity s of every upload (ignored by {reference})"),
        row("method_params", "e.g. --set method_params.beta=1.25; the keys of each method:"),
        *textwrap.wrap(per_method, 96, initial_indent=" " * 28, subsequent_indent=" " * 28),
        keys("num_clients", "clients_per_round", "samples_per_client"),
        keys("alpha", "partition_seed", "partition"),
        keys("rounds", "local_epochs", "batch_size", "lr", "lr_end", "weight_decay"),
        row("lr_horizon", "rounds over which lr decays exponentially from lr to lr_end"),
        keys("eval_every", "eval_batch_size", "federated_eval", "mask_every"),
        keys("checkpoint_every", "seed", "device", "threads"),
        row("numerics", "native: the CPU's own kernels; portable: one x86-64 path (AVX2), same bits on"),
        " " * 28 + "every x86 machine with AVX2 (sparsyfed.numerics)",
        "",
        f"outputs in --out: {record.ROUNDS} (one row per round), {record.LAYERS} (per-layer density),",
        f"{record.MASKS}/round_XXXX.npy (packed global masks), {record.SUMMARY} (written last, with provenance).",
        "A killed run started again with the same --out resumes from its last checkpoint.",
        "",
        "example:",
        "  sparsyfed run --set method=sparsyfed sparsity=0.95 alpha=0.1 rounds=30 --out results/try",
    ])


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose epilog may be a function, called only when the help is shown."""

    def format_help(self) -> str:
        if callable(self.epilog):
            self.epilog = self.epilog()
        return super().format_help()


def _cmd_run(args) -> int:
    from sparsyfed import numerics
    from sparsyfed.config import load_config

    cfg = load_config(args.config, args.set or [])
    check_out(args.out, folder=True)
    numerics.apply(cfg.numerics)  # before torch is imported (by the runner)
    from sparsyfed.fl import round_hooks
    from sparsyfed.runner import run

    round_hooks.load_from_env()  # SPARSYFED_HOOKS: modules that register round hooks (tests)
    summary = run(cfg, args.out, on_error="record" if args.record_failure else "raise",
                  progress=not args.quiet)
    final = summary.get("final", {})
    print(f"{summary['status']}: test_acc={final.get('test_acc', float('nan')):.4f} "
          f"global_sparsity={final.get('global_sparsity', float('nan')):.4f} -> {args.out}")
    return 0


def _cmd_partition(args) -> int:
    from sparsyfed.data.partition import lda_partition, save_partition
    from sparsyfed.data.registry import load_dataset

    check_out(args.out, folder=False)
    data = load_dataset(args.dataset, args.data_root)
    part = lda_partition(data.train_y.numpy(), data.test_y.numpy(), args.clients, args.alpha, args.seed,
                         args.samples_per_client, data.num_classes, args.dataset)
    save_partition(part, args.out)
    print(f"partition {args.dataset} alpha={args.alpha:g} N={args.clients} seed={args.seed}: "
          f"{part.train_indices.shape[1]} train / {part.test_indices.shape[1]} test samples per client -> {args.out}")
    return 0


def _cmd_data(args) -> int:
    from sparsyfed.data.registry import load_dataset
    from sparsyfed.io import write_json

    check_out(args.out, folder=False)
    data = load_dataset(args.dataset, args.data_root)
    info = {"dataset": data.name, "num_classes": data.num_classes, "input_shape": list(data.input_shape),
            "train_samples": int(data.train_y.numel()), "test_samples": int(data.test_y.numel()),
            "train_class_counts": data.train_y.bincount(minlength=data.num_classes).tolist()}
    write_json(args.out, info)
    print(f"{data.name}: {info['train_samples']} train / {info['test_samples']} test samples, "
          f"{data.num_classes} classes, input {tuple(data.input_shape)} -> {args.out}")
    return 0


def _cmd_verify(args) -> int:
    from sparsyfed.analysis.reference.verify import DIFFERS, verify

    checks = verify(args.reference, args.out, k=args.k, seed=args.seed, points=args.point,
                    experiment=args.experiment, threads=args.threads,
                    data_root=args.data_root, say=lambda line: print(line, flush=True))
    return 1 if any(c.result == DIFFERS for c in checks) else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sparsyfed", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"sparsyfed {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("run", help="simulate one federated training run",
                       description="Simulate one federated training run and write its results into --out.",
                       epilog=_run_epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
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

    p = sub.add_parser("verify", help="rerun runs of a shipped reference: identical, equivalent or differs",
                       description="Rerun runs of a reference folder (made by `sparsyfed reference-pack`): its "
                                   "grid's, or those of an experiment packed with it, with the settings its "
                                   "config.yaml gives them. Where this host's numeric "
                                   "fingerprint is the shipped run's, each per-round table must equal the shipped "
                                   "one bit for bit (identical); elsewhere the rerun must lie within the shipped "
                                   "cell's seed spread (equivalent). Prints both fingerprints; exits 1 if a run "
                                   "differs or fails, naming what differs.")
    p.add_argument("--reference", default="reference", metavar="DIR", help="the reference folder [reference]")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--k", type=int, default=VERIFY_K, help=f"runs drawn at random [{VERIFY_K}]")
    which.add_argument("--point", nargs="+", metavar="POINT",
                       help="runs named like their folder, e.g. fashion_mnist/alpha0.1/sparsyfed/s0.95/seed5378 (the "
                            "grid's) or experiments/capacity/runs/resnet_small-w2-r30/fashion_mnist/alpha0.1/"
                            "sparsyfed/s0.95/seed5378 (an experiment's)")
    p.add_argument("--experiment", default=None, metavar="NAME",
                   help="draw the --k runs from this experiment's own runs (packed in the reference) instead of "
                        "the grid's")
    p.add_argument("--seed", type=int, default=VERIFY_SEED, help=f"seed of the random draw [{VERIFY_SEED}]")
    p.add_argument("--threads", type=int, default=0, help="cores per run; never changes a number [0 = all]")
    p.add_argument("--data-root", default=None, metavar="DIR",
                   help="folder holding <dataset>/ [the reference config's data_root]")
    p.add_argument("--out", default="results/verify", metavar="DIR",
                   help="folder for the reruns and verify.csv [results/verify]")
    p.set_defaults(func=_cmd_verify)

    register_analysis(sub)
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
