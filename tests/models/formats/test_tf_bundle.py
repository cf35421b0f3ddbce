"""TF checkpoints: the numpy reader against fixtures TensorFlow wrote, and their mapping onto Segue.

The fixtures under tests/fixtures/tf/ were written by TensorFlow 2.21 (``make_fixtures.py`` there);
``expected.json`` holds what ``tf.train.load_checkpoint`` read back from each: dtype, shape, the
sha256 of the values' bytes and, for small tensors, the values. No test here needs TensorFlow,
except those marked ``tensorflow`` (``pip install tensorflow-cpu`` then ``pytest -m tensorflow``),
which check the reader against TF itself, and skip without it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import struct
import subprocess
import sys
import tarfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from segue.engine import cli
from segue.models.configs import get_config
from segue.models.errors import CheckpointError
from segue.models.formats import magenta_tf, tf_bundle
from segue.models.formats.magenta_tf import list_tf_checkpoint, load_tf_checkpoint, read_tf_checkpoint
from segue.models.formats.tf_bundle import TFCheckpoint, crc32c, is_tf_checkpoint, mask_crc, unmask_crc
from segue.models.inference import LatentModel
from segue.models.loading import open_model
from segue.models.notes import Note, NoteSequence, Track

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tf"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())["fixtures"]
NUMPY_NAME = {"bfloat16": "float32"}  # the reader widens bfloat16 exactly to float32


def _canonical(value: np.ndarray, string: bool) -> bytes:
    """As make_fixtures.py: little-endian C-order bytes, or (8-byte length, bytes) per string."""
    if string:
        return b"".join(struct.pack("<Q", len(v)) + v for v in np.asarray(value, dtype=object).reshape(-1))
    arr = np.ascontiguousarray(value)
    return arr.astype(arr.dtype.newbyteorder("<")).tobytes()


def _expected_array(entry: dict) -> np.ndarray:
    raw = base64.b64decode(entry["b64"])
    if entry["dtype"] == "string":
        out, pos = [], 0
        while pos < len(raw):
            n = struct.unpack_from("<Q", raw, pos)[0]
            out.append(raw[pos + 8 : pos + 8 + n])
            pos += 8 + n
        arr = np.empty(len(out), dtype=object)
        arr[:] = out
        return arr.reshape(entry["shape"])
    dtype = np.dtype(NUMPY_NAME.get(entry["dtype"], entry["dtype"])).newbyteorder("<")
    return np.frombuffer(raw, dtype=dtype).reshape(entry["shape"])


def _fixture(name: str) -> Path:
    return FIXTURES / EXPECTED[name]["path"]


def _copy_bundle(src_prefix: Path, dst_prefix: Path, data: bool = True) -> None:
    dst_prefix.parent.mkdir(parents=True, exist_ok=True)
    for f in src_prefix.parent.glob(src_prefix.name + ".*"):
        if data or f.name.endswith(".index"):
            shutil.copy(f, dst_prefix.parent / (dst_prefix.name + f.name[len(src_prefix.name) :]))


# --- crc32c --------------------------------------------------------------------------------------

def test_crc32c_known_values():
    assert crc32c(b"") == 0
    assert crc32c(b"123456789") == 0xE3069283
    # RFC 3720 (iSCSI) appendix B.4
    assert crc32c(bytes(32)) == 0x8A9136AA
    assert crc32c(b"\xff" * 32) == 0x62A8AB43
    assert crc32c(bytes(range(32))) == 0x46DD794E
    assert crc32c(bytes(range(31, -1, -1))) == 0x113FDB5C


@pytest.mark.parametrize("n", [4, 5, 63, 64, 1000, 4095, 4096, 4097, 65536, 100_003, 1 << 20])
def test_numpy_crc32c_matches_the_bytewise_one(n):
    data = np.random.default_rng(n).integers(0, 256, n, dtype=np.uint8).tobytes()
    c = 0xFFFFFFFF
    for b in data:
        c = tf_bundle._T0_LIST[(c ^ b) & 0xFF] ^ (c >> 8)
    assert tf_bundle._crc32c_numpy(data) == crc32c(data) == c ^ 0xFFFFFFFF


def test_mask_roundtrip():
    for c in (0, 1, 0xE3069283, 0xFFFFFFFF, 0xA282EAD8):
        assert unmask_crc(mask_crc(c)) == c
    assert mask_crc(0) == 0xA282EAD8


# --- every fixture, bit for bit ------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_reads_bit_identical(name):
    expected = EXPECTED[name]["tensors"]
    got = read_tf_checkpoint(_fixture(name))
    listing = list_tf_checkpoint(_fixture(name))
    assert sorted(got) == sorted(expected) == list(listing)
    for tensor, entry in expected.items():
        value = got[tensor]
        string = entry["dtype"] == "string"
        assert listing[tensor] == (entry["dtype"], tuple(entry["shape"])), tensor
        assert list(value.shape) == entry["shape"], tensor
        if string:
            assert value.dtype == object
        else:
            assert value.dtype == np.dtype(NUMPY_NAME.get(entry["dtype"], entry["dtype"])), tensor
            assert value.dtype.isnative and value.flags.writeable
        assert hashlib.sha256(_canonical(value, string)).hexdigest() == entry["sha256"], tensor
        if "b64" in entry:
            want = _expected_array(entry)
            if string:
                assert value.tolist() == want.tolist()
            else:
                assert value.tobytes() == want.astype(want.dtype.newbyteorder("=")).tobytes(), tensor


def test_dtypes_fixture_holds_what_make_fixtures_wrote():
    got = read_tf_checkpoint(_fixture("dtypes"))
    assert got["i64"].tolist() == [-(2**62), -1, 0, 2**40 + 3]
    assert got["u64"].tolist() == [0, 2**64 - 1]
    assert got["bool"].tolist() == [[True, False, True], [False, False, True]]
    assert got["scalar_i64"].shape == () and int(got["scalar_i64"]) == 42
    assert got["empty_0x3"].shape == (0, 3)
    assert got["str"].tolist() == [[b"", b"a"], [b"bytes \x00\xff", "h\u00e9llo".encode()]]
    assert got["str_scalar"].item() == b"just one"
    assert got["str_long"].tolist() == [b"x" * 300, b"yz"]
    special = got["f32_special"]
    assert np.isposinf(special[0]) and np.isneginf(special[1]) and np.isnan(special[2])
    assert np.signbit(special[3]) and special[3] == 0
    # bfloat16 keeps the top 16 bits of the float32 it was cast from (TF rounds to nearest even)
    f32 = got["f32"]
    assert np.all(np.abs(got["bf16"] - f32) <= np.abs(f32) * 2.0**-8)
    assert np.all(got["bf16"].view(np.uint32) & 0xFFFF == 0)


def test_snappy_blocks_and_several_data_blocks_read_like_the_plain_index():
    with TFCheckpoint(_fixture("snappy")) as snappy, TFCheckpoint(_fixture("dtypes")) as plain:
        assert snappy.data_blocks > 1 and plain.data_blocks == 1
        a, b = snappy.read_all(), plain.read_all()
    assert a.keys() == b.keys()
    for k in a:
        assert _canonical(a[k], a[k].dtype == object) == _canonical(b[k], b[k].dtype == object)


def test_big_endian_bundle_reads_as_the_little_endian_one():
    with TFCheckpoint(_fixture("bigendian")) as ckpt:
        assert ckpt.big_endian
        big = ckpt.read_all()
    little = read_tf_checkpoint(_fixture("dtypes"))
    assert len(big) == 19
    for k, v in big.items():
        assert v.dtype.isnative and v.dtype == little[k].dtype
        assert v.tobytes() == little[k].tobytes(), k


def test_sharded_bundle_and_partitioned_variable():
    with TFCheckpoint(_fixture("sharded")) as ckpt:
        assert ckpt.num_shards == 2
        assert {e.shard for e in ckpt._entries.values()} | {e.shard for e in ckpt._slices.values()} == {0, 1}
        assert ckpt.entries["part/emb"] == ("float32", (7, 4))  # slices are not listed
        assert len(ckpt._entries["part/emb"].slices) == 2
        emb = ckpt.read("part/emb")
    assert emb.shape == (7, 4)
    assert sorted(list_tf_checkpoint(_fixture("sharded"))) == ["dev0/weights", "dev1/bias", "dev1/counts", "part/emb"]


def test_tf2_checkpoint_keys_and_object_graph():
    got = read_tf_checkpoint(_fixture("tf2"))
    assert "_CHECKPOINTABLE_OBJECT_GRAPH" in got
    assert got["_CHECKPOINTABLE_OBJECT_GRAPH"].dtype == object
    assert int(got["step/.ATTRIBUTES/VARIABLE_VALUE"]) == 7
    assert got["dense/kernel/.ATTRIBUTES/VARIABLE_VALUE"].shape == (3, 2)


def test_names_subset_and_missing_name():
    got = read_tf_checkpoint(_fixture("flat_mel"), names=["global_step", "encoder/mu/kernel"])
    assert sorted(got) == ["encoder/mu/kernel", "global_step"]
    assert int(got["global_step"]) == 1
    with pytest.raises(CheckpointError, match="no tensor 'nope'"):
        read_tf_checkpoint(_fixture("flat_mel"), names=["nope"])


def test_list_needs_only_the_index(tmp_path):
    _copy_bundle(FIXTURES / "small/model.ckpt", tmp_path / "m.ckpt", data=False)
    assert list_tf_checkpoint(tmp_path / "m.ckpt") == {"a": ("float32", (3, 4)), "b": ("int64", (5,))}
    with pytest.raises(CheckpointError, match=r"data shard m.ckpt.data-00000-of-00001 is missing"):
        read_tf_checkpoint(tmp_path / "m.ckpt")


def test_missing_second_shard_is_named(tmp_path):
    _copy_bundle(FIXTURES / "sharded/model.ckpt", tmp_path / "model.ckpt")
    (tmp_path / "model.ckpt.data-00001-of-00002").unlink()
    with pytest.raises(CheckpointError, match=r"model.ckpt.data-00001-of-00002 is missing \(the index names 2"):
        read_tf_checkpoint(tmp_path / "model.ckpt")


# --- paths and tars ------------------------------------------------------------------------------

def test_every_way_of_naming_a_bundle(tmp_path):
    prefix = FIXTURES / "small/model.ckpt"
    want = read_tf_checkpoint(prefix)
    for path in (prefix, Path(f"{prefix}.index"), Path(f"{prefix}.data-00000-of-00001")):
        assert is_tf_checkpoint(path)
        got = read_tf_checkpoint(path)
        assert all(got[k].tobytes() == want[k].tobytes() for k in want)
    # a folder: its `checkpoint` state file, else its only .index
    _copy_bundle(prefix, tmp_path / "run" / "model.ckpt-7")
    assert read_tf_checkpoint(tmp_path / "run")["a"].tobytes() == want["a"].tobytes()
    _copy_bundle(prefix, tmp_path / "run" / "model.ckpt-9")
    with pytest.raises(CheckpointError, match="several checkpoints"):
        read_tf_checkpoint(tmp_path / "run")
    (tmp_path / "run" / "checkpoint").write_text('model_checkpoint_path: "model.ckpt-9"\n'
                                                 'all_model_checkpoint_paths: "model.ckpt-7"\n')
    with TFCheckpoint(tmp_path / "run") as ckpt:
        assert ckpt.prefix.endswith("model.ckpt-9")
    assert not is_tf_checkpoint(tmp_path / "run") and not is_tf_checkpoint(tmp_path / "nothing")


def test_tar_reads_like_its_extracted_files(tmp_path):
    with tarfile.open(FIXTURES / "drums.tar") as tar:
        assert sorted(tar.getnames()) == ["drums.ckpt.data-00000-of-00001", "drums.ckpt.index"]
        for member in tar.getmembers():
            (tmp_path / member.name).write_bytes(tar.extractfile(member).read())
    from_tar = read_tf_checkpoint(FIXTURES / "drums.tar")
    extracted = read_tf_checkpoint(tmp_path / "drums.ckpt")
    assert from_tar.keys() == extracted.keys() and len(from_tar) == 15
    assert all(from_tar[k].tobytes() == extracted[k].tobytes() for k in from_tar)
    # gzip-compressed, with the bundle in a sub-folder, other members around it
    tgz = tmp_path / "x.tgz"
    with tarfile.open(tgz, "w:gz") as out:
        out.add(tmp_path / "drums.ckpt.data-00000-of-00001", "sub/drums.ckpt.data-00000-of-00001")
        out.add(FIXTURES / "expected.json", "sub/README")
        out.add(tmp_path / "drums.ckpt.index", "sub/drums.ckpt.index")
    assert is_tf_checkpoint(tgz)
    gz = read_tf_checkpoint(tgz)
    assert all(gz[k].tobytes() == from_tar[k].tobytes() for k in from_tar)


def test_tar_without_an_index(tmp_path):
    bad = tmp_path / "v1.tar"
    with tarfile.open(bad, "w") as out:
        out.add(FIXTURES / "v1/model.ckpt", "model.ckpt")
    with pytest.raises(CheckpointError, match=r"no \.index file.*V1 checkpoint"):
        read_tf_checkpoint(bad)
    broken = tmp_path / "broken.tar"
    broken.write_bytes((FIXTURES / "drums.tar").read_bytes()[:700])
    with pytest.raises(CheckpointError):
        read_tf_checkpoint(broken)


# --- errors --------------------------------------------------------------------------------------

def test_flipped_data_byte_fails_the_crc_of_that_tensor_only():
    path = FIXTURES / "corrupt/flipped_data.ckpt"
    with pytest.raises(CheckpointError, match=r"crc32c mismatch in tensor 'a'.*corrupt"):
        read_tf_checkpoint(path)
    with TFCheckpoint(path) as ckpt:
        assert ckpt.read("b").tolist() == [0, 1000, 2000, 3000, 4000]
    unchecked = read_tf_checkpoint(path, verify=False)["a"]
    good = read_tf_checkpoint(FIXTURES / "small/model.ckpt")["a"]
    assert (unchecked != good).sum() == 1


@pytest.mark.parametrize(("read", "name", "message"), [
    (list_tf_checkpoint, "corrupt/flipped_index.ckpt", r"corrupt index: crc mismatch in the data block at offset 0"),
    (read_tf_checkpoint, "corrupt/truncated_data.ckpt",
     r"truncated: tensor 'b' needs bytes 48\.\.88 but the file has 60"),
    (read_tf_checkpoint, "corrupt/truncated_index.ckpt", r"truncated, or not a TF checkpoint index"),
    (read_tf_checkpoint, "v1/model.ckpt", r"V1 checkpoint \(the pre-1\.0 format"),
    (read_tf_checkpoint, "v1", r"no \.index file in this folder.*V1"),
], ids=["flipped-index", "truncated-data", "truncated-index", "v1", "v1-folder"])
def test_a_bad_fixture_is_refused_with_the_reason(read, name, message):
    with pytest.raises(CheckpointError, match=message):
        read(FIXTURES / name)


def test_tiny_and_garbled_indexes(tmp_path):
    (tmp_path / "a.index").write_bytes(b"\0" * 20)
    with pytest.raises(CheckpointError, match="truncated: 20 bytes"):
        read_tf_checkpoint(tmp_path / "a.index")
    index = bytearray((FIXTURES / "small/model.ckpt.index").read_bytes())
    index[-48:-8] = bytes([0, 8, 0x88, 0x27, 50]).ljust(40, b"\0")  # index block handle: offset 5000
    (tmp_path / "b.index").write_bytes(bytes(index))
    with pytest.raises(CheckpointError, match="truncated or corrupt index"):
        read_tf_checkpoint(tmp_path / "b.index")


def test_a_v1_checkpoint_is_no_tf_checkpoint():
    assert not is_tf_checkpoint(FIXTURES / "v1/model.ckpt")


def test_v1_table_named_as_an_index(tmp_path):
    shutil.copy(FIXTURES / "v1/model.ckpt", tmp_path / "model.ckpt.index")
    with pytest.raises(CheckpointError, match=r"V1 checkpoint table"):
        read_tf_checkpoint(tmp_path / "model.ckpt.index")


def test_not_a_checkpoint(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(CheckpointError, match="not a TensorFlow checkpoint"):
        read_tf_checkpoint(tmp_path / "notes.txt")
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        read_tf_checkpoint(tmp_path / "missing")


def test_snappy_decoder_overlapping_copy_and_errors():
    # "ab" as a literal, then a 6-byte copy at offset 2 -> "abababab"
    assert tf_bundle._snappy(b"\x08\x04ab\x09\x02") == b"abababab"
    with pytest.raises(tf_bundle._Corrupt, match="offset"):
        tf_bundle._snappy(b"\x08\x04ab\x09\x05")
    with pytest.raises(tf_bundle._Corrupt, match="header says"):
        tf_bundle._snappy(b"\x09\x04ab\x09\x02")


def test_ordered_code_slice_keys():
    # the example in shared/reference/tf-checkpoint.md: part/emb[4:7, :]
    assert tf_bundle._slice_key(b"\x00part/emb\x00\x01\x01\x02\x84\x83\x80\x84") == ("part/emb", ((4, 3), (0, 4)))
    assert tf_bundle._ordered_signed(b"\x7f", 0) == (-1, 1)
    assert tf_bundle._ordered_signed(b"\xc0\x40", 0) == (64, 2)
    assert tf_bundle._ordered_signed(b"\x3f\x9c", 0) == (-100, 2)


def test_reader_imports_neither_torch_nor_tensorflow():
    code = ("import sys, segue.models.formats.tf_bundle as t; t.read_bundle(sys.argv[1]); "
            "print(sorted(m for m in ('torch', 'tensorflow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(_fixture("flat_mel"))],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- onto Segue's networks -----------------------------------------------------------------------

def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _tf_lstm(xs: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """TF's LSTMBlockCell (gates i, j, f, o; forget bias 1.0) over xs [T, in] -> h [T, H], float64."""
    hidden = bias.shape[0] // 4
    h, c, out = np.zeros(hidden), np.zeros(hidden), []
    for x in xs:
        i, j, f, o = np.split(np.concatenate([x, h]) @ kernel + bias, 4)
        c = _sigmoid(i) * np.tanh(j) + c * _sigmoid(f + 1.0)
        h = np.tanh(c) * _sigmoid(o)
        out.append(h)
    return np.array(out)


