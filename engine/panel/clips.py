"""MIDI files in and out of the panel, and how well the model knows a clip. Pure, except that
MIDI goes through a temporary file: the panel parses uploads with the CLI's own code
(``segue.models.midifile.read_midi`` and ``select_tracks``) and writes downloads with
``write_midi``.

The browser sends bytes only, never a path; the bytes are checked for size before anything
parses them, and whatever the parser finds wrong becomes an ``InputError`` with a message.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from segue.bridge.addresses import MAX_CLIP_NOTES
from segue.engine.session import Clip
from segue.models.errors import InputError
from segue.models.midifile import read_midi, select_tracks, write_midi
from segue.models.notes import BEATS_PER_BAR, Note, NoteSequence, Track

MAX_UPLOAD_BYTES = 1 << 20  # a MIDI file of 10,000 notes is about 100 KB
MIDI_MAGIC = b"MThd"


class NeedsTrack(InputError):
    """The file has several tracks with notes: the producer chooses one (``tracks``)."""

    def __init__(self, tracks: list[dict]):
        super().__init__(f"the file has {len(tracks)} tracks with notes: choose one")
        self.tracks = tracks


@dataclass(frozen=True)
class Upload:
    clip: Clip
    track: int | None  # the track chosen, None when the file had one with notes
    name: str  # the file's name (and the track's, when the file has several)


def _read(data: bytes, name: str) -> NoteSequence:
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(f"{name}: {len(data)} bytes; a MIDI file for a slot is at most {MAX_UPLOAD_BYTES} bytes")
    if not data.startswith(MIDI_MAGIC):
        raise InputError(f"{name} is not a MIDI file (a .mid file starts with MThd)")
    fd, tmp = tempfile.mkstemp(suffix=".mid", prefix="segue-upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        try:
            return read_midi(tmp)
        except InputError as e:  # the message names the temporary file: name the upload instead
            raise type(e)(str(e.args[0] if e.args else e).replace(tmp, name)) from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def tracks_of(seq: NoteSequence) -> list[dict]:
    """The tracks with notes, as the producer chooses among them."""
    return [{"index": k, "name": t.name, "program": t.program, "drums": t.is_drum, "notes": len(t.notes)}
            for k, t in enumerate(seq.tracks) if t.notes]


def read_upload(data: bytes, name: str, track: int | None = None) -> Upload:
    """An uploaded .mid file as a clip: every note of the chosen track (or of the one track with
    notes), starting at its first bar line, the length rounded up to whole bars. ``NeedsTrack``
    when the file has several tracks with notes and ``track`` is None."""
    seq = _read(data, name)
    with_notes = tracks_of(seq)
    if not with_notes:
        raise InputError(f"{name} has no notes")
    if track is None:
        if len(with_notes) > 1:
            raise NeedsTrack(with_notes)
        track = with_notes[0]["index"]
    chosen = select_tracks(seq, track=track).tracks[0]
    if not chosen.notes:
        raise InputError(f"track {track} of {name} has no notes")
    if len(chosen.notes) > MAX_CLIP_NOTES:
        raise InputError(f"{name}: {len(chosen.notes)} notes; a clip holds at most {MAX_CLIP_NOTES}")
    first_bar = math.floor(min(n.start for n in chosen.notes) / BEATS_PER_BAR) * BEATS_PER_BAR
    notes = [Note(n.pitch, n.start - first_bar, n.duration, n.velocity) for n in chosen.notes]
    end = max(n.end for n in notes)
    length = max(BEATS_PER_BAR, BEATS_PER_BAR * math.ceil(end / BEATS_PER_BAR - 1e-9))
    title = Path(name).name + (f" / {chosen.name or f'track {track}'}" if len(with_notes) > 1 else "")
    return Upload(Clip(notes, length, "drums" if chosen.is_drum else "notes"), track, title)


def note_f1(reference: list[Note], decoded: list[Note]) -> float:
    """Note F1 on onset (to the 16th step) and pitch: 1 when the model plays the clip's notes back,
    0 when it plays none of them. Two empty lists agree (1)."""
    ref = {(round(n.start * 4), n.pitch) for n in reference}
    got = {(round(n.start * 4), n.pitch) for n in decoded}
    if not ref and not got:
        return 1.0
    hits = len(ref & got)
    return 2 * hits / (len(ref) + len(got))


def reconstruction(model, mu, bars: int) -> list[Note]:
    """A slot's codes decoded at temperature 0 (the model's view of its clip), cut to ``bars``.
    On the inference worker."""
    seq = model.decode_clip(mu, temperature=0.0, bars=bars, velocity=100)
    return sorted((n for t in seq.tracks for n in t.notes), key=lambda n: (n.start, n.pitch))


def midi_bytes(notes: list[Note], tempo: float, drums: bool = False, name: str = "Segue") -> bytes:
    """A one-track .mid file of ``notes`` (beats from the start), as ``write_midi`` writes it."""
    fd, tmp = tempfile.mkstemp(suffix=".mid", prefix="segue-download-")
    os.close(fd)
    try:
        seq = NoteSequence([Track(sorted(notes, key=lambda n: (n.start, n.pitch)), is_drum=drums, name=name)],
                           qpm=float(tempo))
        write_midi(seq, tmp)
        return Path(tmp).read_bytes()
    finally:
        Path(tmp).unlink(missing_ok=True)


def joined(parts: list[list[Note]], beats_each: float) -> list[Note]:
    """Bars (or render steps) one after another: part k starts at ``k * beats_each``."""
    return [Note(n.pitch, n.start + k * beats_each, n.duration, n.velocity) for k, part in enumerate(parts)
            for n in part]
