"""Magenta's official Magenta.js checkpoints in one command: the published index, and a pull that
downloads one, checks it, converts it to a Segue checkpoint and writes its model card.

**The index** is magenta-js's ``music/checkpoints/checkpoints.json``: a JSON list of
``{"id", "model", "description", "url", "size_mb"}`` (its README spells the size ``sizeMb``; both
are read, and a size may be a number or text such as ``"1710 (1.71 GB)"``). Only ``"model":
"MusicVAE"`` entries are Segue's. ``url`` is a checkpoint folder (``config.json``,
``weights_manifest.json`` and the shards the manifest names); a relative ``url`` is read against
the base URL.

**Where from.** ``DEFAULT_INDEX_URL`` (the index in magenta-js's repository) and
``DEFAULT_BASE_URL`` (where its folders live); either can be replaced (``SEGUE_MODELS_INDEX``,
``SEGUE_MODELS_BASE_URL`` or the CLI's ``--index`` / ``--base-url``): with another base URL, the
folders the index places under the default base are fetched from under the new one (a mirror).
Nothing else in Segue touches the network: not the engine, not its start, not the tests (which
serve an index and folders from 127.0.0.1).

**A pull** (``pull(name, models_dir)``):

1. finds ``name`` in the index (the index is cached in ``models_dir/.index.json``, so ``list``
   works offline with the last one fetched);
2. fetches ``config.json`` and the manifest, checks there is room for the download and the
   converted model, and downloads every shard of every group with a progress bar, into
   ``models_dir/.partial/NAME/``; an interrupted shard is resumed where it stopped (an HTTP range
   request) by running the same pull again;
3. checks each shard against the server's length and each group's shards against the bytes the
   manifest's weights need, converts the folder (``magenta_js.load_magenta_js``), refuses weights
   that are not finite, and writes ``NAME.safetensors`` and its card ``NAME.md`` (the source URL,
   the description and the licence the source states) under temporary names, renamed when whole.

The model folder only ever holds finished models: an interrupted pull keeps what arrived in the
hidden ``.partial/`` folder for resuming; any other failure (a corrupt shard, a name not in the
index, a full disk, no network) removes it. Errors are ``PullError`` (a ``SegueError``), one line
saying what happened and what to do.
"""

from __future__ import annotations

import difflib
import errno
import hashlib
import http.client
import json
import math
import os
import re
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segue.models.errors import CheckpointError, SegueError

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_INDEX_URL", "Entry", "PullError", "list_checkpoints", "pull"]

DEFAULT_INDEX_URL = "https://raw.githubusercontent.com/magenta/magenta-js/master/music/checkpoints/checkpoints.json"
DEFAULT_BASE_URL = "https://storage.googleapis.com/magentadata/js/checkpoints/"
INDEX_ENV, BASE_ENV = "SEGUE_MODELS_INDEX", "SEGUE_MODELS_BASE_URL"
SOURCE_LICENCE = ("not stated by the index or the checkpoint folder; the index is published in "
                  "github.com/magenta/magenta-js, whose repository is licensed Apache-2.0 "
                  "(https://github.com/magenta/magenta-js/blob/master/LICENSE): check the terms where you use it")
PARTIAL = ".partial"
INDEX_CACHE = ".index.json"
CHUNK = 64 * 1024
TIMEOUT = 30.0


class PullError(SegueError):
    """A checkpoint could not be listed or pulled (the message says why and what to do)."""


@dataclass(frozen=True)
class Entry:
    """One MusicVAE checkpoint of the index."""

    id: str
    url: str  # the checkpoint folder (absolute)
    description: str
    size_mb: float | None
    size_text: str
    kind: str  # guessed from the id and description (the pull reads the real one from config.json)
    bars: int | None
    licence: str


# --- the index -----------------------------------------------------------------------------------------

def _user_agent() -> str:
    from segue.models.checkpoint import package_version

    return f"segue/{package_version()} (+https://github.com/magenta/magenta-js checkpoints)"


