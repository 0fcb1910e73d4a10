"""Hidden tests of the `rope` kata: rope(x, positions=None, base=10000.0, style="half").

Expected values come from the float64 reference (graders/keys/rope/reference.py), from hand-computed
rotations (d = 2 and d = 4), or from properties any rotary embedding has (relative positions, norms,
decoding one position at a time), compared among the solution's own outputs.
Tolerances, measured over 500 random cases per setting (d from 2 to 64, bases 16 to 1e6, both
styles) on the five correct styles of the answer key (complex multiplication, Python loops,
float32-inside rotate_half, einsum with 2x2 matrices, the half layout through a permutation)
plus two more float32-inside variants (complex64; exp-log frequencies), against the reference:
  F64, float64 x, positions < 1e3 -> rtol 1e-9, atol 1e-11: styles differ in how theta is formed
      (base ** (-2i/d), 1 / base ** (2i/d), exp(-2i/d log base)) and multiplied, and the angle
      rounds at ulp(1e3) = 1.1e-13; measured worst 3.5e-13 absolute on entries up to ~4.5.
      Every bug targeted here is off by 3e-8 or more (angles in float32) or 1e-1 (the rest).
  FAR, float64 x, positions up to 1e5 -> rtol 1e-9, atol 1e-9: the angle rounds at
      ulp(1e5) / 2 = 7e-12 and theta's last-ulp differences are multiplied by 1e5; measured worst
      4.6e-11. Angles computed in float32 are off by ~4e-3 rad there (float32 ulp(1e5) = 7.8e-3):
      output errors ~4e-3.
  F32, float32 x, positions < 32 -> rtol 1e-5, atol 3e-5: a float32-inside solution rounds theta,
      the angle (ulp(31) = 1.9e-6), cos/sin and the products; measured worst 8.3e-6 absolute
      (200 cases of the test's shape (2, 4, 32, 64), three float32-inside styles).
  DOT, dot products of rotated 16-d vectors at positions up to ~5e3 -> atol 1e-10: measured worst
      1.2e-12 (the angles round at ~5e-13, terms of size ~4).
The same measurements through the PyTorch key (graders/keys/rope/torch: the reference and its four
alternatives, torch's pow / cos / sin): F64 worst 4.6e-13, FAR 3.7e-11, F32 4.9e-6 (the float32-inside
rotate_half style), DOT 1.2e-12. The same tests grade the PyTorch attempt: the worker hands it tensors
(positions as int64).
"""

import numpy as np
import pytest

from graders.check import assert_close, assert_dtype, assert_shape, assert_unchanged
from graders.keys.rope import reference as ref

F64 = dict(rtol=1e-9, atol=1e-11)
FAR = dict(rtol=1e-9, atol=1e-9)
F32 = dict(rtol=1e-5, atol=3e-5)
DOT = dict(rtol=0.0, atol=1e-10)
STYLES = ("half", "interleaved")
PAIRING = {"half": "(i, i + d/2)", "interleaved": "(2i, 2i+1)"}


def normal(seed, shape, dtype=np.float64):
    """Seeded standard normal entries of `shape` in `dtype`."""
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def rope_kwargs(positions=None, base=None, style=None):
    """Only the arguments a test sets: the rest keep the solution's defaults."""
    given = {"positions": positions, "base": base, "style": style}
    return {name: value for name, value in given.items() if value is not None}


def check_rope(solution, case, x, tol=F64, **kwargs):
    """rope(x, **kwargs) has x's shape and matches the float64 reference."""
    out = solution.rope(x, **rope_kwargs(**kwargs))
    assert_shape(out, x.shape, case + " (the output has x's shape)")
    return assert_close(out, ref.rope(x, **kwargs), case, **tol)


def values_note(out, x, kwargs, tol):
    """For dtype / side-effects messages: whether the values are right as well."""
    if not isinstance(out, np.ndarray) or out.shape != x.shape:
        return "the result is not an array of x's shape either: see the shapes tests"
    if np.allclose(np.asarray(out, dtype=np.float64), ref.rope(x, **kwargs), rtol=tol["rtol"], atol=tol["atol"]):
        return "the values are right"
    return "the values are wrong too: see the correctness tests"


# -- values ----------------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_default_style_is_half(solution, seed):
    # d = 8, T = 6: no argument but x, so positions = arange(T), base = 10000, style = "half".
    x = normal(seed(1), (2, 6, 8))
    check_rope(solution, f"x (2, 6, 8), seed {seed(1)}, all defaults (style 'half', pairs (i, i + d/2))", x)


@pytest.mark.category("correctness")
def test_interleaved_style(solution, seed):
    x = normal(seed(2), (2, 6, 8))
    check_rope(solution, f"x (2, 6, 8), seed {seed(2)}, style='interleaved' (pairs (2i, 2i+1))", x, style="interleaved")


