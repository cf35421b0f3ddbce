"""`segue sweep`: W&B sweep files checked as a whole and mapped onto Optuna; tiny real sweeps
(random through the CLI, grid in two sittings on one storage); Hyperband pruning through the
trial's report callback."""

import builtins
import json
import re
from pathlib import Path

import numpy as np
import optuna
import pytest
import torch

from segue.engine import cli
from segue.models.errors import InputError
from segue.models.training import sweep as sw
from segue.models.training import sweep_file as sf

D = optuna.distributions

TINY = {  # fixed parameters: a tiny model and a two-step budget
    "enc_rnn_size": {"value": [8]}, "dec_rnn_size": {"value": [8, 8]}, "z_size": {"value": 8},
    "steps": {"value": 2}, "batch_size": {"value": 8}, "eval_every": {"value": 1}, "eval_windows": {"value": 16},
    "log_every": {"value": 1}, "attribute_windows": {"value": 32}, "device": {"value": "cpu"},
    "threads": {"value": 1},  # trials set torch's threads; see restore_threads
}


@pytest.fixture(autouse=True)
def restore_threads():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def synthetic_data(tmp_path_factory, synthetic_windows):
    return synthetic_windows(tmp_path_factory.mktemp("synthetic"), 64, 8, 8)


def _file(**kw):
    base = {"method": "random", "metric": {"name": "r_loss", "goal": "minimize"},
            "parameters": {"learning_rate": {"min": 1e-4, "max": 1e-2, "distribution": "log_uniform_values"}}}
    return {**base, **kw}


def _errors(raw):
    with pytest.raises(sf.SweepError) as e:
        sf.parse_sweep(raw, "bad")
    assert isinstance(e.value, InputError)
    return e.value.errors


# --- parsing ------------------------------------------------------------------------------------------

def test_bayes_maps_each_distribution_onto_optuna():
    s = sf.parse_sweep({
        "method": "bayes", "metric": {"name": "elbo", "goal": "minimize"}, "config": "cat-mel_2bar_small",
        "program": "train.py", "run_cap": 12, "seed": 7,
        "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 2},
        "parameters": {
            "learning_rate": {"min": 1e-4, "max": 1e-2, "distribution": "log_uniform_values"},
            "max_beta": {"min": 0.1, "max": 0.5},
            "free_bits": {"min": 0, "max": 64},
            "z_size": {"min": 64, "max": 256, "distribution": "q_uniform", "q": 64},
            "dropout_keep_prob": {"min": 0.5, "max": 1.0, "distribution": "q_uniform", "q": 0.25},
            "sampling_rate": {"distribution": "normal", "mu": 1000, "sigma": 100},
            "enc_rnn_size": {"values": [[256], [512]]},
            "steps": {"value": 3000}, "data_fraction": {"value": 0.25},
        }}, "mel")
    space = s.search_space()
    assert space["learning_rate"] == D.FloatDistribution(1e-4, 1e-2, log=True)
    assert space["max_beta"] == D.FloatDistribution(0.1, 0.5)
    assert space["free_bits"] == D.IntDistribution(0, 64)
    assert space["z_size"] == D.IntDistribution(64, 256, step=64)  # an integer setting stays integer
    assert space["dropout_keep_prob"] == D.FloatDistribution(0.5, 1.0, step=0.25)
    assert isinstance(space["sampling_rate"], D.FloatDistribution) and 0 < space["sampling_rate"].low < 0.01
    assert isinstance(space["enc_rnn_size"], D.CategoricalDistribution)
    assert s.fixed == {"steps": 3000, "data_fraction": 0.25}
    assert s.parameters["sampling_rate"].decode(0.5) == pytest.approx(1000)
    assert s.parameters["sampling_rate"].decode(0.8413447) == pytest.approx(1100, abs=0.01)
    assert [s.parameters["enc_rnn_size"].decode(c) for c in space["enc_rnn_size"].choices] == [[256], [512]]
    assert (s.name, s.direction, s.run_cap, s.metric) == ("mel", "minimize", 12, "elbo")
    assert any(n.startswith("program: ignored") for n in s.notes)
    sampler = s.sampler()
    assert isinstance(sampler, optuna.samplers.TPESampler)
    pruner = s.pruner()
    assert isinstance(pruner, optuna.pruners.HyperbandPruner)
    assert (pruner._min_resource, pruner._reduction_factor) == (2, 2)


