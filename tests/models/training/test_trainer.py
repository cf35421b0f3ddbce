"""Training: real corpus pieces through data build and a few steps, exact resumption, --set,
the run folder, the plot, attribute reports, and a two-process DDP run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors import safe_open

from segue.models.configs import CONFIGS
from segue.models.errors import InputError
from segue.models.inference import LatentModel
from segue.models.musicvae import MusicVAE
from segue.models.training import trainer
from segue.models.training.dataset import build_dataset
from segue.models.training.windows import load_windows

TINY = CONFIGS["cat-mel_2bar_small"].scaled(16)
FAST = trainer.TrainerConfig(steps=6, batch_size=16, eval_every=3, checkpoint_every=3, log_every=1,
                             eval_windows=32, attribute_windows=64, device="cpu", licence="test")


@pytest.fixture(scope="module")
def corpus_data(tmp_path_factory):
    """Real tunes from music21's bundled corpus (two small collections, a few files)."""
    out = tmp_path_factory.mktemp("data")
    build_dataset("music21:nottingham-dataset", out, window_bars=(2,), transpose=2, workers=1,
                  progress=False)
    return out


@pytest.fixture(scope="module")
def synthetic_data(tmp_path_factory, synthetic_windows):
    return synthetic_windows(tmp_path_factory.mktemp("synthetic"), 160, 16, 16)


def test_real_pieces_train_and_the_loss_goes_down(corpus_data, tmp_path):
    windows = np.array(load_windows(corpus_data, "melody", 2, "train"))
    assert len(windows) >= 16
    torch.manual_seed(0)
    before = trainer.evaluate(MusicVAE(TINY), windows[:64], TINY, step=0)
    tc = trainer.TrainerConfig(**{**FAST.__dict__, "steps": 40, "eval_every": 40, "checkpoint_every": 40})
    trainer.train(TINY, corpus_data, tmp_path / "run", tc, progress=False)
    model = LatentModel.load(tmp_path / "run" / "model.safetensors", device="cpu").model
    after = trainer.evaluate(model, windows[:64], TINY, step=40)
    assert after["r_loss"] < before["r_loss"] * 0.95
    assert after["tf_accuracy"] > before["tf_accuracy"]


def test_run_folder_holds_a_loadable_model_and_metrics(synthetic_data, tmp_path):
    run = tmp_path / "run"
    result = trainer.train(TINY, synthetic_data, run, FAST, progress=False)
    assert result["step"] == 6
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if r["split"] == "train"] == [1, 2, 3, 4, 5, 6]
    valid = [r for r in rows if r["split"] == "valid"]
    assert [r["step"] for r in valid] == [3, 6]
    assert {"tf_accuracy", "sampled_accuracy", "kl_bits", "elbo", "r_loss"} <= set(valid[0])
    model = LatentModel.load(run / "model.safetensors", device="cpu")
    facts = model.meta.training
    assert facts["steps"] == 6 and facts["final"] and facts["wall_seconds"] > 0 and "hardware" in facts
    assert model.meta.licence == "test"
    assert set(model.attributes) >= {"note_density", "average_interval"}


def test_an_existing_run_is_never_overwritten(synthetic_data, tmp_path):
    run = tmp_path / "run"
    trainer.train(TINY, synthetic_data, run, FAST, progress=False)
    before = (run / "state.safetensors").read_bytes()
    with pytest.raises(InputError, match="already holds a run"):
        trainer.train(TINY, synthetic_data, run, FAST, progress=False)
    assert (run / "state.safetensors").read_bytes() == before
    with pytest.raises(InputError, match="nothing to resume"):
        trainer.train(TINY, synthetic_data, tmp_path / "new", FAST, resume=True, progress=False)