@pytest.mark.category("correctness")
def test_hand_computed_rotations(solution):
    # d = 4, base = 16: theta = (16^0, 16^(-2/4)) = (1, 1/4). The first pair holds (1, 0), the
    # second (2, 0), so at position m they become (cos m, sin m) and (2 cos(m/4), 2 sin(m/4)):
    # counter-clockwise, the second member of a pair gets +sin.
    positions = np.array([0, 1, 2, 3])
    c1, s1 = np.cos(positions), np.sin(positions)
    c4, s4 = np.cos(positions / 4), np.sin(positions / 4)
    cases = {
        "half": (np.tile([1.0, 2.0, 0.0, 0.0], (4, 1)), np.stack([c1, 2 * c4, s1, 2 * s4], axis=1)),
        "interleaved": (np.tile([1.0, 0.0, 2.0, 0.0], (4, 1)), np.stack([c1, s1, 2 * c4, 2 * s4], axis=1)),
    }
    for style, (x, expected) in cases.items():
        out = solution.rope(x, positions=positions, base=16.0, style=style)
        assert_close(out, expected, f"style='{style}', d=4, base=16 (theta = 1, 1/4), pairs {PAIRING[style]} "
                     f"holding (1, 0) and (2, 0), positions 0..3: rows are (cos m, sin m) and "
                     f"(2 cos(m/4), 2 sin(m/4)) in the style's layout", **F64)


@pytest.mark.category("correctness")
def test_custom_positions(solution, seed):
    # Not arange(T): unordered, repeated, with gaps (a packed batch, a continued prompt).
    positions = np.array([7, 0, 3, 3, 250, 1])
    x = normal(seed(3), (3, 6, 10))
    for style in STYLES:
        check_rope(solution, f"x (3, 6, 10), seed {seed(3)}, positions {positions.tolist()}, style='{style}'",
                   x, positions=positions, style=style)


@pytest.mark.category("correctness")
def test_custom_base(solution, seed):
    x = normal(seed(4), (2, 5, 12))
    for base in (500.0, 1e6):
        for style in STYLES:
            check_rope(solution, f"x (2, 5, 12), seed {seed(4)}, base={base:g}, style='{style}'", x, base=base,
                       style=style)


@pytest.mark.category("correctness")
def test_float32_values(solution, seed):
    # Float32 arithmetic inside is allowed: compared at float32 accuracy (see F32 above).
    x = normal(seed(5), (2, 4, 32, 64), np.float32)
    for style in STYLES:
        check_rope(solution, f"float32 x (2, 4, 32, 64), seed {seed(5)}, style='{style}'", x, tol=F32, style=style)


@pytest.mark.category("correctness")
def test_decode_position_matches_full_sequence(solution, seed):
    # Decoding token p alone with positions=[p] must give row p of the whole sequence.
    x = normal(seed(6), (2, 3, 9, 16))                               # (B, H, T, d)
    for style in STYLES:
        full = assert_shape(solution.rope(x, style=style), x.shape, f"x (2, 3, 9, 16), style='{style}'")
        for p in (0, 1, 5, 8):
            one = solution.rope(x[..., p:p + 1, :], positions=np.array([p]), style=style)
            assert_close(one, full[..., p:p + 1, :],
                         f"x[..., {p}:{p + 1}, :] with positions=[{p}] vs row {p} of the full sequence "
                         f"x (2, 3, 9, 16), seed {seed(6)}, style='{style}'", **F64)


@pytest.mark.category("correctness")
def test_relative_position_property(solution, seed):
    # <rope(q, m), rope(k, n)> depends on m - n only (and equals <q, k> when m == n).
    rng = np.random.default_rng(seed(7))
    q, k = rng.standard_normal(16), rng.standard_normal(16)
    shifts = np.array([0, 1, 17, 1000, 5000])
    for style in STYLES:
        for delta in (0, 3, -5):
            n = shifts + 5                                           # key positions
            m = n + delta                                            # query positions
            rq = solution.rope(np.tile(q, (len(m), 1)), positions=m, style=style)
            rk = solution.rope(np.tile(k, (len(n), 1)), positions=n, style=style)
            case = f"q, k of d=16 (seed {seed(7)}), style='{style}', m - n = {delta}"
            rq = assert_shape(rq, (len(m), 16), case)
            rk = assert_shape(rk, (len(n), 16), case)
            dots = (rq * rk).sum(axis=1)
            expected = np.full(len(m), q @ k if delta == 0 else dots[0])
            what = "<q, k>" if delta == 0 else f"the dot at (m, n) = ({m[0]}, {n[0]})"
            assert_close(dots, expected, f"<rope(q, m), rope(k, n)> at (m, n) = "
                         f"{list(zip(m.tolist(), n.tolist()))} vs {what}, {case}: it must depend on m - n only",
                         **DOT)


