"""`segue models list` and `segue models pull` against a local HTTP server (127.0.0.1, port 0) that
serves a small index and checkpoint folders written by Segue's exporter: the whole pull, an
interrupted download resumed, a corrupt shard, a name not in the index, a full disk, no network.
Nothing here reaches past 127.0.0.1."""

from __future__ import annotations

import http.server
import json
import re
import socket
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from segue.engine.cli import main
from segue.models.configs import CONFIGS
from segue.models.formats.magenta_js import MANIFEST_FILE, export_magenta_js
from segue.models.formats.official import DEFAULT_BASE_URL, PullError, guess_kind, list_checkpoints, pull
from segue.models.inference import LatentModel


class _Handler(http.server.BaseHTTPRequestHandler):
    """Files under the server's root, with ranges; ``faults[path]`` once: "cut" (half the body,
    then the connection drops) or an HTTP status."""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        srv = self.server
        rel = self.path.split("?")[0].lstrip("/")
        srv.seen.append((rel, self.headers.get("Range")))
        fault = srv.faults.pop(rel, None)
        file = srv.root / rel
        if isinstance(fault, int) or not file.is_file():
            self.send_error(fault if isinstance(fault, int) else 404)
            return
        data = file.read_bytes()
        start = 0
        m = re.match(r"bytes=(\d+)-$", self.headers.get("Range") or "")
        if m:
            start = int(m.group(1))
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if fault == "cut":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """An index and two checkpoint folders served from 127.0.0.1: ``mel_tiny`` (float32, several
    shards, reached by a relative URL) and ``groovae_tiny`` (uint8, a GrooVAE humanize model, under
    Magenta's storage URL: only a mirror reaches it)."""
    root = tmp_path_factory.mktemp("site")
    mel = LatentModel.fresh(CONFIGS["cat-mel_2bar_small"].scaled(16), seed=1, device="cpu")
    export_magenta_js(mel, root / "music_vae" / "mel_tiny", shard_bytes=40_000)
    groove = LatentModel.fresh(replace(CONFIGS["groovae_2bar_humanize"].scaled(16)), seed=2, device="cpu")
    export_magenta_js(groove, root / "music_vae" / "groovae_tiny", quantize="uint8", shard_bytes=30_000)
    index = [
        {"id": "mel_tiny", "model": "MusicVAE", "description": "A 2-bar, 90-class onehot melody model.",
         "url": "../music_vae/mel_tiny", "size_mb": 0.2},
        {"id": "groovae_tiny", "model": "MusicVAE", "description": "A 2-bar GrooVAE humanize model.",
         "url": DEFAULT_BASE_URL + "music_vae/groovae_tiny", "size_mb": "0.1 (small)"},
        {"id": "basic_rnn", "model": "MusicRNN", "description": "not a MusicVAE", "url": "x", "size_mb": 5},
    ]
    (root / "index").mkdir()
    (root / "index" / "checkpoints.json").write_text(json.dumps(index))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.root, server.faults, server.seen = root, {}, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield {"server": server, "root": root, "index": f"{base}/index/checkpoints.json", "base": base + "/",
           "mel": mel, "groove": groove}
    server.shutdown()
    server.server_close()


def _only_finished(folder: Path) -> list[str]:
    """What a pull left in the models folder, the hidden index cache aside."""
    return sorted(p.name for p in folder.iterdir() if p.name != ".index.json")


