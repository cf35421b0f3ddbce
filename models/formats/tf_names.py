"""Magenta's TensorFlow variable names <-> Segue's modules: the one naming shared by the
Magenta.js importer and exporter (``magenta_js``) and the Python Magenta importer (``magenta_tf``).

Both formats hold the variables TensorFlow's MusicVAE made, by the same names: LSTMBlockCell
kernels ``[in + H, 4H]`` with gates i, j, f, o and a forget bias of 1.0 added at run time, dense
kernels ``[in, out]``. ``layout`` lists, for a config, every TF layer and the module of Segue's
network that holds it; ``to_tf`` / ``map_weights`` convert between the two; ``config_from_weights``
reads the layer sizes back from the shapes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from segue.models.configs import MusicVAEConfig
from segue.models.errors import CheckpointError
from segue.models.musicvae import MusicVAE, lstm_from_tf, lstm_to_tf
from segue.models.representation import Representation

__all__ = ["SIGMA_MISSING", "config_from_weights", "layout", "map_weights", "tf_variable_names", "to_tf"]


# --- the layout ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Var:
    """One TF layer (kernel + bias, or a NADE's two weights) and where it lives in Segue's state dict."""

    tf: str  # TF scope, ending in "/": the variables are tf + "kernel" and tf + "bias"
    torch: str  # module path, ending in "."
    lstm: bool  # an LSTM layer (else a dense layer)
    reverse: bool = False  # the backward direction of a bidirectional nn.LSTM
    nade: bool = False  # a NADE: tf + "w_enc" [bits, 1, hidden] and tf + "w_dec_t" [bits, hidden, 1]

    def suffix(self) -> str:
        return "_l0_reverse" if self.reverse else "_l0"

    @property
    def parts(self) -> tuple[str, str]:
        return ("w_enc", "w_dec_t") if self.nade else ("kernel", "bias")


def _bidi(tf_scope: str, torch_layer: str) -> Iterator[_Var]:
    for direction, reverse in (("fw", False), ("bw", True)):
        yield _Var(f"{tf_scope}bidirectional_rnn/{direction}/multi_rnn_cell/cell_0/lstm_cell/",
                   torch_layer, True, reverse)


def _head_prefixes(decoder: str, n_heads: int) -> list[str]:
    base = "core_decoder/" if decoder == "hierarchical" else ""
    if n_heads == 1:
        return [f"{base}decoder/"]
    return [f"{base}core_decoder_{k}/decoder/" for k in range(n_heads)]


def layout(config: MusicVAEConfig, n_heads: int) -> list[_Var]:
    out: list[_Var] = []
    layers = range(len(config.enc_rnn_size))
    if config.encoder == "hierarchical":
        for level in (0, 1):
            for l in layers:
                out += _bidi(f"encoder/hierarchical_level_{level}/cell_{l}/", f"encoder.levels.{level}.layers.{l}.")
    else:
        for l in layers:
            out += _bidi(f"encoder/cell_{l}/", f"encoder.core.layers.{l}.")
    out += [_Var("encoder/mu/", "encoder.mu.", False), _Var("encoder/sigma/", "encoder.sigma.", False)]
    dec_layers = range(len(config.dec_rnn_size))
    if (config.controls or {}).get("preprocess"):
        out += _bidi("control_preprocessing/cell_0/", "decoder.control_lstm.")
    if config.decoder == "hierarchical":
        out += [_Var(f"decoder/hierarchical_level_0/cell_{i}/lstm_cell/", f"decoder.conductor.{i}.", True)
                for i in dec_layers]
        out.append(_Var("decoder/hierarchical_level_0/initial_state/", "decoder.initial_state.", False))
    for k, prefix in enumerate(_head_prefixes(config.decoder, n_heads)):
        head = f"decoder.heads.{k}."
        out += [_Var(f"{prefix}multi_rnn_cell/cell_{i}/lstm_cell/", f"{head}layers.{i}.", True) for i in dec_layers]
        out.append(_Var(f"{prefix}z_to_initial_state/", f"{head}z_to_initial_state.", False))
        out.append(_Var(f"{prefix}output_projection/", f"{head}output_projection.", False))
        if config.output == "nade":
            out.append(_Var(f"{prefix}nade/", head, False, nade=True))
    return out


def to_tf(var: _Var, state: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    p, s = var.torch, var.suffix()
    if var.nade:
        w_enc, w_dec_t = state[f"{p}w_enc"], state[f"{p}w_dec_t"]
        return w_enc[:, None, :].contiguous(), w_dec_t[:, :, None].contiguous()
    if var.lstm:
        return lstm_to_tf(state[f"{p}weight_ih{s}"], state[f"{p}weight_hh{s}"],
                          state[f"{p}bias_ih{s}"], state[f"{p}bias_hh{s}"])
    return state[f"{p}weight"].t().contiguous(), state[f"{p}bias"]


def _from_tf(var: _Var, kernel: torch.Tensor, bias: torch.Tensor) -> dict[str, torch.Tensor]:
    p, s = var.torch, var.suffix()
    if var.nade:
        return {f"{p}w_enc": kernel.reshape(kernel.shape[0], -1), f"{p}w_dec_t": bias.reshape(bias.shape[0], -1)}
    if var.lstm:
        hidden = bias.shape[0] // 4
        w_ih, w_hh, b_ih, b_hh = lstm_from_tf(kernel, bias, kernel.shape[0] - hidden)
        return {f"{p}weight_ih{s}": w_ih, f"{p}weight_hh{s}": w_hh, f"{p}bias_ih{s}": b_ih, f"{p}bias_hh{s}": b_hh}
    return {f"{p}weight": kernel.t().contiguous(), f"{p}bias": bias.clone()}


# --- weights -> MusicVAEConfig -------------------------------------------------------------------

def _lstm_hidden(weights: dict[str, np.ndarray], scope: str) -> int:
    bias = weights[scope + "bias"]
    if bias.ndim != 1 or bias.shape[0] % 4:
        raise CheckpointError(f"shape mismatch: {scope}bias has shape {list(bias.shape)}; "
                              "an LSTM bias is [4 * units]")
    return bias.shape[0] // 4


def _stack(weights: dict[str, np.ndarray], scope_of) -> tuple[int, ...]:
    """Units of each layer of a stack, found by probing cell_0, cell_1, ... as Magenta.js does."""
    sizes = []
    while scope_of(len(sizes)) + "kernel" in weights:
        sizes.append(_lstm_hidden(weights, scope_of(len(sizes))))
    return tuple(sizes)


def _bidi_sizes(weights: dict[str, np.ndarray], cell: str) -> tuple[int, ...]:
    fw = _stack(weights, lambda l: cell.format(l=l) + "bidirectional_rnn/fw/multi_rnn_cell/cell_0/lstm_cell/")
    bw = _stack(weights, lambda l: cell.format(l=l) + "bidirectional_rnn/bw/multi_rnn_cell/cell_0/lstm_cell/")
    if fw != bw:
        raise CheckpointError(f"encoder {cell.format(l='N')}: forward layers {list(fw)} and backward layers "
                              f"{list(bw)} differ")
    return fw


def config_from_weights(name: str, rep: Representation, weights: dict[str, np.ndarray], where: Path | str,
                        steps: int, segments: int, **features) -> MusicVAEConfig:
    """The MusicVAEConfig whose layer sizes, z size and encoder kind fit these TF-named weights
    (only their shapes are read). ``segments`` 0: a flat decoder; else a conductor with that many
    steps. ``features``: further config fields the caller read elsewhere (output, nade_hidden,
    controls, window_bars). Shared by Magenta.js and TF checkpoints (``magenta_js``, ``magenta_tf``)."""
    if any("/nade/" in k for k in weights) and features.get("output") != "nade":
        raise CheckpointError(f"{where}: unsupported: a NADE decoder (nade/* weights)")
    if any(k.startswith("control_preprocessing/") for k in weights) and \
            not (features.get("controls") or {}).get("preprocess"):
        raise CheckpointError(f"{where}: unsupported: control preprocessing (control_preprocessing/* weights)")
    if segments:
        levels = [_bidi_sizes(weights, f"encoder/hierarchical_level_{v}/cell_{{l}}/") for v in (0, 1)]
        if levels[0] or levels[1]:
            if levels[0] != levels[1]:
                raise CheckpointError(f"{where}: unsupported: hierarchical encoder levels of different sizes "
                                      f"({list(levels[0])} and {list(levels[1])} units); Segue's two levels "
                                      "share one size")
            encoder, enc = "hierarchical", levels[0]
        else:  # a Python hierdec model: a stacked bidirectional encoder over the whole window
            encoder, enc = "bidirectional", _bidi_sizes(weights, "encoder/cell_{l}/")
        decoder = "hierarchical"
    else:
        encoder, enc, decoder = "bidirectional", _bidi_sizes(weights, "encoder/cell_{l}/"), "flat"
    if not enc:
        want = ("encoder/hierarchical_level_0/cell_0/bidirectional_rnn/fw/multi_rnn_cell/cell_0/lstm_cell/kernel"
                if segments else "encoder/cell_0/bidirectional_rnn/fw/multi_rnn_cell/cell_0/lstm_cell/kernel")
        raise CheckpointError(f"{where}: no encoder weights (looked for {want!r})")
    if "encoder/mu/bias" not in weights:
        raise CheckpointError(f"{where}: missing weight 'encoder/mu/bias'")
    z = int(weights["encoder/mu/bias"].shape[0]) if weights["encoder/mu/bias"].ndim == 1 else -1
    if z <= 0:
        raise CheckpointError(f"shape mismatch: encoder/mu/bias has shape {list(weights['encoder/mu/bias'].shape)}")
    heads = _head_prefixes(decoder, rep.n_heads)
    dec_sizes = [_stack(weights, lambda i, p=p: f"{p}multi_rnn_cell/cell_{i}/lstm_cell/") for p in heads]
    if not dec_sizes[0]:
        raise CheckpointError(
            f"{where}: no decoder weights (looked for {heads[0]}multi_rnn_cell/cell_0/lstm_cell/kernel)")
    for p, sizes in zip(heads, dec_sizes):
        if sizes != dec_sizes[0]:
            raise CheckpointError(f"{where}: unsupported: decoder {p} has layers {list(sizes)}, "
                                  f"{heads[0]} has {list(dec_sizes[0])}; Segue's heads share one size")
    if decoder == "hierarchical":
        conductor = _stack(weights, lambda i: f"decoder/hierarchical_level_0/cell_{i}/lstm_cell/")
        if conductor != dec_sizes[0]:
            raise CheckpointError(f"{where}: unsupported: conductor layers {list(conductor)} differ from the "
                                  f"bottom decoder's {list(dec_sizes[0])}; Segue's conductor has the decoder's sizes")
    try:
        return MusicVAEConfig(name=name, representation=rep.to_dict(), z_size=z, enc_rnn_size=enc,
                              dec_rnn_size=dec_sizes[0], max_seq_len=steps, encoder=encoder, decoder=decoder,
                              num_segments=segments or 1, **features)
    except ValueError as e:
        raise CheckpointError(f"{where}: {e}") from None


# --- weights -> MusicVAE -------------------------------------------------------------------------

SIGMA_MISSING = ("absent from the checkpoint (Magenta.js never reads it): the sigma layer has zero "
                 "weights, so sigma = softplus(0) = 0.693 for every input; mu is exact")


def tf_variable_names(config: MusicVAEConfig, n_heads: int) -> list[str]:
    """The TF variable names (kernels and biases) a model of this config maps onto."""
    return [var.tf + part for var in layout(config, n_heads) for part in var.parts]


def map_weights(config: MusicVAEConfig, rep: Representation, weights: dict[str, np.ndarray],
                where: Path | str) -> tuple[MusicVAE, set[str], bool]:
    """A MusicVAE of ``config`` holding these TF-named float32 weights (kernels [in, out], LSTM
    gates i, j, f, o); the names it used; whether sigma was absent (then zero weights).
    Shared by Magenta.js and TF checkpoints."""
    model = MusicVAE(config)
    state = model.state_dict()
    sigma_missing = "encoder/sigma/kernel" not in weights and "encoder/sigma/bias" not in weights
    new_state: dict[str, torch.Tensor] = {}
    used = set()
    for var in layout(config, rep.n_heads):
        want_k, want_b = to_tf(var, state)
        if var.tf == "encoder/sigma/" and sigma_missing:
            kernel, bias = torch.zeros_like(want_k), torch.zeros_like(want_b)
        else:
            arrays = []
            for part, want in zip(var.parts, (want_k, want_b)):
                key = var.tf + part
                if key not in weights:
                    raise CheckpointError(f"{where}: missing weight {key!r} (needed for {config.encoder} encoder / "
                                          f"{config.decoder} decoder of {rep.kind})")
                got = weights[key]
                if tuple(got.shape) != tuple(want.shape):
                    raise CheckpointError(f"{where}: shape mismatch: {key} has shape {list(got.shape)}, "
                                          f"expected {list(want.shape)} for this {rep.kind} model")
                arrays.append(torch.from_numpy(got))  # callers pass fresh, writable float32 arrays
                used.add(key)
            kernel, bias = arrays
        new_state.update(_from_tf(var, kernel, bias))
    model.load_state_dict(new_state)
    return model, used, sigma_missing
