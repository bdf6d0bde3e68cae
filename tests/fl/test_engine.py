import copy
import json

import numpy as np
import pandas as pd
import pytest
import torch

from sparsyfed import record
from sparsyfed.config import load_config
from sparsyfed.errors import UserError
from sparsyfed.record import TIMING_COLUMNS
from sparsyfed.runner import run

TIMING = list(TIMING_COLUMNS)


def test_run_writes_every_output(tiny_run, tmp_path):
    summary = run(load_config(None, tiny_run), tmp_path / "run", progress=False)
    out = tmp_path / "run"
    rounds = pd.read_csv(out / "rounds.csv")
    assert summary["status"] == "ok" and summary["rounds_completed"] == 4
    assert list(rounds["round"]) == [1, 2, 3, 4]
    assert rounds["test_acc"].notna().tolist() == [False, True, False, True]  # eval_every=2 and the last
    assert summary["final"]["test_acc"] == rounds["test_acc"].iloc[-1]
    assert sorted(p.name for p in (out / "masks").iterdir()) == ["round_0002.npy", "round_0004.npy"]
    layers = pd.read_csv(out / "layers.csv")
    assert set(layers["layer"]) == {"conv1.weight", "conv2.weight", "fc1.weight", "fc2.weight"}
    assert not (out / "checkpoint.pt").exists()  # removed once complete
    prov = json.loads((out / "summary.json").read_text())["provenance"]
    assert {"git_commit", "torch", "device", "package_version"} <= set(prov)
    assert rounds["cum_bytes_up"].iloc[-1] == rounds["bytes_up"].sum()


def test_layers_csv_splits_regrowth_by_layer_and_role(tiny_run, tmp_path):
    """Per-layer regrowth and each layer's role and type come from the run, so an analysis can say
    where a method's regrowth happens (SparsyFed's: only in layers kept plain)."""
    settings = tiny_run + ["model=resnet_small", "method=sparsyfed", "sparsity=0.9", "rounds=3"]
    run(load_config(None, settings), tmp_path / "r", progress=False)
    rounds = pd.read_csv(tmp_path / "r" / "rounds.csv")
    layers = pd.read_csv(tmp_path / "r" / "layers.csv")
    assert list(layers.columns) == list(record.LAYER_COLUMNS)
    per_round = layers.groupby("round")["regrowth_local"].sum()
    assert per_round.to_numpy() == pytest.approx(rounds["regrowth_local"].to_numpy())
    powerprop = layers[layers["layer_type"].str.startswith("Powerprop")]
    assert (powerprop["regrowth_local"] == 0).all()  # beta > 1: a pruned v gets no gradient
    plain = layers[layers["layer_type"] == "Conv2d"]
    assert set(plain["role"]) == {"shortcut"} and plain.loc[plain["round"] > 1, "regrowth_local"].sum() > 0
    assert (powerprop["beta"] == 1.25).all() and plain["beta"].isna().all()  # no exponent: left empty
    # no layer trains with weights of its own: the density trained with is the trained model's, which
    # pruning after training cannot raise above 1 and the server's union keeps at or above the global one
    assert layers["trained_density"].between(0, 1).all()
    dead_zeros = layers.groupby("round")["zeros_dead"].sum()
    zeros = (layers["numel"] * (1 - layers["density"])).groupby(layers["round"]).sum()
    assert rounds["dead_zero_share"].to_numpy() == pytest.approx((dead_zeros / zeros).to_numpy())


def test_zerofl_layers_record_the_density_training_computed_with(tiny_run, tmp_path):
    """ZeroFL's SWAT layers zero weights inside training, so the density they train with is not the
    global model's. As the authors ran it (conv cut fixed at a session's first forward), a received
    layer already at the target density gives a cut of 0, so every weight that grows during the
    session is kept and conv layers train far denser than 1 - s from round 2 on (issue 18, item 5:
    ZeroFL's FLOPs); the linear layer, cut at every forward, and the per-batch conv cut stay at 1 - s."""
    def trained(conv_threshold):
        settings = tiny_run + ["model=resnet_small", "method=zerofl", "sparsity=0.9", "rounds=2",
                               f"method_params.conv_threshold={conv_threshold}"]
        run(load_config(None, settings), tmp_path / conv_threshold, progress=False)
        layers = pd.read_csv(tmp_path / conv_threshold / "layers.csv")
        return layers[layers["layer_type"].str.startswith("Swat")].set_index(["round", "layer_type"])

    session, batch = trained("session"), trained("batch")
    assert session.loc[1, "trained_density"].to_numpy() == pytest.approx(0.1, abs=0.01)
    assert session.loc[(2, "SwatConv2d"), "trained_density"].max() > 0.3
    assert session.loc[(2, "SwatLinear"), "trained_density"] == pytest.approx(0.1, abs=0.01)
    assert (batch["trained_density"] <= 0.1 + 0.005).all()  # below where a received layer has fewer non-zeros