def _tf_mu(weights: dict[str, np.ndarray], xs: np.ndarray, layers: int) -> np.ndarray:
    """mu of Magenta's stacked bidirectional encoder, computed from the TF variables directly."""
    w = {k: v.astype(np.float64) for k, v in weights.items() if v.dtype == np.float32}
    for layer in range(layers):
        cell = f"encoder/cell_{layer}/bidirectional_rnn/{{}}/multi_rnn_cell/cell_0/lstm_cell/"
        fw = _tf_lstm(xs, w[cell.format("fw") + "kernel"], w[cell.format("fw") + "bias"])
        bw = _tf_lstm(xs[::-1], w[cell.format("bw") + "kernel"], w[cell.format("bw") + "bias"])[::-1]
        final = np.concatenate([fw[-1], bw[0]])
        xs = np.concatenate([fw, bw], axis=1)
    return final @ w["encoder/mu/kernel"] + w["encoder/mu/bias"]


def _check_lstm(state, prefix: str, suffix: str, kernel: np.ndarray, bias: np.ndarray) -> None:
    """Segue's nn.LSTM weights are TF's kernel transposed, gate blocks (i, j, f, o) -> (i, f, j, o),
    with the forget bias 1.0 folded into bias_ih; bit for bit."""
    hidden = bias.shape[0] // 4
    inputs = kernel.shape[0] - hidden
    i, j, f, o = np.split(kernel.T, 4)
    w = np.concatenate([i, f, j, o])
    bi, bj, bf, bo = np.split(bias, 4)
    assert np.array_equal(state[f"{prefix}weight_ih{suffix}"].numpy(), w[:, :inputs])
    assert np.array_equal(state[f"{prefix}weight_hh{suffix}"].numpy(), w[:, inputs:])
    assert np.array_equal(state[f"{prefix}bias_ih{suffix}"].numpy(), np.concatenate([bi, bf + np.float32(1), bj, bo]))
    assert not state[f"{prefix}bias_hh{suffix}"].numpy().any()


