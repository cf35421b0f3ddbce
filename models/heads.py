"""Decoder heads whose steps output something other than one class: Magenta.js's BooleanDecoder,
NadeDecoder and GrooveDecoder, with its maths.

Every head is the same conditioned LSTM stack as ``musicvae.CoreDecoder``: its state starts at
tanh(dense(cond)), and each step reads [previous output, cond, controls]. They differ in what a
step outputs from the top layer's projection, and so in what the next step reads:

- ``BitsHead`` (``output="bits"``): n independent bits, bit = logit >= 0 at temperature 0 and
  Bernoulli(sigmoid(logit / T)) otherwise. Its token is the integer sum of ``2**bit`` (a drum
  roll's 9 bits give Segue's 512-way drum index); the next step reads the bits.
- ``NadeHead`` (``output="nade"``): the projection gives a NADE's biases (hidden, then one per
  bit) and the bits are drawn one after another, each conditioned on those before it (argmax:
  conditional probability >= 0.5). Magenta.js always takes the argmax; Segue samples at T > 0.
- ``GrooveHead`` (``output="groove"``): per drum a hit logit, a velocity and an offset (the
  projection is [hits, velocities, offsets]); hit = sigmoid(logit) > 0.5 at temperature 0,
  velocity = sigmoid, offset = tanh. Its token is that float vector, and the next step reads it.

Sampling at T > 0 uses logistic noise, the difference of two Gumbel draws of the keyed noise
(``musicvae.gumbel_noise``): ``logit / T + L > 0`` has probability sigmoid(logit / T). So each bit
takes two noise columns (``noise_depth``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["BitsHead", "GrooveHead", "NadeHead", "StackHead", "initial_state", "lstm_step"]


def lstm_step(gates_x: Tensor, h: Tensor, c: Tensor, weight_hh: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM step given the input's share of the gates (bias included). torch gate order.

    Written for few kernel launches (the cost at batch 1): one addmm, one sigmoid over all four
    gates, one tanh for the candidate, then c and h."""
    gates = torch.addmm(gates_x, h, weight_hh.t())  # (N, 4H)
    hidden = h.shape[1]
    act = torch.sigmoid(gates)
    g = torch.tanh(gates[:, 2 * hidden : 3 * hidden])
    c = torch.addcmul(act[:, hidden : 2 * hidden] * c, act[:, :hidden], g)
    return act[:, 3 * hidden :] * torch.tanh(c), c


def initial_state(dense: nn.Linear, cond: Tensor, sizes: tuple[int, ...]):
    """tanh(dense(cond)) split as c0, h0, c1, h1, ... -> lists hs, cs."""
    flat = torch.tanh(dense(cond))
    parts = flat.split([s for size in sizes for s in (size, size)], dim=-1)
    return list(parts[1::2]), list(parts[0::2])


def add_lstm_stack(module: nn.Module, input_size: int, cond_size: int, sizes: tuple[int, ...], out_size: int) -> None:
    """Give ``module`` Magenta's decoder stack: ``z_to_initial_state`` (the code to every layer's
    initial (c, h), near zero at first), the LSTM ``layers`` and the ``output_projection``."""
    module.z_to_initial_state = nn.Linear(cond_size, 2 * sum(sizes))
    nn.init.normal_(module.z_to_initial_state.weight, std=0.001)
    nn.init.zeros_(module.z_to_initial_state.bias)
    ins = [input_size] + list(sizes[:-1])
    module.layers = nn.ModuleList(nn.LSTM(i, s, batch_first=True) for i, s in zip(ins, sizes))
    module.output_projection = nn.Linear(sizes[-1], out_size)


def _logistic(noise: Tensor, n: int) -> Tensor:
    """Logistic(0, 1) noise from 2n Gumbel columns."""
    return noise[..., :n] - noise[..., n : 2 * n]


Choose = Callable[[int, Tensor], tuple[Tensor, Tensor]]  # (step, projection) -> (token, next input)