def test_random_and_grid_samplers_and_grid_enumeration():
    r = sf.parse_sweep(_file(metric={"name": "tf_accuracy", "goal": "maximize"}))
    assert isinstance(r.sampler(), optuna.samplers.RandomSampler)
    assert isinstance(r.pruner(), optuna.pruners.NopPruner) and r.direction == "maximize"
    g = sf.parse_sweep(_file(method="grid", parameters={
        "max_beta": {"values": [0.1, 0.2]}, "free_bits": {"min": 0, "max": 32, "distribution": "q_uniform", "q": 16},
        "z_size": {"distribution": "int_uniform", "min": 8, "max": 10}, "steps": {"value": 10}}))
    assert g.grid() == {"max_beta": [0.1, 0.2], "free_bits": [0.0, 16.0, 32.0], "z_size": [8, 9, 10]}
    assert all(isinstance(d, D.CategoricalDistribution) for d in g.search_space().values())
    assert g.grid_size() == 18
    assert isinstance(g.sampler(), optuna.samplers.GridSampler)


def test_yaml_files_load_and_without_pyyaml_the_error_says_use_json(tmp_path, monkeypatch):
    yaml = pytest.importorskip("yaml")
    path = tmp_path / "mel.yaml"
    path.write_text(yaml.safe_dump(_file()))
    s = sf.load_sweep(path)
    assert s.name == "mel" and "learning_rate" in s.search_space()
    real_import = builtins.__import__
    monkeypatch.setattr(builtins, "__import__", lambda name, *a, **k: (_ for _ in ()).throw(ImportError(name))
                        if name == "yaml" else real_import(name, *a, **k))
    with pytest.raises(InputError, match="PyYAML.*JSON"):
        sf.load_sweep(path)


def test_the_bench_example_parses_and_is_the_one_in_the_docs():
    root = Path(__file__).resolve().parents[3]
    s = sf.load_sweep(root / "bench" / "sweep-mel2bar.json")
    assert (s.method, s.metric, s.direction, s.config) == ("bayes", "elbo", "maximize", "cat-mel_2bar_small")
    assert {"steps", "data_fraction"} <= set(s.fixed) and s.hyperband["min_resource"] == 2
    assert {"z_size", "enc_rnn_size", "dec_rnn_size", "max_beta", "free_bits", "learning_rate"} == set(s.sampled)
    docs = (root / "docs" / "sweeps.md").read_text()
    block = re.search(r"## Example: `bench/sweep-mel2bar.json`.*?```json\n(.*?)```", docs, re.S).group(1)
    assert json.loads(block) == s.raw


def test_every_bench_sweep_parses_and_is_named_in_the_docs():
    root = Path(__file__).resolve().parents[3]
    docs = (root / "docs" / "sweeps.md").read_text()
    files = sorted((root / "bench").glob("sweep-*.json"))
    assert len(files) >= 2
    for path in files:
        s = sf.load_sweep(path)
        assert s.config and s.metric and (s.grid() if s.method == "grid" else s.sampled), path
        assert f"## Example: `bench/{path.name}`" in docs, path.name


def test_a_goal_against_the_metric_gets_a_note():
    s = sf.parse_sweep(_file(metric={"name": "elbo"}))  # W&B's default goal is minimize
    assert any(n.startswith("metric.goal: minimize elbo?") for n in s.notes)


# --- invalid files ------------------------------------------------------------------------------------