def test_list_shows_the_musicvae_checkpoints(site, tmp_path, capsys):
    entries, source = list_checkpoints(tmp_path, site["index"])
    assert source == site["index"] and [e.id for e in entries] == ["mel_tiny", "groovae_tiny"]
    mel, groove = entries
    assert (mel.kind, mel.bars, mel.size_mb, mel.url) == ("melody", 2, 0.2, site["base"] + "music_vae/mel_tiny")
    assert (groove.kind, groove.bars, groove.size_mb, groove.size_text) == ("groove: humanize", 2, 0.1, "0.1 (small)")
    assert groove.url.startswith(DEFAULT_BASE_URL)  # no mirror given: Magenta's storage
    assert main(["models", "list", "--index", site["index"], "--models-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"mel_tiny\s+melody\s+2\s+0\.2", out) and "2 checkpoints" in out
    # offline, the last index fetched still lists them
    entries, source = list_checkpoints(tmp_path, "http://127.0.0.1:9/index/checkpoints.json")
    assert [e.id for e in entries] == ["mel_tiny", "groovae_tiny"] and "fetched on" in source


@pytest.mark.parametrize("name,want", [
    ("drums_2bar_nade_9_q2", ("drums (NADE)", 2)), ("mel_chords", ("melody + chords", None)),
    ("multitrack_med_chords_fb256", ("multitrack + chords", None)), ("tap2drum_3bar", ("groove: drumify (tap)", 3)),
    ("trio_16bar_xl", ("trio", 16)), ("groovae_4bar", ("groove", 4)),
])
def test_kinds_and_bars_from_the_index_names(name, want):
    assert guess_kind(name) == want
    assert guess_kind("mel_chords", "A 2-bar, 90-class onehot melody model with chord conditioning.")[1] == 2


def test_a_pull_converts_writes_the_card_and_the_engine_offers_it(site, tmp_path):
    from segue.engine.worker import ModelCache

    models = tmp_path / "models"
    paths = pull("mel_tiny", models, site["index"], progress=False)
    assert paths == [models / "mel_tiny.safetensors", models / "mel_tiny.md"]
    assert _only_finished(models) == ["mel_tiny.md", "mel_tiny.safetensors"]  # no .partial left
    back = LatentModel.load(paths[0], device="cpu")
    z = torch.randn(2, 16, generator=torch.Generator().manual_seed(0))
    assert torch.equal(back.decode(z), site["mel"].decode(z))
    card = paths[1].read_text()
    assert site["base"] + "music_vae/mel_tiny" in card and "Apache-2.0" in card and "SHA-256" in card
    assert "not stated by the index" in back.meta.licence
    cache = ModelCache(site["mel"], models, "cpu")
    assert "mel_tiny" in cache.names() and cache.load("mel_tiny").result(timeout=30).config.z_size == 16
    with pytest.raises(PullError, match="is there already"):
        pull("mel_tiny", models, site["index"], progress=False)


def test_a_mirror_serves_the_folders_the_index_places_on_magentas_storage(site, tmp_path):
    models = tmp_path / "models"
    with pytest.raises(PullError, match=r"cannot reach 127\.0\.0\.1:9 "):  # a mirror that is not there
        pull("groovae_tiny", models, site["index"], base_url="http://127.0.0.1:9/", progress=False, timeout=5)
    assert _only_finished(models) == []
    assert main(["models", "pull", "groovae_tiny", "--index", site["index"], "--base-url", site["base"],
                 "--models-dir", str(models), "--quiet"]) == 0
    back = LatentModel.load(models / "groovae_tiny.safetensors", device="cpu")
    assert back.capabilities == ("groove", "velocity", "timing")
    z = torch.randn(2, 16, generator=torch.Generator().manual_seed(1))
    assert (back.decode(z)[..., :9] == site["groove"].decode(z)[..., :9]).float().mean() > 0.9  # uint8 weights


def test_an_interrupted_download_resumes(site, tmp_path):
    models = tmp_path / "models"
    shards = json.loads((site["root"] / "music_vae" / "mel_tiny" / MANIFEST_FILE).read_text())[0]["paths"]
    assert len(shards) >= 3
    cut = f"music_vae/mel_tiny/{shards[1]}"
    site["server"].faults[cut] = "cut"
    with pytest.raises(PullError, match="interrupted .* run the same command again to resume"):
        pull("mel_tiny", models, site["index"], progress=False)
    partial = models / ".partial" / "mel_tiny"
    assert _only_finished(models) == [".partial"]  # no model, what arrived kept aside
    size = (partial / shards[1]).stat().st_size
    assert 0 < size < (site["root"] / cut).stat().st_size and (partial / shards[0]).is_file()
    site["server"].seen.clear()
    pull("mel_tiny", models, site["index"], progress=False)
    assert (cut, f"bytes={size}-") in site["server"].seen  # resumed where it stopped
    assert not any(r.endswith(shards[0]) for r, _ in site["server"].seen if _ is None)  # the whole shard kept
    assert _only_finished(models) == ["mel_tiny.md", "mel_tiny.safetensors"]


def test_a_corrupt_shard_is_refused_and_removed(site, tmp_path):
    models = tmp_path / "models"
    folder = site["root"] / "music_vae" / "mel_tiny"
    shard = folder / json.loads((folder / MANIFEST_FILE).read_text())[0]["paths"][-1]
    good = shard.read_bytes()
    try:
        shard.write_bytes(good[:-8])  # a server whose file does not match its manifest
        with pytest.raises(PullError, match=r"corrupt download: the shards .* hold \d+ bytes, the manifest's"):
            pull("mel_tiny", models, site["index"], progress=False)
        assert _only_finished(models) == []
        shard.write_bytes(good[:-8] + np.array([np.nan, np.inf], "<f4").tobytes())  # right size, not numbers
        with pytest.raises(PullError, match="corrupt weights"):
            pull("mel_tiny", models, site["index"], progress=False)
        assert _only_finished(models) == []
    finally:
        shard.write_bytes(good)


def test_a_name_not_in_the_index(site, tmp_path, capsys):
    with pytest.raises(PullError, match="no checkpoint 'mel_tiy' in the index .* did you mean mel_tiny"):
        pull("mel_tiy", tmp_path / "m", site["index"], progress=False)
    assert main(["models", "pull", "basic_rnn", "--index", site["index"], "--models-dir", str(tmp_path / "m")]) == 2
    assert "no checkpoint 'basic_rnn'" in capsys.readouterr().err
    assert _only_finished(tmp_path / "m") == []


def test_a_full_disk(site, small_filesystem, monkeypatch):
    models = small_filesystem / "models"
    with pytest.raises(PullError, match=r"not enough space in .* \(need about [\d.]+ MB, [\d.]+ MB free\)"):
        pull("mel_tiny", models, site["index"], progress=False)
    assert _only_finished(models) == []
    # the disk fills while writing (it said there was room): the same message, nothing left
    import shutil

    from segue.models.formats import official

    monkeypatch.setattr(official.shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(1 << 40, 0, 1 << 40))
    monkeypatch.setattr(official, "_no_space", lambda where, e=None, need=0: PullError(f"not enough space in {where}"))
    with pytest.raises(PullError, match="not enough space in"):
        pull("mel_tiny", models, site["index"], progress=False)
    assert _only_finished(models) == []


def test_no_network(tmp_path, capsys):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there
    index = f"http://127.0.0.1:{port}/checkpoints.json"
    with pytest.raises(PullError, match=r"cannot reach 127\.0\.0\.1:\d+ .* no network here\?"):
        pull("mel_2bar_small", tmp_path / "m", index, progress=False, timeout=5)
    assert main(["models", "list", "--index", index, "--models-dir", str(tmp_path / "m"), "--timeout", "5"]) == 2
    assert "cannot reach" in capsys.readouterr().err
    assert not (tmp_path / "m").exists() or _only_finished(tmp_path / "m") == []