def _melody_clip(bars: int) -> NoteSequence:
    rng = np.random.default_rng(bars)
    notes = [Note(int(rng.integers(48, 84)), 0.5 * k, 0.5, 90) for k in range(bars * 8)]
    return NoteSequence([Track(notes, program=0)])


def test_flat_melody_maps_onto_segue():
    path = _fixture("flat_mel")
    tf_values = read_tf_checkpoint(path)
    model = load_tf_checkpoint(path, device="cpu")
    c = model.config
    assert (c.encoder, c.decoder, c.enc_rnn_size, c.dec_rnn_size, c.z_size, c.max_seq_len) == (
        "bidirectional", "flat", (5,), (4, 4), 3, 32)
    assert model.representation.to_dict()["kind"] == "melody"
    assert (model.representation.min_pitch, model.representation.max_pitch) == (21, 108)
    state = model.model.state_dict()
    assert np.array_equal(state["encoder.mu.weight"].numpy(), tf_values["encoder/mu/kernel"].T)  # [3, 10]
    assert np.array_equal(state["encoder.mu.bias"].numpy(), tf_values["encoder/mu/bias"])
    assert np.array_equal(state["encoder.sigma.weight"].numpy(), tf_values["encoder/sigma/kernel"].T)
    assert np.array_equal(state["decoder.heads.0.output_projection.weight"].numpy(),
                          tf_values["decoder/output_projection/kernel"].T)
    assert np.array_equal(state["decoder.heads.0.z_to_initial_state.weight"].numpy(),
                          tf_values["decoder/z_to_initial_state/kernel"].T)
    enc = "encoder/cell_0/bidirectional_rnn/{}/multi_rnn_cell/cell_0/lstm_cell/"
    _check_lstm(state, "encoder.core.layers.0.", "_l0", tf_values[enc.format("fw") + "kernel"],
                tf_values[enc.format("fw") + "bias"])
    _check_lstm(state, "encoder.core.layers.0.", "_l0_reverse", tf_values[enc.format("bw") + "kernel"],
                tf_values[enc.format("bw") + "bias"])
    for i in (0, 1):
        scope = f"decoder/multi_rnn_cell/cell_{i}/lstm_cell/"
        _check_lstm(state, f"decoder.heads.0.layers.{i}.", "_l0", tf_values[scope + "kernel"],
                    tf_values[scope + "bias"])

    facts = model.meta.training
    assert facts["global_step"] == 1
    assert "beta1_power" in facts["ignored_variables"] and "encoder/mu/kernel/Adam_1" in facts["ignored_variables"]
    assert "global_step" not in facts["ignored_variables"] and "sigma" not in facts

    # the network runs, and its mu is Magenta's encoder computed from the TF variables in numpy
    windows = torch.from_numpy(np.random.default_rng(0).integers(0, 90, (2, 32, 1)))
    mu, sigma = model.encode(windows)
    for b in range(2):
        xs = np.eye(90)[windows[b, :, 0].numpy()]
        np.testing.assert_allclose(mu[b].numpy(), _tf_mu(tf_values, xs, layers=1), rtol=1e-5, atol=1e-6)
    assert model.decode(mu).shape == (2, 32, 1)
    clip = model.encode_clip(_melody_clip(2))
    assert model.decode_clip(clip.mu).tracks


