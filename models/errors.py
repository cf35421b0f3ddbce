"""Errors Segue raises on purpose. Every message says what is wrong and, where it can, what to do.

    SegueError
    ├── CheckpointError      a model file is missing, truncated, corrupt or does not match its config
    ├── InputError           a clip or MIDI file the model cannot take as it is
    │   ├── MeterError       not 4/4 (every representation uses 16 steps per bar)
    │   ├── EmptyClipError   no usable notes for this representation
    │   └── ClipLengthError  longer than the documented maximum
    └── ModelError           a request the loaded model cannot serve (unknown attribute, wrong sizes)

The engine and the bridge add their own subclasses (addresses, ports) on top of ``SegueError``.
"""


class SegueError(Exception):
    """Base of every error Segue raises deliberately."""


class CheckpointError(SegueError):
    pass


class InputError(SegueError, ValueError):
    pass


class MeterError(InputError):
    pass


class EmptyClipError(InputError):
    pass


class ClipLengthError(InputError):
    pass


class ModelError(SegueError, ValueError):
    pass
