"""Plain note containers shared by every layer of Segue.

Times are in beats (quarter notes), as in a Live clip. A ``NoteSequence`` is what MIDI files,
Live clips and the model's output all turn into; the representations in
``segue.models.representation`` turn it into tensors and back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DRUM_CHANNEL = 9
BEATS_PER_BAR = 4.0  # every model plays 4/4 bars: 4 beats, 16 steps of a 16th (representation.STEPS_PER_BAR)


@dataclass(frozen=True)
class Note:
    pitch: int  # MIDI pitch 0..127
    start: float  # beats from the start of the sequence
    duration: float  # beats, > 0
    velocity: int = 100  # 1..127

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass
class Track:
    notes: list[Note] = field(default_factory=list)
    program: int = 0  # General MIDI program 0..127
    is_drum: bool = False
    name: str = ""


@dataclass
class NoteSequence:
    tracks: list[Track] = field(default_factory=list)
    qpm: float = 120.0  # tempo, quarter notes per minute
    numerator: int = 4  # time signature
    denominator: int = 4

    @property
    def beats_per_bar(self) -> float:
        return self.numerator * 4.0 / self.denominator

    @property
    def end(self) -> float:
        """Beat at which the last note ends (0 for an empty sequence)."""
        return max((n.end for t in self.tracks for n in t.notes), default=0.0)
