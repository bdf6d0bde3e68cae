"""Which scale a result comes from (analysis/scale.py), the tidy runs table's scale column, and tidy
tables read from NAME.csv or NAME.csv.gz."""

import gzip
import shutil

import pandas as pd
import pytest

from sparsyfed import record
from sparsyfed.analysis.collect import collect, read_table
from sparsyfed.analysis.scale import NO_SCALE, duration, scale_line, setting_text
from sparsyfed.errors import UserError


def test_collect_names_the_scale_on_every_run(grid, tmp_path):
    collect([grid["runs"]], grid["partitions"], tmp_path / "named", scale="reference grid")
    runs = read_table(tmp_path / "named", "runs")
    assert len(runs) == 44 and set(runs[record.SCALE]) == {"reference grid"}  # missing and failed runs too
    assert read_table(grid["tables"], "runs")[record.SCALE].isna().all()  # collected without a scale


def test_read_table_reads_gzipped_tables_and_refuses_two(grid, tmp_path):
    shutil.copy(grid["tables"] / "rounds.csv", tmp_path / "rounds.csv")
    plain = read_table(tmp_path, "rounds")
    (tmp_path / "rounds.csv.gz").write_bytes(gzip.compress((tmp_path / "rounds.csv").read_bytes()))
    with pytest.raises(UserError, match=r"both .*rounds\.csv and .*rounds\.csv\.gz exist; delete the stale one"):
        read_table(tmp_path, "rounds")
    (tmp_path / "rounds.csv").unlink()
    pd.testing.assert_frame_equal(read_table(tmp_path, "rounds"), plain)
    (tmp_path / "rounds.csv.gz").write_bytes(b"\x1f\x8b truncated")
    with pytest.raises(UserError, match=r"rounds\.csv\.gz is not a readable CSV"):
        read_table(tmp_path, "rounds")


def _runs(**columns) -> pd.DataFrame:
    n = len(columns["status"])
    base = dict(dataset=["cifar10"] * n, model=["resnet18_cifar"] * n, seed=list(range(n)), num_clients=[100] * n,
                clients_per_round=[10] * n, rounds=[700] * n, wall_s=[3600.0] * n)
    return pd.DataFrame(base | columns)


def test_scale_line_names_scale_setting_and_compute():
    runs = _runs(status=["ok", "ok", "failed", "missing"], scale=["paper grid"] * 4,
                 rounds=[700, 500, 700, None], wall_s=[3600.0, 3600.0, 1800.0, None])
    partitions = pd.DataFrame({"dataset": "cifar10", "alpha": 0.1, "client": [0, 0, 1], "count": [300, 200, 500]})
    line = scale_line(runs, partitions, {"elapsed_s": 5400, "machine": {"cores": 16}})
    assert line == ("Scale: **paper grid**: CIFAR-10 with resnet18_cifar; 100 clients × 500 samples, 10 per round; "
                    "500 or 700 rounds; 4 seeds; 4 runs, 2 finished. Compute: 2.5 h of runs (sum of their wall "
                    "times), 90 min elapsed on 16 cores.")


def test_scale_line_without_scale_partitions_or_provenance():
    runs = _runs(status=["ok"])
    assert setting_text(runs) == ("CIFAR-10 with resnet18_cifar; 100 clients, 10 per round; 700 rounds; 1 seed; "
                                  "1 run, all finished")
    assert scale_line(runs).startswith(f"Scale: **{NO_SCALE}**: ")
    assert scale_line(runs).endswith("Compute: 60 min of runs (sum of their wall times).")


@pytest.mark.parametrize("seconds, text", [(45, "45 s"), (119.4, "119 s"), (600, "10 min"), (7199, "120 min"),
                                           (7200, "2.0 h"), (21240, "5.9 h")])
def test_duration(seconds, text):
    assert duration(seconds) == text