class StackHead(nn.Module):
    """An LSTM stack conditioned on ``cond`` whose steps read a float vector of the previous
    output (``feedback`` wide); subclasses say what a step outputs."""

    token_width = 1  # columns of the token array (1: an integer token)

    def __init__(self, feedback: int, out_size: int, cond_size: int, sizes: tuple[int, ...], control_size: int = 0):
        super().__init__()
        self.feedback = feedback
        self.cond_size = cond_size
        self.control_size = control_size
        self.sizes = sizes
        add_lstm_stack(self, feedback + cond_size + control_size, cond_size, sizes, out_size)

    # --- what a step outputs (subclasses) ---------------------------------------------------------
    noise_depth = 0

    def choose_fn(self, temperature: float, noise: Tensor | None) -> Choose:
        raise NotImplementedError

    def start_feedback(self, start: Tensor) -> Tensor:
        """The first step's input from the start token(s) (NO_TOKEN / zeros: nothing before)."""
        raise NotImplementedError

    def margin(self, out: Tensor, token: Tensor) -> Tensor:
        """How far each step's choice was from going the other way (for parity checks)."""
        raise NotImplementedError

    # --- running ---------------------------------------------------------------------------------
    def forward(self, cond: Tensor, prev: Tensor, controls: Tensor | None = None) -> Tensor:
        """Teacher forcing: ``prev`` (N, L, feedback) the inputs -> projections (N, L, out)."""
        n, length = prev.shape[:2]
        parts = [prev.to(cond.dtype), cond[:, None, :].expand(n, length, cond.shape[-1])]
        if controls is not None:
            parts.append(controls.to(cond.dtype))
        x = torch.cat(parts, dim=-1)
        hs, cs = initial_state(self.z_to_initial_state, cond, self.sizes)
        for k, layer in enumerate(self.layers):
            x, _ = layer(x, (hs[k][None].contiguous(), cs[k][None].contiguous()))
        return self.output_projection(x)

    def steps(self, cond: Tensor, first: Tensor, count: int, choose: Choose, controls: Tensor | None = None,
              keep_logits: bool = False) -> tuple[Tensor, Tensor | None]:
        """Run ``count`` steps one at a time from the start token(s) ``first``; ``choose(t, out)``
        gives (token, next input). Returns the tokens (N, count[, width]) and with ``keep_logits``
        the projections (N, count, out)."""
        first_layer = self.layers[0]
        w_ih0, w_hh0 = first_layer.weight_ih_l0, first_layer.weight_hh_l0
        f, c = self.feedback, self.cond_size
        cond_gates = F.linear(cond, w_ih0[:, f : f + c], first_layer.bias_ih_l0 + first_layer.bias_hh_l0)
        ctrl_gates = F.linear(controls.to(cond.dtype), w_ih0[:, f + c :]) if controls is not None else None
        fb_w = w_ih0[:, :f]
        hs, cs = initial_state(self.z_to_initial_state, cond, self.sizes)
        feedback = self.start_feedback(first).to(cond.dtype)
        tokens, outs = [], []
        for t in range(count):
            x = cond_gates + F.linear(feedback, fb_w)
            if ctrl_gates is not None:
                x = x + ctrl_gates[:, t]
            hs[0], cs[0] = lstm_step(x, hs[0], cs[0], w_hh0)
            for k in range(1, len(self.layers)):
                layer = self.layers[k]
                hs[k], cs[k] = torch.lstm_cell(hs[k - 1], (hs[k], cs[k]), layer.weight_ih_l0, layer.weight_hh_l0,
                                               layer.bias_ih_l0, layer.bias_hh_l0)
            out = F.linear(hs[-1], self.output_projection.weight, self.output_projection.bias)
            if keep_logits:
                outs.append(out)
            token, feedback = choose(t, out)
            tokens.append(token)
        return torch.stack(tokens, dim=1), torch.stack(outs, dim=1) if keep_logits else None

    def sample(self, cond: Tensor, start: Tensor, steps: int, temperature: float, noise: Tensor | None = None,
               controls: Tensor | None = None) -> Tensor:
        return self.steps(cond, start, steps, self.choose_fn(temperature, noise), controls)[0]


class BitsHead(StackHead):
    """Independent Bernoulli bits (Magenta.js's BooleanDecoder)."""

    def __init__(self, bits: int, cond_size: int, sizes: tuple[int, ...], control_size: int = 0):
        super().__init__(bits, bits, cond_size, sizes, control_size)
        self.bits = bits
        self.noise_depth = 2 * bits
        self.register_buffer("_powers", 2 ** torch.arange(bits), persistent=False)

    def to_bits(self, tokens: Tensor) -> Tensor:
        return ((tokens.clamp(min=0)[..., None] >> torch.arange(self.bits, device=tokens.device)) & 1).float()

    def to_token(self, bits: Tensor) -> Tensor:
        return (bits.long() * self._powers).sum(-1)

    def start_feedback(self, start: Tensor) -> Tensor:
        return self.to_bits(start) * (start >= 0)[..., None]

    def _bits(self, logits: Tensor, temperature: float, noise: Tensor | None) -> Tensor:
        if temperature > 0 and noise is not None:
            return (logits / temperature + _logistic(noise, self.bits) > 0).float()
        return (logits >= 0).float()

    def choose_fn(self, temperature: float, noise: Tensor | None) -> Choose:
        def choose(t: int, out: Tensor) -> tuple[Tensor, Tensor]:
            bits = self._bits(out, temperature, None if noise is None else noise[:, t])
            return self.to_token(bits), bits
        return choose

    def margin(self, out: Tensor, token: Tensor) -> Tensor:
        return out.abs().min(-1).values


