"""Named model configurations, as plain data, keeping Magenta's names.

A config says everything needed to build a network; the checkpoint stores it (``asdict``) so a
saved model rebuilds itself. Sizes and training hyperparameters follow magenta's
``music_vae/configs.py``; see ``shared/reference/musicvae.md`` section 1.1.

Shapes:
- ``encoder="bidirectional"``: a stack of bidirectional LSTM layers (``enc_rnn_size`` units per
  direction, one entry per layer) over the whole window.
- ``encoder="hierarchical"``: the two-level encoder Magenta.js requires whenever there are
  segments. Level 0 runs a bidirectional stack over each segment, level 1 a second one over the
  ``num_segments`` segment embeddings.
- ``decoder="flat"``: an autoregressive LSTM stack conditioned on z.
- ``decoder="hierarchical"``: the conductor runs ``num_segments`` steps on zero input; each of its
  outputs conditions a bottom decoder for one segment (``max_seq_len // num_segments`` steps).

What each decoder step outputs (``output``), as Magenta.js's decoders:

- ``"categorical"``: one class per head (a softmax; argmax at temperature 0);
- ``"bits"``: independent Bernoulli bits (Magenta.js's BooleanDecoder: bit = logit >= 0 at
  temperature 0); a head of depth 2**n holds n bits, its token is their sum of ``2**bit``;
- ``"nade"``: the same bits drawn one after another by a NADE (``nade_hidden`` units);
- ``"groove"``: GrooVAE's hits, velocities and timing offsets (``segue.models.groove``).

``controls`` conditions encoder and decoder on per-step control signals, concatenated to their
inputs (``segue.models.controls``): ``{"chords": encoder name, "key": true, "extra": [[name,
depth], ...], "preprocess": units of a bidirectional LSTM run over the controls first}``.
``window_bars`` gives the window's length in bars when ``max_seq_len`` counts events rather than
16th-note steps (multitrack models).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

STEPS_PER_BAR = 16
OUTPUTS = ("categorical", "bits", "nade", "groove")

MELODY = {"kind": "melody", "min_pitch": 21, "max_pitch": 108, "programs": [0, 31]}
DRUMS = {"kind": "drums", "pitch_table": "current"}
TRIO = {"kind": "trio"}
GROOVE = {"kind": "groove", "mode": "humanize", "pitch_table": "legacy"}
TAP = {"kind": "groove", "mode": "tap", "pitch_table": "legacy"}


@dataclass(frozen=True)
class MusicVAEConfig:
    name: str
    representation: dict[str, Any]
    z_size: int
    enc_rnn_size: tuple[int, ...]  # units per direction, one entry per stacked layer
    dec_rnn_size: tuple[int, ...]  # decoder (and conductor) LSTM stack
    max_seq_len: int  # steps in one window: 32 = 2 bars of 16 steps
    encoder: str = "bidirectional"  # or "hierarchical"
    decoder: str = "flat"  # or "hierarchical"
    num_segments: int = 1  # conductor steps (hierarchical decoder) / level-1 length (encoder)
    # training hyperparameters (magenta's defaults unless the config overrides them)
    batch_size: int = 512
    learning_rate: float = 1e-3
    min_learning_rate: float = 1e-5
    decay_rate: float = 0.9999
    free_bits: float = 0.0
    max_beta: float = 1.0
    beta_rate: float = 0.0
    sampling_schedule: str = "constant"  # "constant" | "inverse_sigmoid" | "exponential"
    sampling_rate: float = 0.0
    grad_clip: float = 1.0
    grad_norm_clip_to_zero: float = 10000.0
    dropout_keep_prob: float = 1.0
    extra: dict[str, Any] = field(default_factory=dict)
    output: str = "categorical"  # or "bits", "nade", "groove" (see the module docstring)
    nade_hidden: int = 0  # units of the NADE (output "nade")
    controls: dict[str, Any] = field(default_factory=dict)  # chords, key, extra controls, preprocess
    window_bars: int = 0  # bars in a window when max_seq_len counts events; 0: max_seq_len // 16

    def __post_init__(self) -> None:
        if self.max_seq_len % STEPS_PER_BAR and not self.window_bars:
            raise ValueError(f"{self.name}: max_seq_len {self.max_seq_len} is not whole bars")
        if self.encoder not in ("bidirectional", "hierarchical"):
            raise ValueError(f"{self.name}: unknown encoder {self.encoder!r}")
        if self.decoder not in ("flat", "hierarchical"):
            raise ValueError(f"{self.name}: unknown decoder {self.decoder!r}")
        segmented = self.encoder == "hierarchical" or self.decoder == "hierarchical"
        if segmented and (self.num_segments < 2 or self.max_seq_len % self.num_segments):
            raise ValueError(
                f"{self.name}: {self.max_seq_len} steps do not split into {self.num_segments} segments"
            )
        if not segmented and self.num_segments != 1:
            raise ValueError(f"{self.name}: num_segments needs a hierarchical encoder or decoder")
        if self.output not in OUTPUTS:
            raise ValueError(f"{self.name}: unknown output {self.output!r} (known: {', '.join(OUTPUTS)})")
        if (self.output == "nade") != (self.nade_hidden > 0):
            raise ValueError(f"{self.name}: a NADE output needs nade_hidden > 0, and only it has one")

    @property
    def bars(self) -> int:
        return self.window_bars or self.max_seq_len // STEPS_PER_BAR

    @property
    def segment_steps(self) -> int:
        return self.max_seq_len // self.num_segments

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["enc_rnn_size"] = list(self.enc_rnn_size)
        d["dec_rnn_size"] = list(self.dec_rnn_size)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MusicVAEConfig:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown config fields {unknown}")
        d = dict(d)
        d["enc_rnn_size"] = tuple(d["enc_rnn_size"])
        d["dec_rnn_size"] = tuple(d["dec_rnn_size"])
        return cls(**d)

    def scaled(self, hidden: int, z_size: int | None = None, **overrides: Any) -> MusicVAEConfig:
        """The same shape with every LSTM at ``hidden`` units: tiny models for tests and CI."""
        return replace(
            self,
            enc_rnn_size=tuple(hidden for _ in self.enc_rnn_size),
            dec_rnn_size=tuple(hidden for _ in self.dec_rnn_size),
            z_size=z_size if z_size is not None else hidden,
            **overrides,
        )


def _flat(name: str, rep: dict, enc: int, z: int, dec: tuple[int, ...], **kw: Any) -> MusicVAEConfig:
    return MusicVAEConfig(
        name=name, representation=rep, z_size=z, enc_rnn_size=(enc,), dec_rnn_size=dec,
        max_seq_len=32,  # 2 bars of 16 steps
        sampling_schedule="inverse_sigmoid", sampling_rate=1000.0, beta_rate=0.99999, **kw,
    )


CONFIGS: dict[str, MusicVAEConfig] = {
    c.name: c
    for c in [
        _flat("cat-mel_2bar_small", MELODY, 512, 256, (256, 256), max_beta=0.2),
        _flat("cat-mel_2bar_big", MELODY, 2048, 512, (2048, 2048, 2048), max_beta=0.5),
        replace(
            _flat("cat-drums_2bar_small", DRUMS, 512, 256, (256, 256), max_beta=0.2, free_bits=48.0),
            beta_rate=0.0,
        ),
        MusicVAEConfig(
            name="hierdec-mel_16bar", representation=MELODY, z_size=512,
            enc_rnn_size=(2048, 2048), dec_rnn_size=(1024, 1024),
            max_seq_len=256,  # 16 bars
            decoder="hierarchical", num_segments=16, free_bits=256.0, max_beta=0.2,
        ),
        MusicVAEConfig(
            name="hierdec-trio_16bar", representation=TRIO, z_size=512,
            enc_rnn_size=(2048, 2048), dec_rnn_size=(1024, 1024),
            max_seq_len=256, decoder="hierarchical", num_segments=16,
            batch_size=256, free_bits=256.0, max_beta=0.2,
        ),
        MusicVAEConfig(
            name="hier-mel_16bar", representation=MELODY, z_size=512,
            enc_rnn_size=(1024,), dec_rnn_size=(1024, 1024),
            max_seq_len=256, encoder="hierarchical", decoder="hierarchical", num_segments=16,
            free_bits=256.0, max_beta=0.2,
        ),
        # GrooVAE (magenta's groovae_2bar_humanize and its tap variant): Segue cannot train these
        # (its trainer takes categorical decoders); they are here for untrained runs and shapes.
        MusicVAEConfig(
            name="groovae_2bar_humanize", representation=GROOVE, z_size=256, enc_rnn_size=(512,),
            dec_rnn_size=(256, 256), max_seq_len=32, output="groove", free_bits=48.0, max_beta=0.2,
            dropout_keep_prob=0.3,
        ),
        MusicVAEConfig(
            name="groovae_2bar_tap", representation=TAP, z_size=256, enc_rnn_size=(512,),
            dec_rnn_size=(256, 256), max_seq_len=32, output="groove", free_bits=48.0, max_beta=0.2,
            dropout_keep_prob=0.3,
        ),
        # Shaped like Magenta.js's mel_4bar_* checkpoints: 4 bars, 4 segments of one bar each,
        # with the two-level hierarchical encoder Magenta.js requires when there are segments.
        # Sizes are ours (small enough to train on 2 CPU cores in hours).
        MusicVAEConfig(
            name="hier-mel_4bar_small", representation=MELODY, z_size=256,
            enc_rnn_size=(256,), dec_rnn_size=(256, 256),
            max_seq_len=64, encoder="hierarchical", decoder="hierarchical", num_segments=4,
            free_bits=48.0, max_beta=0.2,
        ),
    ]
}


def get_config(name: str) -> MusicVAEConfig:
    try:
        return CONFIGS[name]
    except KeyError:
        raise KeyError(f"unknown config {name!r}; known: {', '.join(CONFIGS)}") from None