def _state_tensors(path):
    with safe_open(str(path), "pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}


def test_resumption_is_exact(synthetic_data, tmp_path):
    """Six steps straight, or three, stop, and three more: the same weights and Adam state.
    Scheduled sampling is on (p > 0 from the first step), so the keyed noise matters too."""
    cfg = TINY
    trainer.train(cfg, synthetic_data, tmp_path / "straight", FAST, progress=False)
    half = trainer.TrainerConfig(**{**FAST.__dict__, "steps": 3})
    trainer.train(cfg, synthetic_data, tmp_path / "split", half, progress=False)
    trainer.train(cfg, synthetic_data, tmp_path / "split", FAST, resume=True, progress=False)
    a = _state_tensors(tmp_path / "straight" / "state.safetensors")
    b = _state_tensors(tmp_path / "split" / "state.safetensors")
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_scheduled_sampling_trains_too(synthetic_data, tmp_path):
    tc = trainer.TrainerConfig(**{**FAST.__dict__, "steps": 3})
    cfg = TINY.__class__(**{**TINY.__dict__, "sampling_schedule": "constant", "sampling_rate": 0.5})
    result = trainer.train(cfg, synthetic_data, tmp_path / "run", tc, progress=False)
    assert result["step"] == 3


def test_batches_cover_every_window_once_per_epoch():
    seen = np.concatenate([trainer.batch_indices(100, 10, s, seed=3) for s in range(10)])
    assert sorted(seen.tolist()) == list(range(100))
    assert not np.array_equal(trainer.batch_indices(100, 10, 0, 3), trainer.batch_indices(100, 10, 10, 3))


def test_set_overrides_are_validated():
    cfg, tc = trainer.apply_overrides(TINY, FAST, trainer.parse_sets(
        ["z_size=32", "enc_rnn_size=[24]", "steps=9", "max_beta=0.5", "licence=CC0"]))
    assert cfg.z_size == 32 and cfg.enc_rnn_size == (24,) and tc.steps == 9 and cfg.max_beta == 0.5
    assert tc.licence == "CC0"
    with pytest.raises(InputError, match="unknown setting 'warp'"):
        trainer.apply_overrides(TINY, FAST, {"warp": "1"})
    with pytest.raises(InputError, match="steps: expected an integer"):
        trainer.apply_overrides(TINY, FAST, {"steps": "many"})
    with pytest.raises(InputError, match="enc_rnn_size: expected a list"):
        trainer.apply_overrides(TINY, FAST, {"enc_rnn_size": "256"})
    with pytest.raises(InputError, match="segments"):
        trainer.apply_overrides(CONFIGS["hier-mel_4bar_small"], FAST, {"num_segments": "3"})
    with pytest.raises(InputError, match="key=value"):
        trainer.parse_sets(["steps"])


def test_cli_train_plot_and_attributes(synthetic_data, tmp_path, capsys):
    from segue.engine.cli import main

    run = tmp_path / "run"
    code = main(["train", "--config", "cat-mel_2bar_small", "--data", str(synthetic_data), "--out", str(run),
                 "--set", "enc_rnn_size=[16]", "--set", "dec_rnn_size=[16,16]", "--set", "z_size=16",
                 "--set", "steps=4", "--set", "batch_size=16", "--set", "eval_every=2",
                 "--set", "attribute_windows=64", "--device", "cpu"])
    assert code == 0, capsys.readouterr().err
    assert main(["plot", str(run)]) == 0
    for name in ("loss.png", "accuracy.png"):
        assert (run / name).stat().st_size > 1000
    capsys.readouterr()
    code = main(["attributes", "--model", str(run / "model.safetensors"), "--data", str(synthetic_data),
                 "--windows", "16"])
    out = capsys.readouterr().out
    assert code == 0
    assert "| note_density |" in out and "monotonic" in out
    assert main(["train", "--config", "cat-mel_2bar_small", "--data", str(synthetic_data),
                 "--out", str(run), "--set", "steps=1"]) == 2  # the run exists
    assert "already holds a run" in capsys.readouterr().err


def test_missing_data_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="melody_2bar_train"):
        trainer.train(TINY, tmp_path, tmp_path / "run", FAST, progress=False)


@pytest.mark.slow
def test_two_process_ddp_run(synthetic_data, tmp_path):
    """torchrun --nproc_per_node 2 on gloo: both processes step together and rank 0 writes."""
    torchrun = Path(sys.executable).with_name("torchrun")
    run = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [str(torchrun), "--standalone", "--nproc_per_node", "2", "--no-python",
         str(Path(sys.executable).with_name("segue")), "train", "--config", "cat-mel_2bar_small",
         "--data", str(synthetic_data), "--out", str(run), "--device", "cpu",
         "--set", "enc_rnn_size=[16]", "--set", "dec_rnn_size=[16,16]", "--set", "z_size=16",
         "--set", "steps=4", "--set", "batch_size=16", "--set", "eval_every=2", "--set", "attribute_windows=64"],
        capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    model = LatentModel.load(run / "model.safetensors", device="cpu")
    assert model.meta.training["processes"] == 2 and model.meta.training["steps"] == 4