class NadeHead(BitsHead):
    """Bits drawn by a NADE whose biases the LSTM gives (Magenta.js's NadeDecoder)."""

    def __init__(self, bits: int, hidden: int, cond_size: int, sizes: tuple[int, ...], control_size: int = 0):
        StackHead.__init__(self, bits, hidden + bits, cond_size, sizes, control_size)
        self.bits, self.hidden = bits, hidden
        self.noise_depth = 2 * bits
        self.register_buffer("_powers", 2 ** torch.arange(bits), persistent=False)
        self.w_enc = nn.Parameter(torch.randn(bits, hidden) * 0.01)  # TF nade/w_enc [bits, 1, hidden]
        self.w_dec_t = nn.Parameter(torch.randn(bits, hidden) * 0.01)  # TF nade/w_dec_t [bits, hidden, 1]

    def _conditionals(self, out: Tensor, temperature: float, noise: Tensor | None,
                      given: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Bits (drawn, or ``given``) and each bit's conditional logit: (N, bits), (N, bits)."""
        a = out[:, : self.hidden]
        dec_bias = out[:, self.hidden :]
        bits, logits = [], []
        for i in range(self.bits):
            logit = dec_bias[:, i] + (torch.sigmoid(a) * self.w_dec_t[i]).sum(-1)
            if given is not None:
                bit = given[:, i]
            elif temperature > 0 and noise is not None:
                bit = (logit / temperature + _logistic(noise, self.bits)[:, i] > 0).to(out.dtype)
            else:
                bit = (logit >= 0).to(out.dtype)
            a = a + bit[:, None] * self.w_enc[i]
            bits.append(bit)
            logits.append(logit)
        return torch.stack(bits, -1), torch.stack(logits, -1)

    def choose_fn(self, temperature: float, noise: Tensor | None) -> Choose:
        def choose(t: int, out: Tensor) -> tuple[Tensor, Tensor]:
            bits, _ = self._conditionals(out, temperature, None if noise is None else noise[:, t])
            return self.to_token(bits), bits
        return choose

    def margin(self, out: Tensor, token: Tensor) -> Tensor:
        flat_out = out.reshape(-1, out.shape[-1])
        given = self.to_bits(token.reshape(-1))
        _, logits = self._conditionals(flat_out, 0.0, None, given)
        return logits.abs().min(-1).values.reshape(token.shape)


class GrooveHead(StackHead):
    """GrooVAE's decoder: per drum a hit, a velocity and a timing offset (GrooveDecoder)."""

    def __init__(self, drums: int, cond_size: int, sizes: tuple[int, ...], control_size: int = 0):
        super().__init__(3 * drums, 3 * drums, cond_size, sizes, control_size)
        self.drums = drums
        self.token_width = 3 * drums
        self.noise_depth = 2 * drums

    def start_feedback(self, start: Tensor) -> Tensor:
        return start.float() if start.dim() == 2 else start.new_zeros(start.shape[0], self.token_width).float()

    def choose_fn(self, temperature: float, noise: Tensor | None) -> Choose:
        n = self.drums

        def choose(t: int, out: Tensor) -> tuple[Tensor, Tensor]:
            hits = out[:, :n]
            if temperature > 0 and noise is not None:
                hits = (hits / temperature + _logistic(noise[:, t], n) > 0).to(out.dtype)
            else:
                hits = (hits > 0).to(out.dtype)
            vec = torch.cat([hits, torch.sigmoid(out[:, n : 2 * n]), torch.tanh(out[:, 2 * n :])], dim=-1)
            return vec, vec
        return choose

    def margin(self, out: Tensor, token: Tensor) -> Tensor:
        return out[..., : self.drums].abs().min(-1).values