def numpy_beta(v) -> float:
    """1 + mean|v| / sigma(|v| as (out, -1)), by numpy's 2-norm (independent of sparse.spectral)."""
    a = np.abs(v.detach().double().cpu().numpy()).reshape(v.shape[0], -1)
    return 1 + a.mean() / np.linalg.norm(a, 2)


def test_layers_csv_records_the_beta_each_round_trained_with(tiny_run, tmp_path, kill_after):
    """The spectral exponent (per layer, exact sigma) is computed from the model the round's clients
    receive: round 1's from the initial model, round 3's from the global model after round 2 (read from
    the checkpoint of round 2)."""
    from sparsyfed.fl.checkpoint import load_checkpoint
    from sparsyfed.fl.engine import prepare
    from sparsyfed.methods import make_method

    cfg = load_config(None, tiny_run + ["model=resnet_small", "method=sparsyfed_spectral", "sparsity=0.9",
                                        "rounds=3", "method_params.spectral_sigma=exact"])
    with kill_after(2):
        run(cfg, tmp_path / "r", progress=False)
    after_round_2 = load_checkpoint(tmp_path / "r", cfg.identity(), torch.device("cpu"))["global_state"]
    run(cfg, tmp_path / "r", progress=False)
    initial = prepare(cfg, make_method(cfg.method, cfg.sparsity, cfg.method_params)).initial_state
    layers = pd.read_csv(tmp_path / "r" / "layers.csv")
    powerprop = layers[layers["layer_type"].str.startswith("Powerprop")]
    assert layers.loc[layers["layer_type"] == "Conv2d", "beta"].isna().all()  # plain shortcuts
    for rnd, received in ((1, initial), (3, after_round_2)):
        got = powerprop[powerprop["round"] == rnd]
        expected = [numpy_beta(received[k]) if received[k].any() else 1.0 for k in got["layer"]]
        assert got["beta"].to_numpy() == pytest.approx(expected, rel=1e-9)  # each layer its own (as ran)
    assert powerprop.groupby("round")["beta"].first().nunique() == 3  # it moves with the model


@pytest.mark.parametrize("method, params, expected", [
    ("sparsyfed", ["method_params.beta=1.0"], 1.0),  # beta 1: plain weights, still recorded
    ("dense", [], None), ("zerofl", [], None),
])
def test_layers_csv_beta_of_other_methods(tiny_run, tmp_path, method, params, expected):
    run(load_config(None, tiny_run + [f"method={method}", "rounds=1"] + params), tmp_path / "r", progress=False)
    beta = pd.read_csv(tmp_path / "r" / "layers.csv")["beta"]
    assert (beta == expected).all() if expected is not None else beta.isna().all()


def test_lr_horizon_sets_the_decay(tiny_run, tmp_path):
    run(load_config(None, tiny_run + ["lr_horizon=400"]), tmp_path / "r", progress=False)
    lr = pd.read_csv(tmp_path / "r" / "rounds.csv")["lr"]
    assert lr.to_numpy() == pytest.approx([0.5 * 0.02 ** (t / 400) for t in (1, 2, 3, 4)])


def test_same_config_same_numbers(tiny_run, tmp_path):
    a = run(load_config(None, tiny_run), tmp_path / "a", progress=False)
    run(load_config(None, tiny_run), tmp_path / "b", progress=False)
    ra = pd.read_csv(tmp_path / "a" / "rounds.csv").drop(columns=TIMING)
    rb = pd.read_csv(tmp_path / "b" / "rounds.csv").drop(columns=TIMING)
    pd.testing.assert_frame_equal(ra, rb)
    other = run(load_config(None, tiny_run + ["seed=1"]), tmp_path / "c", progress=False)
    assert other["final"]["train_loss"] != a["final"]["train_loss"]


@pytest.mark.parametrize("method", ["dense", "topk", "sparsyfed", "flash", "sparsyfed_spectral"])
def test_kill_and_resume_gives_identical_numbers(tiny_run, tmp_path, kill_after, method):
    cfg = load_config(None, tiny_run + [f"method={method}", "sparsity=0.8"])
    run(cfg, tmp_path / "full", progress=False)
    with kill_after(2):
        run(cfg, tmp_path / "resumed", progress=False)
    assert (tmp_path / "resumed" / "checkpoint.pt").exists() and not (tmp_path / "resumed" / "summary.json").exists()
    assert len(pd.read_csv(tmp_path / "resumed" / "rounds.csv")) == 2
    run(cfg, tmp_path / "resumed", progress=False)
    full = pd.read_csv(tmp_path / "full" / "rounds.csv").drop(columns=TIMING)
    resumed = pd.read_csv(tmp_path / "resumed" / "rounds.csv").drop(columns=TIMING)
    pd.testing.assert_frame_equal(full, resumed)
    assert (tmp_path / "full" / "layers.csv").read_text() == (tmp_path / "resumed" / "layers.csv").read_text()