def test_wandb_without_the_package_is_a_clear_error(synthetic_data, tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_wandb(name, *args, **kwargs):
        if name == "wandb":
            raise ImportError("no wandb here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_wandb)
    tc = trainer.TrainerConfig(**{**FAST.__dict__, "wandb": True})
    with pytest.raises(InputError, match="not installed"):
        trainer.train(TINY, synthetic_data, tmp_path / "run", tc, progress=False)


def test_evaluate_command_and_model_card(synthetic_data, tmp_path, capsys):
    from segue.engine.cli import main
    from segue.models.training.evaluate import evaluate_model, model_card

    run = tmp_path / "run"
    trainer.train(TINY, synthetic_data, run, FAST, progress=False)
    capsys.readouterr()
    assert main(["evaluate", "--model", str(run / "model.safetensors"), "--data", str(synthetic_data)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["split"] == "test" and doc["windows"] == 16 and 0 <= doc["tf_accuracy"] <= 1
    model = LatentModel.load(run / "model.safetensors", device="cpu")
    card = model_card(model, run / "model.safetensors", evaluate_model(model, synthetic_data, "test", 16),
                      "Tiny", "A test model.")
    assert "| licence | test |" in card and "0.986" in card and "6 steps of batch 16" in card


def test_a_run_can_start_from_another_runs_weights_with_other_loss_settings(synthetic_data, tmp_path):
    import dataclasses

    from segue.models.musicvae import MusicVAE

    first = tmp_path / "first"
    trainer.train(TINY, synthetic_data, first, FAST, progress=False)
    source = LatentModel.load(first / "model.safetensors", device="cpu")
    warm = MusicVAE(dataclasses.replace(TINY, free_bits=64.0, max_beta=0.05))
    trainer.warm_start(warm, first / "model.safetensors")
    for name, tensor in source.model.state_dict().items():
        assert torch.equal(warm.state_dict()[name], tensor)
    other = MusicVAE(CONFIGS["cat-mel_2bar_small"].scaled(8))
    with pytest.raises(InputError, match="another network"):
        trainer.warm_start(other, first / "model.safetensors")
    second = tmp_path / "second"
    tc = dataclasses.replace(FAST, steps=2, init_from=str(first / "model.safetensors"))
    trainer.train(dataclasses.replace(TINY, free_bits=64.0), synthetic_data, second, tc, progress=False)
    facts = LatentModel.load(second / "model.safetensors", device="cpu").meta.training
    assert facts["initialised_from"] == str(first / "model.safetensors") and facts["steps"] == 2
    # the learning curves of both, on one step axis: the second run goes on from the first's 6 steps
    from segue.engine.cli import main
    from segue.engine.cli.train import joined_metrics

    rows, starts = joined_metrics([first, second])
    assert starts == [(6, "second")]
    steps = [r["step"] for r in rows if r["split"] == "train"]
    assert steps == sorted(steps) and steps[-1] == 8 and 7 in steps
    assert main(["plot", str(first), str(second), "-o", str(tmp_path / "curves")]) == 0
    assert (tmp_path / "curves" / "accuracy.png").stat().st_size > 1000


def test_sigterm_stops_training_with_a_checkpoint_that_resumes(synthetic_data, tmp_path):
    import signal
    import time

    run = tmp_path / "run"
    segue = str(Path(sys.executable).with_name("segue"))
    args = ["train", "--config", "cat-mel_2bar_small", "--data", str(synthetic_data), "--out", str(run),
            "--device", "cpu", "--set", "enc_rnn_size=[16]", "--set", "dec_rnn_size=[16,16]", "--set", "z_size=16",
            "--set", "batch_size=16", "--set", "log_every=1", "--set", "eval_every=100000",
            "--set", "checkpoint_every=100000", "--set", "attribute_windows=64", "--set", "threads=1"]
    proc = subprocess.Popen([segue, *args, "--set", "steps=100000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    metrics = run / "metrics.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (metrics.exists() and metrics.read_text().count("\n") >= 3):
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-2000:]
    assert "SIGTERM" in err
    model = LatentModel.load(run / "model.safetensors", device="cpu")
    stopped = model.meta.training["steps"]
    assert 3 <= stopped < 100000
    done = subprocess.run([segue, *args, "--set", f"steps={stopped + 2}", "--resume"], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert LatentModel.load(run / "model.safetensors", device="cpu").meta.training["steps"] == stopped + 2