def test_hierdec_stacked_encoder_and_conductor_map_onto_segue():
    path = _fixture("hierdec_mel")
    tf_values = read_tf_checkpoint(path)
    model = load_tf_checkpoint(path, device="cpu")
    c = model.config
    assert (c.encoder, c.decoder, c.enc_rnn_size, c.dec_rnn_size, c.z_size, c.max_seq_len, c.num_segments) == (
        "bidirectional", "hierarchical", (5, 5), (4, 4), 3, 256, 16)
    assert model.meta.training["global_step"] == 1234
    state = model.model.state_dict()
    cell = "encoder/cell_1/bidirectional_rnn/bw/multi_rnn_cell/cell_0/lstm_cell/"
    _check_lstm(state, "encoder.core.layers.1.", "_l0_reverse", tf_values[cell + "kernel"], tf_values[cell + "bias"])
    for i in (0, 1):
        scope = f"decoder/hierarchical_level_0/cell_{i}/lstm_cell/"
        _check_lstm(state, f"decoder.conductor.{i}.", "_l0", tf_values[scope + "kernel"], tf_values[scope + "bias"])
    assert np.array_equal(state["decoder.initial_state.weight"].numpy(),
                          tf_values["decoder/hierarchical_level_0/initial_state/kernel"].T)
    assert np.array_equal(state["decoder.heads.0.output_projection.bias"].numpy(),
                          tf_values["core_decoder/decoder/output_projection/bias"])
    windows = torch.from_numpy(np.random.default_rng(1).integers(0, 90, (1, 256, 1)))
    mu, _ = model.encode(windows)
    np.testing.assert_allclose(mu[0].numpy(), _tf_mu(tf_values, np.eye(90)[windows[0, :, 0].numpy()], layers=2),
                               rtol=1e-5, atol=1e-6)
    assert model.decode(mu).shape == (1, 256, 1)