BAD = [
    ({"parameters": {"warp_drive": {"values": [1, 2]}}}, "parameters.warp_drive: unknown setting"),
    ({"parameters": {"learning_rate": {"min": 1e-4, "max": 1e-2, "distribution": "q_log_uniform"}}},
     "parameters.learning_rate.distribution: 'q_log_uniform' has no Optuna equivalent"),
    ({"parameters": {"learning_rate": {"min": -9, "max": -2, "distribution": "log_uniform"}}},
     "parameters.learning_rate.distribution: 'log_uniform' has no Optuna equivalent"),
    ({"parameters": {"learning_rate": {"min": 1e-4, "max": 1e-2, "distribution": "wobbly"}}},
     "parameters.learning_rate.distribution: unknown distribution 'wobbly'"),
    ({"metric": {"goal": "minimize"}}, "metric.name: missing"),
    ({"metric": {"name": "accuracy"}}, "metric.name: 'accuracy' is not an evaluation metric"),
    ({"metric": {"name": "r_loss", "goal": "lower"}}, "metric.goal: 'lower' is not minimize or maximize"),
    ({"early_terminate": {"type": "hyperband", "eta": 3}}, "early_terminate.min_iter: missing"),
    ({"early_terminate": {"type": "median"}}, "early_terminate.type: 'median' is not supported"),
    ({"parameters": {"max_beta": {"min": 0.5, "max": 0.1}}}, "parameters.max_beta: min (0.5) is greater than max"),
    ({"parameters": {"z_size": {"min": 8.5, "max": 16}}}, "parameters.z_size: z_size is an integer setting"),
    ({"parameters": {"z_size": {"values": [8, "big"]}}}, "parameters.z_size.values[1]: expected an integer"),
    ({"parameters": {"data_fraction": {"min": 0.5, "max": 2.0}}}, "parameters.data_fraction.max: data_fraction"),
    ({"method": "grid"}, "parameters.learning_rate: grid search needs a finite set"),
    ({"method": "hyperopt"}, "method: 'hyperopt' is not one of"),
    ({"config": "cat-mel_99bar"}, "config: unknown config 'cat-mel_99bar'"),
    ({"paramters": {}}, "paramters: unknown key"),
]


@pytest.mark.parametrize(("change", "message"), BAD, ids=[m.split(":")[0] + "-" + str(i) for i, (_, m) in
                                                          enumerate(BAD)])
def test_each_invalid_file_names_the_key_path(change, message):
    errors = _errors(_file(**change))
    assert any(e.startswith(message) for e in errors), errors


def test_every_error_is_reported_at_once():
    errors = _errors({"method": "bayes", "metric": {"goal": "up"},
                      "early_terminate": {"type": "hyperband"},
                      "parameters": {"warp_drive": {"value": 1}, "max_beta": {"min": 1, "max": 0.5},
                                     "free_bits": {"min": 0, "max": 9, "distribution": "beta"}}})
    paths = [e.split(":")[0] for e in errors]
    assert paths == ["metric.name", "metric.goal", "parameters.warp_drive", "parameters.max_beta",
                     "parameters.free_bits.distribution", "early_terminate.min_iter"]