def _open(url: str, start: int = 0, timeout: float = TIMEOUT):
    headers = {"User-Agent": _user_agent()}
    if start:
        headers["Range"] = f"bytes={start}-"
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as e:
        e.close()
        if e.code == 416 and start:  # nothing left to send: the file is whole
            return None
        raise PullError(f"{url}: the server answered {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        host = urllib.parse.urlsplit(url).netloc or url
        raise PullError(f"cannot reach {host} ({reason}): no network here? Pull on a machine that has it and copy "
                        f"the model folder, or serve the checkpoints from a mirror and give its URL with "
                        f"--index / --base-url (docs/magenta.md)") from None


def _fetch_json(url: str, timeout: float = TIMEOUT) -> Any:
    with _open(url, timeout=timeout) as r:
        data = r.read()
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise PullError(f"{url} is not JSON: {e}") from None


def _size(item: dict[str, Any]) -> tuple[float | None, str]:
    raw = item.get("size_mb", item.get("sizeMb"))
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw), f"{raw:g}"
    m = re.match(r"\s*([\d.]+)", str(raw or ""))
    return (float(m.group(1)) if m else None), str(raw or "?")


def guess_kind(id_: str, description: str = "") -> tuple[str, int | None]:
    """What an index entry holds, from its name and description (the pull reads config.json)."""
    text = id_.lower()
    if "tap2drum" in text:
        kind = "groove: drumify (tap)"
    elif "groovae" in text:
        kind = "groove: humanize" if "humanize" in text + description.lower() else "groove"
    elif "multitrack" in text:
        kind = "multitrack"
    elif "trio" in text:
        kind = "trio"
    elif "drums" in text:
        kind = "drums (NADE)" if "nade" in text else "drums"
    elif "mel" in text:
        kind = "melody"
    else:
        kind = "?"
    if "chords" in text:
        kind += " + chords"
    bars = None
    for source in (id_, description):
        m = re.search(r"(\d+)[-_ ]?bar", source)
        if m:
            bars = int(m.group(1))
            break
    return kind, bars


def _entries(raw: Any, index_url: str, base_url: str | None) -> list[Entry]:
    """The MusicVAE entries; with a mirror (``base_url``), folders under Magenta's storage are
    fetched from under it, and relative folders resolve against it (else against the index's folder)."""
    if not isinstance(raw, list):
        raise PullError(f"{index_url}: not a checkpoint index (expected a JSON list of checkpoints)")
    relative_to = (base_url or index_url.rsplit("/", 1)[0]).rstrip("/") + "/"
    out = []
    for item in raw:
        if not isinstance(item, dict) or item.get("model") != "MusicVAE" or not isinstance(item.get("id"), str):
            continue
        url = str(item.get("url", "")).rstrip("/")
        if base_url and url.startswith(DEFAULT_BASE_URL):
            url = relative_to + url[len(DEFAULT_BASE_URL):]
        elif not urllib.parse.urlsplit(url).scheme:
            url = urllib.parse.urljoin(relative_to, url)
        size, text = _size(item)
        kind, bars = guess_kind(item["id"], str(item.get("description", "")))
        licence = item.get("license") or item.get("licence") or SOURCE_LICENCE
        out.append(Entry(item["id"], url, str(item.get("description", "")), size, text, kind, bars, str(licence)))
    return out


def _urls(index_url: str | None, base_url: str | None) -> tuple[str, str | None]:
    """The index's URL, and the mirror's base URL when one was given."""
    return index_url or os.environ.get(INDEX_ENV) or DEFAULT_INDEX_URL, base_url or os.environ.get(BASE_ENV) or None


def list_checkpoints(models_dir: Path | None = None, index_url: str | None = None, base_url: str | None = None,
                     timeout: float = TIMEOUT) -> tuple[list[Entry], str]:
    """The index's MusicVAE checkpoints, and where they came from (the URL, or the cached copy
    when the index cannot be fetched)."""
    index_url, base_url = _urls(index_url, base_url)
    cache = Path(models_dir) / INDEX_CACHE if models_dir else None
    try:
        raw = _fetch_json(index_url, timeout)
    except PullError as e:
        if cache is None or not cache.is_file():
            raise
        raw = json.loads(cache.read_text())
        when = time.strftime("%Y-%m-%d", time.localtime(cache.stat().st_mtime))
        return _entries(raw, index_url, base_url), f"the index fetched on {when} ({e})"
    entries = _entries(raw, index_url, base_url)
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_name(cache.name + ".tmp")
            tmp.write_text(json.dumps(raw))
            os.replace(tmp, cache)
        except OSError:
            pass  # only the offline listing depends on it
    return entries, index_url


# --- the pull -----------------------------------------------------------------------------------------