def test_hier_trio_maps_onto_segue():
    model = load_tf_checkpoint(_fixture("hier_trio"), device="cpu")
    c = model.config
    assert (c.encoder, c.decoder, c.enc_rnn_size, c.dec_rnn_size, c.z_size) == (
        "hierarchical", "hierarchical", (3,), (3,), 2)
    assert model.representation.to_dict() == {"kind": "trio", "pitch_table": "legacy"}
    assert "legacy (assumed" in model.meta.training["drum_pitch_table"]
    tf_values = read_tf_checkpoint(_fixture("hier_trio"))
    state = model.model.state_dict()
    assert np.array_equal(state["decoder.heads.2.output_projection.weight"].numpy(),
                          tf_values["core_decoder/core_decoder_2/decoder/output_projection/kernel"].T)
    cell = "encoder/hierarchical_level_1/cell_0/bidirectional_rnn/fw/multi_rnn_cell/cell_0/lstm_cell/"
    _check_lstm(state, "encoder.levels.1.layers.0.", "_l0", tf_values[cell + "kernel"], tf_values[cell + "bias"])
    windows = torch.zeros((1, 256, 3), dtype=torch.long)
    mu, _ = model.encode(windows)
    assert model.decode(mu).shape == (1, 256, 3)
    current = load_tf_checkpoint(_fixture("hier_trio"), device="cpu", pitch_table="current")
    assert current.representation.to_dict()["pitch_table"] == "current"


