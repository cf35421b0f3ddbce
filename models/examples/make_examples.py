"""Writes the two example clips that ship with Segue (run once; the .mid files are committed).

A: a rising, stepwise two-bar phrase in C major, eighth notes.
B: a leaping, syncopated two-bar answer in A minor, with longer notes.
Both are written here for Segue; no outside material.
"""

from pathlib import Path

from segue.models.midifile import write_midi
from segue.models.notes import Note, NoteSequence, Track

HERE = Path(__file__).parent


def phrase(notes: list[tuple[int, float, float]]) -> NoteSequence:
    track = Track([Note(p, s, d, 96) for p, s, d in notes], program=0, name="melody")
    return NoteSequence([track], qpm=110.0)


A = phrase([(60, 0, .5), (62, .5, .5), (64, 1, .5), (65, 1.5, .5), (67, 2, 1), (64, 3, .5),
            (67, 3.5, .5), (72, 4, 1.5), (71, 5.5, .5), (69, 6, .5), (67, 6.5, .5), (65, 7, 1)])
B = phrase([(69, 0, .75), (76, .75, .75), (72, 1.5, 1), (64, 2.5, .5), (69, 3, 1.5),
            (74, 4.5, .5), (71, 5, .75), (68, 5.75, .25), (69, 6, 2)])

if __name__ == "__main__":
    write_midi(A, HERE / "a.mid")
    write_midi(B, HERE / "b.mid")
