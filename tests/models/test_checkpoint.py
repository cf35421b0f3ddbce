"""Checkpoints load without pickle and say exactly what is wrong with a bad file."""

import json

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from segue.models.checkpoint import FORMAT_VERSION, _digest, load_checkpoint, save_checkpoint
from segue.models.configs import CONFIGS
from segue.models.errors import CheckpointError
from segue.models.musicvae import MusicVAE


@pytest.fixture
def saved(tmp_path):
    model = MusicVAE(CONFIGS["cat-mel_2bar_small"].scaled(8))
    return save_checkpoint(tmp_path / "m.safetensors", model, training={"steps": 1}, licence="CC0"), model


def _rewrite(path, out, tensors=None, meta_edit=None, rehash=False):
    """Copy a checkpoint with edits; ``rehash`` recomputes the checksum, as a careful forger
    would, so that the later checks (names, shapes) are the ones that speak."""
    with safe_open(str(path), "pt") as f:
        meta = json.loads(f.metadata()["segue"])
        data = {k: f.get_tensor(k) for k in f.keys()}
    if tensors:
        tensors(data)
    if meta_edit:
        meta_edit(meta)
    if rehash:
        meta["tensor_sha256"] = _digest(data)
    save_file(data, str(out), metadata={"segue": json.dumps(meta)})
    return out


def test_round_trip_keeps_config_representation_and_facts(saved):
    path, model = saved
    loaded, attributes, meta = load_checkpoint(path)
    assert meta.config == model.config and meta.format_version == FORMAT_VERSION
    assert meta.training == {"steps": 1} and meta.licence == "CC0"
    assert loaded.representation.to_dict() == model.representation.to_dict()
    for (k, a), b in zip(model.state_dict().items(), loaded.state_dict().values()):
        assert torch.equal(a, b), k
    assert attributes == {}


def test_the_file_is_plain_safetensors_with_json_metadata(saved):
    path, _ = saved
    raw = path.read_bytes()
    header_len = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + header_len])
    meta = json.loads(header["__metadata__"]["segue"])
    assert meta["config"]["name"] == "cat-mel_2bar_small"
    assert meta["representation"]["kind"] == "melody"
    assert b"pickle" not in raw[: 8 + header_len]


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "nope.safetensors")


@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_truncated_file(saved, tmp_path, keep):
    path, _ = saved
    raw = path.read_bytes()
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(raw[: int(len(raw) * keep)])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        load_checkpoint(cut)


def test_garbage_and_pickles_are_refused(tmp_path):
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x80\x04\x95 this is a pickle, not a checkpoint" * 10)
    with pytest.raises(CheckpointError, match="not a readable safetensors"):
        load_checkpoint(junk)


def test_flipped_byte_fails_the_checksum(saved, tmp_path):
    path, _ = saved
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0xFF  # inside the last tensor's data
    bad = tmp_path / "flip.safetensors"
    bad.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="checksum"):
        load_checkpoint(bad)


def test_not_a_segue_checkpoint(tmp_path):
    other = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(2)}, str(other))
    with pytest.raises(CheckpointError, match="not a Segue checkpoint"):
        load_checkpoint(other)


def test_newer_format_version(saved, tmp_path):
    path, _ = saved
    out = _rewrite(path, tmp_path / "v9.safetensors", meta_edit=lambda m: m.update(format_version=9))
    with pytest.raises(CheckpointError, match="format version 9"):
        load_checkpoint(out)


def test_mismatched_shape_is_named(saved, tmp_path):
    path, _ = saved
    out = _rewrite(path, tmp_path / "shape.safetensors", rehash=True,
                   meta_edit=lambda m: m["config"].update(dec_rnn_size=[16, 16]))
    with pytest.raises(CheckpointError, match=r"decoder\.heads\.0\.z_to_initial_state\.weight has shape"):
        load_checkpoint(out)


def test_missing_tensor_is_named(saved, tmp_path):
    path, _ = saved
    out = _rewrite(path, tmp_path / "drop.safetensors", rehash=True,
                   tensors=lambda data: data.pop("model.encoder.mu.bias"))
    with pytest.raises(CheckpointError, match=r"missing \['encoder\.mu\.bias'\]"):
        load_checkpoint(out)


def test_unknown_config_field(saved, tmp_path):
    path, _ = saved
    out = _rewrite(path, tmp_path / "cfg.safetensors",
                   meta_edit=lambda m: m["config"].update(warp_drive=True))
    with pytest.raises(CheckpointError, match="warp_drive"):
        load_checkpoint(out)


def test_save_never_leaves_a_partial_file(saved):
    path, _ = saved
    assert not path.with_name(path.name + ".partial").exists()