def test_drums_tar_maps_onto_segue():
    model = load_tf_checkpoint(FIXTURES / "drums.tar", device="cpu")
    c = model.config
    assert (c.encoder, c.decoder, c.z_size, c.max_seq_len, c.name) == ("bidirectional", "flat", 2, 32, "tf/drums")
    assert model.representation.to_dict() == {"kind": "drums", "pitch_table": "legacy"}
    assert model.meta.training["global_step"] == 200000
    mu, _ = model.encode(torch.zeros((1, 32, 1), dtype=torch.long))
    assert model.decode(mu).shape == (1, 32, 1)


def test_config_name_gives_window_and_hyperparameters():
    base = replace(get_config("hierdec-mel_16bar"), z_size=3, enc_rnn_size=(5, 5), dec_rnn_size=(4, 4),
                   max_seq_len=64, num_segments=4)
    model = load_tf_checkpoint(_fixture("hierdec_mel"), base, device="cpu")
    assert (model.config.max_seq_len, model.config.num_segments, model.config.free_bits) == (64, 4, 256.0)
    assert model.meta.training["config"].startswith("hierdec-mel_16bar")
    with pytest.raises(CheckpointError, match=r"does not match config 'hierdec-mel_16bar'.*z_size 3 \(config: 512\)"):
        load_tf_checkpoint(_fixture("hierdec_mel"), "hierdec-mel_16bar")
    with pytest.raises(CheckpointError, match=r"hierarchical decoder, config 'cat-mel_2bar_small' a flat"):
        load_tf_checkpoint(_fixture("hierdec_mel"), "cat-mel_2bar_small")
    with pytest.raises(CheckpointError, match="unknown config 'nope'"):
        load_tf_checkpoint(_fixture("hierdec_mel"), "nope")
    with pytest.raises(CheckpointError, match="pitch_table"):
        load_tf_checkpoint(_fixture("hierdec_mel"), pitch_table="mine")