def test_completed_run_is_not_rerun(tiny_run, tmp_path):
    cfg = load_config(None, tiny_run)
    first = run(cfg, tmp_path / "r", progress=False)
    again = run(cfg, tmp_path / "r", progress=False)
    assert again == json.loads((tmp_path / "r" / "summary.json").read_text()) and again["wall_s"] == first["wall_s"]
    with pytest.raises(UserError, match="another or unfinished run"):
        run(load_config(None, tiny_run + ["seed=2"]), tmp_path / "r", progress=False)


@pytest.mark.parametrize("override, field", [
    ("dataset=imagenet", "dataset"), ("model=vgg", "model"), ("method=fedfoo", "method"),
    ("alpha=0", "alpha"), ("alpha=-1", "alpha"), ("num_clients=5000", "num_clients"),
    ("rounds=ten", "rounds"), ("sparsity=1.5", "sparsity"), ("colour=red", "colour"),
    ("clients_per_round=50", "clients_per_round"), ("method_params.beta=2", "method_params"),
])
def test_bad_input_names_the_field_and_writes_nothing(tiny_run, tmp_path, override, field):
    with pytest.raises(UserError, match=field):
        run(load_config(None, tiny_run + [override]), tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_missing_dataset_says_how_to_provide_it(tmp_path):
    with pytest.raises(UserError, match="not found"):
        run(load_config(None, [f"data_root={tmp_path}", "dataset=mnist"]), tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_corrupt_dataset(tmp_path, fmnist_root):
    import shutil
    root = tmp_path / "data"
    shutil.copytree(fmnist_root / "fashion_mnist", root / "fashion_mnist")
    target = root / "fashion_mnist" / "train-images-idx3-ubyte.gz"
    target.write_bytes(target.read_bytes()[:1000])
    with pytest.raises(UserError, match="train-images"):
        run(load_config(None, [f"data_root={root}", "model=small_cnn"]), tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_partition_file_must_match_config(tiny_run, tmp_path, fmnist_root):
    from sparsyfed.cli import main
    part = tmp_path / "p.npz"
    assert main(["partition", "--dataset", "fashion_mnist", "--alpha", "0.1", "--clients", "20",
                 "--samples-per-client", "32", "--data-root", str(fmnist_root), "--out", str(part)]) == 0
    with pytest.raises(UserError, match="alpha"):
        run(load_config(None, tiny_run + [f"partition={part}", "alpha=1.0"]), tmp_path / "x", progress=False)
    summary = run(load_config(None, tiny_run + [f"partition={part}", "alpha=0.1"]), tmp_path / "y", progress=False)
    assert summary["status"] == "ok"


def test_failure_during_training_is_recorded(tiny_run, tmp_path, monkeypatch):
    import sparsyfed.fl.engine as engine

    def boom(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(engine, "local_train", boom)
    summary = run(load_config(None, tiny_run), tmp_path / "f", progress=False, on_error="record")
    assert summary["status"] == "failed" and "out of memory" in summary["error"]
    assert json.loads((tmp_path / "f" / "summary.json").read_text())["status"] == "failed"


def test_divergence_is_marked(tiny_run, tmp_path):
    summary = run(load_config(None, tiny_run + ["lr=1e6", "lr_end=1e6"]), tmp_path / "d", progress=False)
    assert summary["status"] == "diverged"


def test_sgd_step_is_torch_sgd_bit_for_bit():
    from sparsyfed.fl.client import sgd_step

    torch.manual_seed(0)
    a = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3))
    b = copy.deepcopy(a)
    b[0].bias.requires_grad_(False)  # a parameter without a gradient is left alone by both
    a[0].bias.requires_grad_(False)
    opt = torch.optim.SGD(a.parameters(), lr=0.3, momentum=0.0, weight_decay=1e-2)
    x = torch.randn(8, 5)
    for _ in range(3):
        for model in (a, b):
            for p in model.parameters():
                p.grad = None
            model(x).square().sum().backward()
        opt.step()
        sgd_step(list(b.parameters()), 0.3, 1e-2)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)


def test_cpu_runs_use_channels_last_images_and_weights(tiny_run):
    from sparsyfed.fl.engine import prepare
    from sparsyfed.methods import make_method

    s = prepare(load_config(None, tiny_run + ["device=cpu"]), make_method("dense"))
    # explicit channels_last strides even with one channel, where NCHW would also count as contiguous
    assert s.data.train_x.stride()[1] == 1 and s.data.test_x.stride()[1] == 1
    assert s.model.conv1.weight.stride()[1] == 1
    assert s.model.conv2.weight.is_contiguous(memory_format=torch.channels_last)
