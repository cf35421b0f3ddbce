"""MIDI files <-> NoteSequence, through pretty_midi.

Documented behaviours:

- ``read_midi`` makes one Track per pretty_midi instrument (program, is_drum, name; instruments
  without notes are kept as empty tracks). Note times are converted from seconds to beats
  through the file's own tempo map (``time_to_tick / resolution``), so tempo changes do not
  move notes off the beat grid. ``qpm`` is the tempo in force at the start (120 if the file sets
  none), rounded to 0.01; later tempo changes are not kept. The meter is the file's time
  signature (4/4 if it has none); a file that changes meter anywhere raises ``MeterError``.
  A missing file, or one the parser rejects, raises ``InputError`` naming the file.
- ``write_midi`` writes one tempo (``seq.qpm``), the time signature, and one instrument per
  track (drum tracks on the drum channel), keeping every note's velocity, at 480 ticks per
  quarter. MIDI cannot hold two overlapping notes of one pitch on one channel: when read back,
  a note-off ends every open note of that pitch.
- ``select_tracks`` keeps tracks by program and/or index; no match raises ``InputError``
  listing what the clip has.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pretty_midi

from segue.models.errors import InputError, MeterError
from segue.models.notes import Note, NoteSequence, Track
from segue.models.representation import validate_sequence

__all__ = ["read_midi", "select_tracks", "write_midi", "WRITE_RESOLUTION"]

WRITE_RESOLUTION = 480  # ticks per quarter note in written files
_DEFAULT_QPM = 120.0


def _parse(path: Path) -> pretty_midi.PrettyMIDI:
    """Parses a file; any parser failure becomes an ``InputError`` naming the file."""
    if not path.is_file():
        raise InputError(f"MIDI file {path} not found")
    try:
        with warnings.catch_warnings():
            # pretty_midi still reads such events; the warning is about other tools
            warnings.filterwarnings(
                "ignore", message="Tempo, Key or Time signature change events found on non-zero"
            )
            return pretty_midi.PrettyMIDI(str(path))
    except Exception as e:  # mido/pretty_midi raise many kinds on bad bytes
        detail = str(e) or ("the file ends early" if isinstance(e, EOFError) else "no details")
        raise InputError(f"cannot read MIDI file {path}: {type(e).__name__}: {detail}") from e


def _beats(pm: pretty_midi.PrettyMIDI, seconds: float) -> float:
    return int(pm.time_to_tick(seconds)) / pm.resolution


def _meter(pm: pretty_midi.PrettyMIDI, path: Path) -> tuple[int, int]:
    """The file's single meter; raises ``MeterError`` if it changes anywhere."""
    changes = sorted(pm.time_signature_changes, key=lambda ts: ts.time)
    meters = [(ts.numerator, ts.denominator, _beats(pm, ts.time)) for ts in changes]
    if not meters or meters[0][2] > 0:
        meters.insert(0, (4, 4, 0.0))  # MIDI's default before the first time signature
    if len({(n, d) for n, d, _ in meters}) > 1:
        listed = ", ".join(f"{n}/{d} at beat {b:g}" for n, d, b in meters)
        raise MeterError(
            f"MIDI file {path} changes meter ({listed}); Segue needs one meter throughout: 4/4"
        )
    return meters[0][0], meters[0][1]


def _track(pm: pretty_midi.PrettyMIDI, inst: pretty_midi.Instrument) -> Track:
    notes = []
    for n in inst.notes:
        start, end = _beats(pm, n.start), _beats(pm, n.end)
        if end > start:
            notes.append(Note(int(n.pitch), start, end - start, int(n.velocity)))
    notes.sort(key=lambda n: (n.start, n.pitch))
    return Track(notes=notes, program=int(inst.program), is_drum=bool(inst.is_drum), name=inst.name)


def read_midi(path: str | os.PathLike[str]) -> NoteSequence:
    """Reads a MIDI file into a NoteSequence (times in beats; see the module docstring).

    Raises:
        InputError: the file is missing or cannot be parsed.
        MeterError: the file changes time signature.
    """
    path = Path(path)
    pm = _parse(path)
    numerator, denominator = _meter(pm, path)
    _, tempi = pm.get_tempo_changes()
    qpm = round(float(tempi[0]), 2) if len(tempi) else _DEFAULT_QPM
    tracks = [_track(pm, inst) for inst in pm.instruments]
    return NoteSequence(tracks=tracks, qpm=qpm, numerator=numerator, denominator=denominator)


def write_midi(seq: NoteSequence, path: str | os.PathLike[str]) -> None:
    """Writes ``seq`` as a MIDI file: one tempo, its time signature, one instrument per track.

    Raises:
        InputError: a bad note, program, tempo or time signature.
        OSError: the file cannot be written.
    """
    validate_sequence(seq)
    d = seq.denominator
    if not (1 <= seq.numerator <= 255 and d >= 1 and d & (d - 1) == 0 and d <= 128):
        raise InputError(f"cannot write time signature {seq.numerator}/{d} to MIDI")
    pm = pretty_midi.PrettyMIDI(resolution=WRITE_RESOLUTION, initial_tempo=seq.qpm)
    pm.time_signature_changes.append(pretty_midi.TimeSignature(seq.numerator, d, 0.0))
    seconds_per_beat = 60.0 / seq.qpm
    for track in seq.tracks:
        inst = pretty_midi.Instrument(track.program, is_drum=track.is_drum, name=track.name)
        inst.notes = [
            pretty_midi.Note(
                velocity=int(n.velocity),
                pitch=int(n.pitch),
                start=n.start * seconds_per_beat,
                end=n.end * seconds_per_beat,
            )
            for n in track.notes
        ]
        pm.instruments.append(inst)
    pm.write(str(path))


def _listing(seq: NoteSequence) -> str:
    if not seq.tracks:
        return "the clip has no tracks"
    rows = []
    for i, t in enumerate(seq.tracks):
        name = f" {t.name!r}" if t.name else ""
        kind = "drums" if t.is_drum else f"program {t.program}"
        rows.append(f"{i}{name} ({kind}, {len(t.notes)} notes)")
    return "tracks: " + "; ".join(rows)


def select_tracks(
    seq: NoteSequence, program: int | None = None, track: int | None = None
) -> NoteSequence:
    """Keeps the tracks with General MIDI ``program`` and/or the one at index ``track``.

    ``program`` matches non-drum tracks only (a drum track's program names a kit, not an
    instrument); pick a drum track by ``track`` index. With both given, both must hold; with
    neither, every track is kept. Tempo and meter are carried over; notes are shared, tracks
    are new objects.

    Raises:
        InputError: no track matches (the message lists the tracks there are).
    """
    chosen = list(enumerate(seq.tracks))
    if track is not None:
        if not 0 <= track < len(seq.tracks):
            raise InputError(f"no track {track}; {_listing(seq)}")
        chosen = [chosen[track]]
    if program is not None:
        chosen = [(i, t) for i, t in chosen if not t.is_drum and t.program == program]
        if not chosen:
            where = f"track {track}" if track is not None else "the clip"
            raise InputError(f"{where} has no instrument with program {program}; {_listing(seq)}")
    tracks = [Track(list(t.notes), t.program, t.is_drum, t.name) for _, t in chosen]
    return NoteSequence(tracks, seq.qpm, seq.numerator, seq.denominator)