def test_a_file_named_after_a_config_of_other_sizes_keeps_the_defaults(tmp_path):
    _copy_bundle(FIXTURES / "flat_mel/model.ckpt-1", tmp_path / "cat-mel_2bar_big.ckpt")
    model = load_tf_checkpoint(tmp_path / "cat-mel_2bar_big.ckpt", device="cpu")
    assert model.config.name == "tf/cat-mel_2bar_big"
    assert "the file name suggests 'cat-mel_2bar_big' but the sizes differ" in model.meta.training["notes"][0]


ENC = "encoder/cell_0/bidirectional_rnn/fw/multi_rnn_cell/cell_0/lstm_cell/"


@pytest.mark.parametrize(("shapes", "message"), [
    ({ENC + "kernel": (27 + 4, 16), ENC + "bias": (16,), "decoder/output_projection/kernel": (4, 27)},
     "GrooVAE"),
    ({ENC + "kernel": (512 + 4, 16), ENC + "bias": (16,), "decoder/output_projection/kernel": (4, 512)},
     "one-hot input"),
    ({ENC + "kernel": (90 + 12 + 4, 16), ENC + "bias": (16,), "decoder/output_projection/kernel": (4, 90)},
     r"102 inputs and output heads of \[90\]"),
    ({ENC + "kernel": (50 + 4, 16), ENC + "bias": (16,), "decoder/output_projection/kernel": (4, 50)},
     "melody of another width only with a config_name"),
    ({ENC + "kernel": (94, 16), ENC + "bias": (16,)}, "no decoder output projection"),
    ({"decoder/output_projection/kernel": (4, 90)}, "no encoder weights"),
])
def test_unsupported_architectures_are_named(shapes, message):
    with pytest.raises(CheckpointError, match=message):
        magenta_tf._infer_representation({k: np.broadcast_to(np.float32(0), s) for k, s in shapes.items()},
                                  "legacy", None, Path("x"))