def _manifest_plan(manifest: Any, url: str) -> list[tuple[list[str], int]]:
    """Each group's shard names and the bytes its weights need."""
    from segue.models.formats.magenta_js import _entry_bytes

    if not isinstance(manifest, list) or not manifest:
        raise PullError(f"{url}/weights_manifest.json: not a weights manifest (a list of weight groups)")
    plan = []
    for group in manifest:
        paths, weights = (group.get("paths"), group.get("weights")) if isinstance(group, dict) else (None, None)
        if not isinstance(paths, list) or not isinstance(weights, list) or not paths:
            raise PullError(f"{url}/weights_manifest.json: a group without 'paths' and 'weights'")
        for p in paths:
            if not isinstance(p, str) or "/" in p or "\\" in p or p.startswith(".") or not p:
                raise PullError(f"{url}/weights_manifest.json: shard name {p!r} is not a plain file name")
        try:
            need = sum(_entry_bytes(w)[1] for w in weights)
        except CheckpointError as e:
            raise PullError(f"{url}/weights_manifest.json: {e}") from None
        plan.append((paths, need))
    return plan


def _float32_bytes(manifest: list) -> int:
    return sum(4 * math.prod(w.get("shape") or [1]) for g in manifest for w in g.get("weights", []))


def _no_space(where: Path, e: OSError | None = None, need: int = 0) -> PullError:
    free = shutil.disk_usage(where).free if where.exists() else 0
    said = f" (need about {need / 1e6:.1f} MB, {free / 1e6:.1f} MB free)" if need else f" ({e.strerror})" if e else ""
    return PullError(f"not enough space in {where}{said}: free some, or pull into another folder with --models-dir")


def _download(url: str, path: Path, progress, timeout: float) -> None:
    """Fetch ``url`` into ``path``, resuming from what ``path`` holds; PullError when it stops short."""
    have = path.stat().st_size if path.is_file() else 0
    response = _open(url, have, timeout)
    if response is None:  # 416: nothing after what we have
        return
    with response:
        status = response.status
        if status == 200 and have:
            progress.update(-have)
            have = 0  # the server sends the whole file again
        elif status == 206:
            m = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
            if not m or int(m.group(1)) != have:
                where = response.headers.get("Content-Range")
                raise PullError(f"{url}: the server resumed at the wrong place ({where})")
        length = response.headers.get("Content-Length")
        expected = int(length) if length and length.isdigit() else None
        got = 0
        try:
            with open(path, "ab" if status == 206 else "wb") as f:
                while True:
                    block = response.read(CHUNK)
                    if not block:
                        break
                    f.write(block)
                    got += len(block)
                    progress.update(len(block))
        except (http.client.IncompleteRead, ConnectionError, TimeoutError) as e:
            raise PullError(f"the download of {path.name} was interrupted ({type(e).__name__}) after "
                            f"{have + got} bytes; what arrived is kept: run the same command again to resume") from None
        if expected is not None and got != expected:
            raise PullError(f"the download of {path.name} was interrupted after {have + got} of {have + expected} "
                            "bytes; what arrived is kept: run the same command again to resume")


