"""Sessions on disk: written off the event loop, read back field by field.

One JSON file per instance id, named by a hash of the id (a client's id never becomes a path), in
a folder only its owner may read (0700, files 0600). A save writes a temporary file, fsyncs it and
renames it into place, so a crash or a power cut leaves the old file or the new one, never half.

Reading is forgiving: every field is checked with the ranges of the address table, and what fails
is dropped (or set to its default) with a line saying so, while everything else is restored. The
damaged file itself is kept beside the new one as ``<hash>.json.bad`` for the user to look at.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from segue.bridge.addresses import ATTRIBUTE_KNOBS, BY_PATH, KNOBS, NOTES, PREFIX
from segue.engine.session import Clip, Knobs, Session, Slot, Transport, source_from_json
from segue.models.notes import Note

log = logging.getLogger(__name__)
MAX_FILES = 2000  # session files kept; the least recently saved go first
MAX_AGE_DAYS = 90.0  # a session file not saved for this long is deleted
MAX_NAME = 1024  # characters in a slot name (as the OSC adapter takes them)
MAX_CHORD_BARS = 256  # bars in a session's chord progression

_CLIP_BEGIN = {a.name: a for a in BY_PATH[PREFIX + "/clip/begin"].args}
_TRANSPORT = {a.name: a for a in BY_PATH[PREFIX + "/transport/set"].args}
_LOOP = {a.name: a for a in BY_PATH[PREFIX + "/transport/loop"].args}
_SLOT_BARS = {a.name: a for a in BY_PATH[PREFIX + "/slot/sample"].args}["bars"]


class Bad(ValueError):
    """One field of a saved session that cannot be restored."""


def _checked(arg, value, what: str):
    value = arg.coerce(value)
    problem = arg.check(value, what)
    if problem:
        raise Bad(f"{what}: {problem}")
    return value


def _clip(d: Any) -> Clip:
    if not isinstance(d, dict) or not isinstance(d.get("notes"), list):
        raise Bad("not a clip (length, kind, notes)")
    length = float(_checked(_CLIP_BEGIN["length"], d.get("length"), "length"))
    kind = d.get("kind", "notes")
    if kind not in ("notes", "drums"):
        raise Bad(f"kind must be notes or drums, got {kind!r}")
    notes = []
    for k, row in enumerate(d["notes"]):
        if not isinstance(row, list) or len(row) != 4:
            raise Bad(f"note {k} is not [pitch, start, duration, velocity]")
        pitch, start, duration, velocity = (_checked(a, v, f"note {k} {a.name}") for a, v in zip(NOTES, row))
        if duration <= 0:
            raise Bad(f"note {k} duration must be > 0")
        notes.append(Note(int(pitch), float(start), float(duration), int(velocity)))
    return Clip(notes, length, kind)


def _knobs(d: Any, problems: list[str]) -> Knobs:
    knobs = Knobs()
    if not isinstance(d, dict):
        problems.append("knobs: not an object; every knob back to its default")
        return knobs
    values = {k: d[k] for k in ("morph", "temperature", "seed", "xy_x", "xy_y") if k in d}
    attributes = d.get("attributes", {})
    values.update({k: v for k, v in attributes.items() if k in ATTRIBUTE_KNOBS} if isinstance(attributes, dict) else {})
    shape = d.get("shape", {})
    values.update(shape if isinstance(shape, dict) else {})
    for name, value in values.items():
        try:
            if name not in KNOBS:
                raise Bad("no such knob")
            value = _checked(KNOBS[name], value, name)
            knobs.set(name, value)
        except (Bad, ValueError, TypeError) as e:
            problems.append(f"knob {name}: {e}; it is back to its default")
    return knobs


def _chords(d: Any, problems: list[str]) -> list[list[str]]:
    """A saved chord progression (bars of chord symbols), or none with a line in ``problems``."""
    from segue.models.chords import ChordError, parse_progression

    if d == []:
        return []
    try:
        if not isinstance(d, list) or len(d) > MAX_CHORD_BARS or not all(isinstance(b, list) for b in d):
            raise ChordError("not a list of bars")
        return parse_progression(" | ".join(" ".join(str(c) for c in bar) for bar in d))
    except ChordError as e:
        problems.append(f"chords: {e}; none restored")
        return []


def _slot(v: Any) -> Slot:
    if not isinstance(v, dict):
        raise Bad("not a slot")
    groove = v.get("groove_clip", "")
    if not isinstance(groove, str):
        raise Bad("groove_clip is not a clip name")
    return Slot(source=source_from_json(v.get("source")),
                bars=int(_checked(_SLOT_BARS, v.get("bars", 1) or 1, "bars")), groove_clip=groove)


def _named(d: dict, key: str, what: str, read: Callable[[Any], Any], problems: list[str]) -> dict[str, Any]:
    """``d[key]``, an object of named ``what``s, each read with ``read``; one that cannot be read is
    dropped with a line in ``problems`` (all of them where ``d[key]`` is no object)."""
    entries = d.get(key, {})
    if not isinstance(entries, dict):
        problems.append(f"{key}: not an object of {key}; none restored")
        return {}
    out: dict[str, Any] = {}
    for name, v in entries.items():
        try:
            out[str(name)] = read(v)
        except (Bad, ValueError, TypeError) as e:
            problems.append(f"{what} {name!r}: {e}; dropped")
    return out


def restore(d: Any, instance: str) -> tuple[Session, list[str]]:
    """A session from its saved form, with a line for every field that could not be restored.
    Raises Bad when the file is no session of ``instance`` at all."""
    if not isinstance(d, dict):
        raise Bad("not a JSON object")
    if not isinstance(d.get("instance"), str):
        raise Bad("no instance id")
    if d["instance"] != instance:
        raise Bad("the file belongs to another instance id")
    problems: list[str] = []
    s = Session(instance=instance)
    model = d.get("model", "")
    if isinstance(model, str) and len(model) <= 64:
        s.model = model
    else:
        problems.append("model: not a model name; the engine's default model is used")
    s.clips.update(_named(d, "clips", "clip", _clip, problems))
    s.slots.update(_named(d, "slots", "slot", _slot, problems))
    pair = d.get("morph_slots", ["A", "B"])
    if isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair):
        s.morph_slots = (pair[0], pair[1])
    else:
        problems.append("morph_slots: not two slot names; back to A and B")
    corners = d.get("xy_slots", ["", "", "", ""])
    if isinstance(corners, list) and len(corners) == 4 and all(isinstance(x, str) and len(x) <= MAX_NAME
                                                                for x in corners):
        s.xy_slots = tuple(corners)
    else:
        problems.append("xy_slots: not four slot names; the XY pad is off")
    s.chords = _chords(d.get("chords", []), problems)
    s.knobs = _knobs(d.get("knobs", {}), problems)
    version = d.get("version", 0)  # bars sent before a restart must not outrank new ones
    if isinstance(version, int) and not isinstance(version, bool) and 0 <= version < 2**31 - 2**20:
        s.version = version
    else:
        problems.append(f"version: {version!r} is not a bar version; it starts again from 0")
    s.transport = _transport(d.get("transport", {}), problems)
    s.dirty = False
    return s, problems


def _transport(t: Any, problems: list[str]) -> Transport:
    out = Transport()
    if not isinstance(t, dict):
        problems.append("transport: not an object; tempo 120, no loop")
        return out
    for name, arg, attr in (("tempo", _TRANSPORT["tempo"], "tempo"), ("loop_start", _LOOP["start"], "loop_start"),
                            ("loop_end", _LOOP["end"], "loop_end")):
        if name in t:
            try:
                setattr(out, attr, float(_checked(arg, t[name], name)))
            except (Bad, ValueError, TypeError) as e:
                problems.append(f"transport {e}; back to its default")
    return out


class SessionStore:
    """Session files in ``folder`` (None: nothing is saved)."""

    def __init__(self, folder: Path | None):
        self.folder = Path(folder) if folder else None
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def path(self, instance: str) -> Path:
        assert self.folder is not None
        return self.folder / (hashlib.sha256(instance.encode()).hexdigest()[:32] + ".json")

    def write(self, instance: str, state: dict[str, Any]) -> None:
        """Write one session's saved form; OSError when the disk says no (nothing half-written
        is left in place of the old file). Safe to call from any thread."""
        if not self.folder:
            return
        if not self.folder.is_dir():  # an unplugged drive: never write in its place
            raise FileNotFoundError(f"the state folder {self.folder} is missing")
        path = self.path(instance)
        tmp = path.with_suffix(".json.partial")
        data = json.dumps(state, allow_nan=False).encode()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def save(self, session: Session) -> None:
        """Save now, on the caller's thread (at stop, and where a test wants it written)."""
        self.write(session.instance, session.to_json())
        session.dirty = False

    def load(self, instance: str) -> tuple[Session | None, list[str]]:
        """The saved session of ``instance`` (None when there is none or nothing could be read)
        and what could not be restored. A damaged file is kept as ``.json.bad``."""
        if not self.folder:
            return None, []
        path = self.path(instance)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None, []
        except OSError as e:
            return None, [f"the saved session cannot be read ({e.strerror or e}); starting afresh"]
        try:
            session, problems = restore(json.loads(raw), instance)
        except (json.JSONDecodeError, UnicodeDecodeError, Bad) as e:
            if isinstance(e, Bad) and str(e) == "the file belongs to another instance id":
                return None, []
            problems, session = [f"the saved session is unreadable ({e}); starting afresh"], None
        if problems:
            kept = self._keep_bad(path, raw)
            log.warning("session file %s: %s%s", path.name, "; ".join(problems)[:500],
                        f" (kept as {kept.name})" if kept else "")
            if kept:
                problems.append(f"the damaged file is kept as {kept}")
        return session, problems

    def _keep_bad(self, path: Path, raw: bytes) -> Path | None:
        bad = path.with_suffix(".json.bad")
        try:
            bad.write_bytes(raw)
            os.chmod(bad, 0o600)
            return bad
        except OSError:
            return None

    def delete(self, instance: str) -> None:
        if self.folder:
            self.path(instance).unlink(missing_ok=True)

    def prune(self, max_files: int = MAX_FILES, max_age_days: float = MAX_AGE_DAYS,
              keep: set[str] = frozenset()) -> int:
        """Delete abandoned session files: older than ``max_age_days``, then the least recently
        saved beyond ``max_files`` (never those of open sessions, ``keep``); leftover temporary
        files too. Returns how many went."""
        if not self.folder or not self.folder.is_dir():
            return 0
        keep_names = {self.path(i).name for i in keep}
        now = time.time()
        files = []
        for p in self.folder.glob("*.json*"):
            try:
                mtime = p.stat().st_mtime
            except OSError:
                continue
            if p.name.endswith(".partial") and now - mtime > 60:
                p.unlink(missing_ok=True)
            elif p.suffix == ".json" and p.name not in keep_names:
                files.append((mtime, p))
        files.sort()
        gone = 0
        for k, (mtime, p) in enumerate(files):
            if now - mtime > max_age_days * 86400 or len(files) - k > max_files:
                p.unlink(missing_ok=True)
                p.with_suffix(".json.bad").unlink(missing_ok=True)
                gone += 1
        return gone