@pytest.mark.parametrize(("name", "message"), [
    ("decoder/nade/w_enc", "NADE"),
    ("control_preprocessing/cell_0/x", "control preprocessing"),
    ("decoder/hierarchical_level_1/cell_0/lstm_cell/kernel", "two conductor levels"),
    ("encoder/hierarchical_level_2/cell_0/x", "three levels"),
])
def test_unsupported_variables_are_named(name, message):
    with pytest.raises(CheckpointError, match=f"unsupported: .*{message}"):
        magenta_tf._refuse(["encoder/mu/kernel", name], Path("x"))


def test_cli_import_and_load_model(tmp_path):
    out = tmp_path / "drums.safetensors"
    assert cli.main(["import-magenta", str(FIXTURES / "drums.tar"), "-o", str(out)]) == 0
    saved = LatentModel.load(out, "cpu")
    direct = load_tf_checkpoint(FIXTURES / "drums.tar", device="cpu")
    assert saved.config == direct.config
    for k, v in direct.model.state_dict().items():
        assert torch.equal(saved.model.state_dict()[k], v), k
    assert saved.meta.training["global_step"] == 200000
    index = str(_fixture("flat_mel"))
    assert open_model(index, "cpu").config.z_size == 3  # --model accepts a TF checkpoint
    cfg = replace(get_config("cat-mel_2bar_small"), z_size=3, enc_rnn_size=(5,), dec_rnn_size=(4, 4))
    assert open_model(index, "cpu", cfg).config.beta_rate == cfg.beta_rate  # --config applies
    assert cli.main(["import-magenta", str(FIXTURES / "v1/model.ckpt"), "-o", str(tmp_path / "x.safetensors")]) == 2


# --- against TensorFlow itself (optional: pip install tensorflow-cpu; pytest -m tensorflow) ------

@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n != "drums_tar"))
def test_fixture_matches_tensorflow(tf, name):
    prefix = str(_fixture(name)).removesuffix(".index")
    reader = tf.train.load_checkpoint(prefix)
    dtypes = reader.get_variable_to_dtype_map()
    got = read_tf_checkpoint(prefix)
    assert sorted(got) == sorted(dtypes)
    for k, dtype in dtypes.items():
        want = reader.get_tensor(k)
        if dtype == tf.string:
            assert np.asarray(got[k], dtype=object).tolist() == np.asarray(want, dtype=object).tolist()
        else:
            want = np.asarray(want).astype(np.float32) if dtype == tf.bfloat16 else np.asarray(want)
            assert got[k].dtype == want.dtype and got[k].tobytes() == want.tobytes(), k


@pytest.mark.tensorflow
def test_fresh_tensorflow_bundles_with_several_index_blocks(tf, tmp_path):
    """TF's index blocks hold 256 KiB: 6000 tensors with long names that share no prefix (keys are
    prefix-compressed) need two or more."""
    rng = np.random.default_rng(0)
    kinds = [np.float32, np.float64, np.int32, np.int64, np.float16, np.uint8, np.bool_]
    tensors = {}
    for k in range(6000):
        dtype = kinds[k % len(kinds)]
        shape = [int(s) for s in rng.integers(0, 4, size=k % 3)]
        value = rng.standard_normal(shape) * 100
        tensors[f"{hashlib.sha256(str(k).encode()).hexdigest()}/variable_{k}"] = (
            value > 0 if dtype == np.bool_ else value.astype(dtype))
    tensors["big"] = rng.standard_normal([300, 1000]).astype(np.float32)
    names = list(tensors)
    prefix = tmp_path / "many.ckpt"
    tf.raw_ops.SaveV2(prefix=str(prefix), tensor_names=names, shape_and_slices=[""] * len(names),
                      tensors=[tf.constant(tensors[n]) for n in names])
    with TFCheckpoint(prefix) as ckpt:
        assert ckpt.data_blocks >= 2
        got = ckpt.read_all()
    reader = tf.train.load_checkpoint(str(prefix))
    for n in names:
        want = np.asarray(reader.get_tensor(n))
        assert got[n].dtype == want.dtype and got[n].shape == want.shape and got[n].tobytes() == want.tobytes(), n
