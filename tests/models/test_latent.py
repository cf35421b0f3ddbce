"""Slerp's properties and attribute shifts."""

import math

import torch
from hypothesis import given
from hypothesis import strategies as st

from segue.models.latent import interpolate, shift, slerp

vectors = st.lists(st.floats(-3, 3, allow_nan=False, width=32), min_size=4, max_size=4)


def _angle(a, b):
    return math.acos(max(-1.0, min(1.0, float(a @ b / (a.norm() * b.norm())))))


@given(vectors, vectors)
def test_endpoints_are_exact(a, b):
    p0, p1 = torch.tensor(a), torch.tensor(b)
    path = interpolate(p0, p1, 5)
    assert path.shape == (5, 4)
    assert torch.equal(path[0], p0) and torch.equal(path[-1], p1)
    assert torch.isfinite(path).all()


def test_constant_angular_speed_on_unit_vectors():
    g = torch.Generator().manual_seed(0)
    p0 = torch.nn.functional.normalize(torch.randn(16, generator=g), dim=0)
    p1 = torch.nn.functional.normalize(torch.randn(16, generator=g), dim=0)
    path = interpolate(p0, p1, 9)
    norms = path.norm(dim=-1)
    torch.testing.assert_close(norms, torch.ones(9), atol=1e-5, rtol=0)  # stays on the sphere
    steps = [_angle(path[i], path[i + 1]) for i in range(8)]
    assert max(steps) - min(steps) < 1e-4
    assert abs(sum(steps) - _angle(p0, p1)) < 1e-4


def test_matches_magenta_formula():
    p0, p1 = torch.tensor([1.0, 2.0, 0.5]), torch.tensor([-0.5, 1.0, 2.0])
    omega = math.acos(float(p0 @ p1 / (p0.norm() * p1.norm())))
    t = 0.3
    want = (math.sin((1 - t) * omega) * p0 + math.sin(t * omega) * p1) / math.sin(omega)
    torch.testing.assert_close(slerp(p0, p1, t), want)


def test_parallel_vectors_interpolate_linearly():
    p0 = torch.tensor([1.0, 2.0, 3.0])
    mid = slerp(p0, 3 * p0, 0.5)
    torch.testing.assert_close(mid, 2 * p0)
    torch.testing.assert_close(slerp(p0, p0, 0.25), p0)


def test_opposite_vectors_turn_through_an_orthogonal_direction():
    p0 = torch.tensor([1.0, 0.0, 0.0, 0.0])
    path = interpolate(p0, -2 * p0, 5)
    assert torch.isfinite(path).all()
    mid = path[2]
    assert abs(float(mid @ p0)) < 1e-6  # halfway is orthogonal to both ends
    torch.testing.assert_close(mid.norm(), torch.tensor(1.5))  # length goes 1 -> 2 linearly
    torch.testing.assert_close(path[-1], -2 * p0)


def test_zero_vector_is_safe():
    path = interpolate(torch.zeros(3), torch.tensor([0.0, 2.0, 0.0]), 3)
    torch.testing.assert_close(path[1], torch.tensor([0.0, 1.0, 0.0]))


def test_batched_over_windows():
    g = torch.Generator().manual_seed(2)
    a, b = torch.randn(3, 8, generator=g), torch.randn(3, 8, generator=g)
    path = interpolate(a, b, 4)
    assert path.shape == (4, 3, 8)
    for w in range(3):
        torch.testing.assert_close(path[:, w], interpolate(a[w], b[w], 4))


def test_shift_adds_the_scaled_vector():
    z, v = torch.zeros(2, 3), torch.tensor([1.0, -1.0, 0.5])
    torch.testing.assert_close(shift(z, v, 2.0), torch.stack([2 * v, 2 * v]))