@pytest.mark.category("correctness")
def test_rotation_preserves_norms(solution, seed):
    x = normal(seed(8), (3, 7, 12))
    positions = np.array([0, 1, 2, 10, 100, 1000, 31])
    for style in STYLES:
        case = f"x (3, 7, 12), seed {seed(8)}, positions {positions.tolist()}, style='{style}'"
        out = assert_shape(solution.rope(x, positions=positions, style=style), x.shape, case)
        assert_close(np.linalg.norm(out, axis=-1), np.linalg.norm(x, axis=-1),
                     f"the norm of each row for {case}: a rotation preserves it", **F64)
        idx = np.arange(6)
        first, second = (2 * idx, 2 * idx + 1) if style == "interleaved" else (idx, idx + 6)
        assert_close(np.hypot(out[..., first], out[..., second]), np.hypot(x[..., first], x[..., second]),
                     f"the norm of each pair {PAIRING[style]} for {case}: each pair is rotated on its own", **F64)


@pytest.mark.category("numerical-stability")
def test_positions_up_to_1e5(solution, seed):
    positions = np.array([0, 1, 4096, 65_535, 99_999, 100_000])
    x = normal(seed(9), (2, 6, 64))
    for style in STYLES:
        check_rope(solution, f"x (2, 6, 64), seed {seed(9)}, positions {positions.tolist()}, style='{style}' "
                   f"(angles up to 1e5 rad: float32 angles are off by ~4e-3 rad)", x, tol=FAR,
                   positions=positions, style=style)


@pytest.mark.category("edge-case")
def test_single_pair_d2(solution, seed):
    # d = 2: one pair, theta_0 = base^0 = 1 whatever the base, and both layouts coincide.
    x = normal(seed(10), (4, 2))
    m = np.array([0, 1, 5, 100])
    c, s = np.cos(m), np.sin(m)
    expected = np.stack([x[:, 0] * c - x[:, 1] * s, x[:, 0] * s + x[:, 1] * c], axis=1)
    for style in STYLES:
        out = solution.rope(x, positions=m, style=style)
        assert_close(out, expected, f"d=2 (theta = 1), x (4, 2), seed {seed(10)}, positions {m.tolist()}, "
                     f"style='{style}': (a, b) -> (a cos m - b sin m, a sin m + b cos m)", **F64)


# -- shapes, dtypes, errors, inputs -----------------------------------------------------------------

@pytest.mark.category("shapes")
def test_leading_axes(solution, seed):
    # B=2, H=3, T=5, d=8 all differ: the sequence axis is -2 whatever comes before it.
    x4 = normal(seed(11), (2, 3, 5, 8))
    shapes = {
        "x (T, d) = (5, 8)": x4[0, 0],
        "x (B, T, d) = (2, 5, 8)": x4[:, 0],
        "x (B, H, T, d) = (2, 3, 5, 8)": x4,
        "x (B, H, T, d) = (2, 3, 5, 8), a transposed view of (B, T, H, d)": np.ascontiguousarray(
            x4.transpose(0, 2, 1, 3)).transpose(0, 2, 1, 3),
    }
    for name, x in shapes.items():
        for style in STYLES:
            check_rope(solution, f"{name}, seed {seed(11)}, style='{style}'", x, style=style)


@pytest.mark.category("dtype")
def test_output_keeps_input_dtype(solution, seed):
    for dtype, tol in ((np.float32, F32), (np.float64, F64)):
        x = normal(seed(12), (2, 6, 8), dtype)
        for style in STYLES:
            out = solution.rope(x, style=style)
            case = f"{np.dtype(dtype).name} x (2, 6, 8), seed {seed(12)}, style='{style}'"
            if np.asarray(out).dtype != dtype:
                note = values_note(out, x, {"style": style}, tol)
                assert_dtype(out, dtype, f"{case} ({note})")


@pytest.mark.category("errors")
def test_odd_d_raises(solution, seed):
    for d in (7, 3):
        for style in STYLES:
            with pytest.raises(ValueError):
                solution.rope(normal(seed(13), (4, d)), style=style)
                pytest.fail(f"no ValueError for x (4, {d}) (odd d: features cannot be paired), style='{style}'")


@pytest.mark.category("errors")
def test_unknown_style_raises(solution, seed):
    for style in ("spiral", ""):
        with pytest.raises(ValueError):
            solution.rope(normal(seed(14), (4, 8)), style=style)
            pytest.fail(f"no ValueError for style={style!r}: only 'half' and 'interleaved' are known")


@pytest.mark.category("side-effects")
def test_inputs_not_modified(solution, seed):
    x = normal(seed(15), (2, 5, 8))
    positions = np.array([4, 0, 9, 2, 30])
    for style in STYLES:
        saved_x, saved_positions = x.copy(), positions.copy()
        out, args, kwargs = solution.rope.with_inputs(x, positions=positions, style=style)
        note = values_note(out, x, {"positions": positions, "style": style}, F64)
        case = f"x (2, 5, 8), seed {seed(15)}, positions {positions.tolist()}, style='{style}' ({note})"
        assert_unchanged(args[0], saved_x, "x", case)
        assert_unchanged(kwargs["positions"], saved_positions, "positions", case)
