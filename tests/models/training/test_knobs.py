"""Knob calibration: the scales, the directions, and a whole calibration on a tiny model, saved
and read back, also through `segue attributes --fit`."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from segue.models.attributes import ATTRIBUTES
from segue.models.fidelity import KnobScale
from segue.models.inference import LatentModel
from segue.models.training import knobs
from segue.models.training.windows import load_windows


@pytest.fixture(scope="module")
def data(synthetic_windows, tmp_path_factory):
    return synthetic_windows(tmp_path_factory.mktemp("windows"), 600, 40, 40)


def test_knob_scales_are_the_attributes_spread_and_range(data):
    tokens = np.asarray(load_windows(data, "melody", 2, "train"))[..., 0]
    scales = knobs.knob_scales(tokens, ["note_density"])
    values = ATTRIBUTES["note_density"](tokens)
    assert scales["note_density"].std == pytest.approx(values.std())
    assert scales["note_density"].lo == pytest.approx(np.percentile(values, 2))
    assert scales["note_density"].hi == pytest.approx(np.percentile(values, 98))


def test_one_unit_along_a_direction_is_one_standard_deviation_of_the_attribute():
    rng = np.random.default_rng(0)
    mu = torch.as_tensor(rng.normal(size=(400, 6)), dtype=torch.float32)
    tokens = np.zeros((400, 32), dtype=np.int64)
    count = np.clip(np.round(8 + 4 * mu[:, 2].numpy()), 1, 31).astype(int)  # density follows mu[:, 2]
    for row, n in enumerate(count):
        tokens[row, :n] = 40
    found = knobs.directions(mu, tokens, "note_density", ridge=1e-3)
    sigma = ATTRIBUTES["note_density"](tokens).std()
    x = (mu - mu.mean(0)).double()
    w = torch.linalg.lstsq(x, torch.as_tensor(ATTRIBUTES["note_density"](tokens) - 0.0).double()[:, None]).solution
    predicted = float(found["ridge"].double() @ w[:, 0])  # the linear fit's change along one unit
    assert predicted == pytest.approx(sigma, rel=0.05)
    assert abs(found["ridge"][2]) > 5 * abs(found["ridge"][[0, 1, 3, 4, 5]]).max()  # along the coordinate that matters
    assert found["quartiles"][2] > 0


def test_a_calibration_is_installed_saved_and_read_back(tiny_model, data, tmp_path):
    model = tiny_model(seed=2)
    train = np.asarray(load_windows(data, "melody", 2, "train"))
    valid = np.asarray(load_windows(data, "melody", 2, "valid"))[:16]
    vectors, scales, rows = knobs.calibrate(model, train, valid, names=["note_density", "c_diatonic"],
                                            scales=(1.0, 2.0), candidates=2)
    assert set(vectors) == {"note_density", "c_diatonic"} and [r.name for r in rows] == ["note_density", "c_diatonic"]
    assert all(r.scale in (1.0, 2.0) and r.direction == "quartiles" for r in rows)
    assert "knobs" not in model.meta.training  # calibrating changes nothing until installed
    knobs.install(model, vectors, scales, rows)
    path = model.save(tmp_path / "calibrated.safetensors")
    back = LatentModel.load(path, device="cpu")
    assert KnobScale.of(back) == scales
    facts = back.meta.training["knobs"]["note_density"]
    assert facts["weak"] == rows[0].weak and facts["spearman"] == pytest.approx(rows[0].effect.spearman, abs=1e-4)
    assert torch.allclose(back.attributes["note_density"], vectors["note_density"])
    table = knobs.calibration_table(rows)
    assert "| note_density | quartiles |" in table


def test_segue_attributes_fit_calibrates_and_never_overwrites_the_model(tiny_model, data, tmp_path, capsys):
    from segue.engine.cli import main

    src = tiny_model(seed=5).save(tmp_path / "m.safetensors")
    before = src.read_bytes()
    out = tmp_path / "fitted.safetensors"
    code = main(["attributes", "--model", str(src), "--data", str(data), "--windows", "8", "--fit", str(out),
                 "--fit-windows", "256", "--fit-valid", "8", "--candidates", "2"])
    text = capsys.readouterr().out
    assert code == 0
    assert "Spearman (validation)" in text and "Spearman (within a window)" in text and "empty or one note" in text
    assert set(KnobScale.of(LatentModel.load(out, device="cpu"))) == set(ATTRIBUTES)
    assert main(["attributes", "--model", str(src), "--data", str(data), "--fit", str(src)]) != 0
    assert src.read_bytes() == before