class Saver:
    """Writes sessions off the event loop and survives a failing disk.

    The engine hands it the saved form of every changed session (``put``); ``flush`` writes them
    on a thread of its own. When a write fails (a full disk, an unplugged drive, a missing folder)
    the states stay in memory, ``on_trouble`` is told once, and writing is tried again after
    0.5 s, 1 s, 2 s ... up to ``MAX_BACKOFF``; once a write works, ``on_trouble(None)`` says so and
    everything kept is written. Nothing is lost while the engine runs."""

    MAX_BACKOFF = 30.0

    def __init__(self, store: SessionStore, on_trouble):
        self.store = store
        self.on_trouble = on_trouble
        self.unsaved: dict[str, dict[str, Any]] = {}  # instance -> its saved form, not yet on disk
        self.failing: str | None = None  # what went wrong, while writing fails
        self._backoff = 0.0
        self._retry_at = 0.0
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="segue-saver")

    def put(self, instance: str, state: dict[str, Any]) -> None:
        self.unsaved[instance] = state

    def pending(self, instance: str) -> dict[str, Any] | None:
        return self.unsaved.get(instance)

    async def flush(self, now: float) -> None:
        if not self.store.folder:  # nothing is saved: nothing to keep
            self.unsaved.clear()
            return
        if not self.unsaved or now < self._retry_at:
            return
        batch = dict(self.unsaved)
        written, error = await asyncio.get_running_loop().run_in_executor(self._executor, self._write, batch)
        for instance in written:
            if self.unsaved.get(instance) is batch[instance]:
                del self.unsaved[instance]
        if error is None:
            if self.failing is not None:
                log.warning("saving sessions works again (%s)", self.store.folder)
                self.failing, self._backoff = None, 0.0
                self.on_trouble(None)
            return
        self._backoff = min(self.MAX_BACKOFF, max(0.5, self._backoff * 2))
        self._retry_at = now + self._backoff
        if self.failing is None:
            self.failing = error
            log.warning("saving sessions fails: %s; %d kept in memory, trying again every few seconds",
                        error, len(self.unsaved))
            self.on_trouble(error)

    def _write(self, batch: dict[str, dict[str, Any]]) -> tuple[list[str], str | None]:
        written, error = [], None
        for instance, state in batch.items():
            try:
                self.store.write(instance, state)
                written.append(instance)
            except OSError as e:
                error = f"{e.strerror or e} ({getattr(e, 'filename', None) or self.store.folder})"
        return written, error

    async def prune(self, keep: set[str]) -> None:
        loop = asyncio.get_running_loop()
        gone = await loop.run_in_executor(self._executor, lambda: self.store.prune(keep=keep))
        if gone:
            log.info("deleted %d abandoned session files from %s", gone, self.store.folder)

    def close(self) -> None:
        """Write what is left (at stop), then end the thread."""
        _, error = self._write(dict(self.unsaved))
        if error:
            log.error("at stop, %d sessions could not be saved: %s", len(self.unsaved), error)
        self._executor.shutdown(wait=True)