def _card(entry: Entry, model, index_url: str, checkpoint: Path) -> str:
    c, rep = model.config, model.representation
    digest = hashlib.sha256(checkpoint.read_bytes()).hexdigest()
    facts = [("Name", entry.id), ("Source", entry.url), ("Index", index_url),
             ("Description (from the index)", entry.description or "-"), ("Licence (as the source states it)",
                                                                          entry.licence),
             ("Representation", json.dumps(rep.to_dict())), ("Window", f"{c.bars} bars"), ("z", str(c.z_size)),
             ("Decoder", f"{c.decoder}, output {c.output}"),
             ("Conditioned on", ", ".join(model.conditioning) or "nothing"),
             ("Can", ", ".join(model.capabilities) or "morphs, samples, attribute shifts"),
             ("Size in the index", f"{entry.size_text} MB"),
             ("Pulled", time.strftime("%Y-%m-%d %H:%M:%S %Z")), ("SHA-256 of the .safetensors", digest)]
    lines = [f"# {entry.id}", "", "A Magenta.js MusicVAE checkpoint, converted to Segue's format by `segue models "
             "pull`.", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {str(v).replace('|', '/')} |" for k, v in facts]
    lines += ["", "Segue converted the weights as they are (no training). Magenta.js never reads `encoder/sigma`; "
              "when the checkpoint leaves it out, `segue info` says so.", ""]
    return "\n".join(lines)


def pull(name: str, models_dir: Path, index_url: str | None = None, base_url: str | None = None,
         progress: bool = True, timeout: float = TIMEOUT, force: bool = False) -> list[Path]:
    """Download the checkpoint ``name`` of the index into ``models_dir`` as ``NAME.safetensors``
    with its card ``NAME.md`` (see the module docstring). Returns the two paths."""
    from tqdm import tqdm

    models_dir = Path(models_dir).expanduser()
    index_url, base_url = _urls(index_url, base_url)
    entries, _ = list_checkpoints(models_dir, index_url, base_url, timeout)
    entry = next((e for e in entries if e.id == name), None)
    if entry is None:
        close = difflib.get_close_matches(name, [e.id for e in entries], n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise PullError(f"no checkpoint {name!r} in the index ({len(entries)} MusicVAE checkpoints{hint}); "
                        "`segue models list` shows them")
    target, card = models_dir / f"{name}.safetensors", models_dir / f"{name}.md"
    if target.is_file() and not force:
        raise PullError(f"{target} is there already: use it by name ({name}), or pull again with --force")
    staging = models_dir / PARTIAL / name
    keep = False  # an interrupted download is kept to resume; anything else is removed
    try:
        staging.mkdir(parents=True, exist_ok=True)
        for meta in ("config.json", "weights_manifest.json"):
            with _open(f"{entry.url}/{meta}", timeout=timeout) as r:
                (staging / meta).write_bytes(r.read())
        manifest = json.loads((staging / "weights_manifest.json").read_text())
        plan = _manifest_plan(manifest, entry.url)
        total = sum(need for _, need in plan)
        have = sum((staging / p).stat().st_size for paths, _ in plan for p in paths if (staging / p).is_file())
        need = max(0, total - have) + int(_float32_bytes(manifest) * 1.2) + (1 << 16)
        if shutil.disk_usage(models_dir).free < need:
            raise _no_space(models_dir, need=need)
        with tqdm(total=total, initial=have, unit="B", unit_scale=True, desc=name, disable=not progress,
                  leave=False) as bar:
            for paths, group_bytes in plan:
                for p in paths:
                    try:
                        _download(f"{entry.url}/{p}", staging / p, bar, timeout)
                    except PullError as e:
                        keep = "interrupted" in str(e)
                        raise
                got = sum((staging / p).stat().st_size for p in paths)
                if got != group_bytes:
                    raise PullError(f"{entry.url}: corrupt download: the shards {', '.join(paths)} hold {got} bytes, "
                                    f"the manifest's weights need {group_bytes}; removed, pull again (or the "
                                    "mirror's files do not match its manifest)")
        model = _convert(staging, entry, index_url)
        tmp_card = card.with_name(card.name + ".partial")
        try:
            model.save(target, licence=entry.licence)
        except OSError:
            raise
        except Exception as e:  # safetensors reports a full disk as its own error
            if "No space left" in str(e):
                raise OSError(errno.ENOSPC, "No space left on device") from None
            raise
        tmp_card.write_text(_card(entry, model, index_url, target), encoding="utf-8")
        os.replace(tmp_card, card)
    except OSError as e:
        for leftover in (target.with_name(target.name + ".partial"), card.with_name(card.name + ".partial")):
            leftover.unlink(missing_ok=True)
        if e.errno == errno.ENOSPC:
            target.unlink(missing_ok=True)
            raise _no_space(models_dir, e) from None
        raise PullError(f"cannot write in {models_dir}: {e}") from None
    except KeyboardInterrupt:
        keep = True
        raise
    finally:
        if not keep:
            shutil.rmtree(staging, ignore_errors=True)
        parent = models_dir / PARTIAL
        if parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
    return [target, card]


def _convert(folder: Path, entry: Entry, index_url: str):
    import torch

    from segue.models.formats.magenta_js import load_magenta_js

    try:
        model = load_magenta_js(folder, device="cpu")
    except CheckpointError as e:
        raise PullError(f"{entry.id} does not load: {e}") from None
    bad = [n for n, p in model.model.named_parameters() if not bool(torch.isfinite(p).all())]
    if bad:
        raise PullError(f"{entry.id}: corrupt weights (not finite numbers in {', '.join(bad[:3])}); removed, pull "
                        "again")
    model.meta.training.update({"imported_from": entry.url, "index": index_url, "pulled": time.strftime("%Y-%m-%d")})
    return model