def test_cli_reports_a_bad_file_and_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_file(parameters={"warp_drive": {"values": [1, 2]}})))
    assert cli.main(["sweep", str(path), "--data", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"segue sweep: error: {path}: 1 problem:")
    assert "parameters.warp_drive: unknown setting" in err
    assert not (tmp_path / "out").exists()  # nothing ran


# --- running ------------------------------------------------------------------------------------------

def test_a_random_sweep_runs_end_to_end_through_the_cli(synthetic_data, tmp_path, capsys):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(_file(parameters={**TINY, "learning_rate": {
        "min": 1e-4, "max": 1e-2, "distribution": "log_uniform_values"}})))
    out = tmp_path / "sweep"
    rc = cli.main(["sweep", str(path), "--data", str(synthetic_data), "--out", str(out), "--count", "2"])
    stdout = capsys.readouterr().out
    assert rc == 0
    assert (out / "sweep.db").is_file()
    assert (out / "trial-000" / "model.safetensors").is_file() and (out / "trial-001" / "model.safetensors").is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["trials"] == {"complete": 2} and summary["study"] == "tiny"
    best = summary["best"]
    assert best["number"] in (0, 1) and np.isfinite(best["value"])
    assert 1e-4 <= best["params"]["learning_rate"] <= 1e-2
    assert best["settings"]["enc_rnn_size"] == [8] and best["settings"]["steps"] == 2
    assert summary["importances"] is not None or "importances" in summary["importances_note"]
    assert f"best trial: #{best['number']}" in stdout and str(out / "summary.json") in stdout
    rows = [json.loads(line) for line in (out / "trial-000" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if r["split"] == "valid"] == [1, 2]  # eval_every=1: two reports


def test_a_grid_sweep_runs_every_value_across_two_sittings(synthetic_data, tmp_path, capsys, monkeypatch):
    real_import = builtins.__import__
    monkeypatch.setattr(builtins, "__import__", lambda name, *a, **k: (_ for _ in ()).throw(ImportError(name))
                        if name == "wandb" else real_import(name, *a, **k))
    s = sf.parse_sweep(_file(method="grid", wandb=True, parameters={**TINY, "max_beta": {"values": [0.1, 0.3]}}),
                       "grid")
    out = tmp_path / "grid"
    first = sw.run_sweep(s, synthetic_data, out, count=1)  # one machine, one trial
    assert first["trials"] == {"complete": 1}
    assert "wandb is not installed" in capsys.readouterr().out
    summary = sw.run_sweep(s, synthetic_data, out)  # joins the same study and finishes the grid
    assert summary["trials"] == {"complete": 2}
    study = optuna.load_study(study_name="grid", storage=f"sqlite:///{out / 'sweep.db'}")
    assert sorted(t.params["max_beta"] for t in study.trials) == [0.1, 0.3]
    assert {p.name for p in out.iterdir() if p.name.startswith("trial-")} == {"trial-000", "trial-001"}


def test_random_and_bayes_need_a_trial_count(synthetic_data, tmp_path):
    with pytest.raises(InputError, match="run_cap.*--count"):
        sw.run_sweep(sf.parse_sweep(_file(parameters={**TINY, "max_beta": {"min": 0.1, "max": 0.3}})),
                     synthetic_data, tmp_path)


def test_a_new_study_refuses_an_out_with_old_trials_and_missing_data_is_named(synthetic_data, tmp_path):
    s = sf.parse_sweep(_file(run_cap=1, parameters={**TINY, "max_beta": {"min": 0.1, "max": 0.3}}))
    (tmp_path / "trial-000").mkdir()
    (tmp_path / "trial-000" / "state.safetensors").write_bytes(b"")
    with pytest.raises(InputError, match="holds trial folders of another study"):
        sw.run_sweep(s, synthetic_data, tmp_path)
    with pytest.raises(InputError, match="no windows file"):
        sw.run_sweep(s, tmp_path / "nowhere", tmp_path / "out")


# --- pruning ------------------------------------------------------------------------------------------

def test_hyperband_prunes_a_trial_that_reports_a_bad_metric():
    """The report callback of each (fake) trial gets r_loss after each evaluation; trials 0-5
    learn, trial 6 does not: the pruner stops it, and the callback asks train to stop."""
    s = sf.parse_sweep(_file(early_terminate={"type": "hyperband", "min_iter": 1, "eta": 3}), "prune")
    study = optuna.create_study(study_name="prune", direction=s.direction, pruner=s.pruner(),
                                sampler=s.sampler())
    stops = {}

    def objective(trial):
        reporter = sw.Reporter(trial, s.metric)
        bad = trial.number == 6
        for evaluation in range(1, 10):
            value = 50.0 if bad else 10.0 / evaluation + trial.number * 0.01
            if reporter(evaluation * 100, {"r_loss": value, "kl_bits": 1.0}):  # what train() calls
                stops[trial.number] = evaluation
                break
        reporter.check()  # raises TrialPruned after a stop
        return reporter.last

    study.optimize(objective, n_trials=7)
    states = [t.state for t in study.trials]
    assert states[6] == optuna.trial.TrialState.PRUNED and 6 in stops
    assert study.trials[6].last_step == stops[6] < 9
    assert states[0] == optuna.trial.TrialState.COMPLETE
    summary = sw.summarize(study, s, "memory")
    assert summary["trials"]["pruned"] >= 1 and summary["best"]["number"] != 6


def test_too_few_trials_for_importances_is_a_note():
    s = sf.parse_sweep(_file(), "one")
    study = optuna.create_study(study_name="one", direction="minimize", sampler=s.sampler())
    study.optimize(lambda t: s.settings(t)["learning_rate"], n_trials=1)
    summary = sw.summarize(study, s, "sqlite:///x.db")
    assert summary["importances"] is None and "at least 2 completed trials" in summary["importances_note"]
    assert "at least 2 completed trials" in sw.format_summary(summary)
