"""The tiny_transformer reference against independent oracles: PyTorch's own pre-norm transformer
layer (nn.TransformerEncoderLayer, norm_first, GELU, a causal mask) loaded with the reference's
weights, F.scaled_dot_product_attention(is_causal=True) for the attention alone, autograd with a
hand-written SGD update for train_step, a brute-force greedy decoder, the sampling distribution by
chi-square; and the helpers the hidden tests rely on: the toys' optimizers against torch.optim, the
hidden tests' chi-square tail against torch.special.gammaincc, their toy languages, and the learning
test's budget against the reference over two seeds."""

import functools
import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from graders.kataworker.toys.common import EventLog  # noqa: E402
from graders.kataworker.toys import tiny_transformer as toys  # noqa: E402
from graders.keys.tiny_transformer import reference as ref  # noqa: E402

HIDDEN = Path(__file__).resolve().parents[3] / "katas" / "tiny_transformer" / "test_tiny_transformer.py"
V, D, H, L, MAX_LEN = 11, 32, 4, 2, 12


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny tensors: one thread is ~50x faster than two on a busy machine (the worker uses one too)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@functools.cache
def hidden_tests():
    """The hidden tests' module (its helpers: chi2_sf, the toy languages, the learning settings)."""
    spec = importlib.util.spec_from_file_location("hidden_test_tiny_transformer", HIDDEN)
    module = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)   # `category` is the grader's mark
        spec.loader.exec_module(module)
    return module


def model(seed=0, dtype=torch.float64):
    """A reference model, (V, D, H, L, MAX_LEN), in eval mode."""
    torch.manual_seed(seed)
    return ref.TinyTransformer(V, d_model=D, n_heads=H, n_layers=L, max_len=MAX_LEN).to(dtype).eval()


def tokens(seed, shape, vocab_size=V):
    return torch.from_numpy(np.random.default_rng(seed).integers(0, vocab_size, shape))


def torch_layers_logits(m, idx):
    """The reference's weights run through nn.TransformerEncoderLayer(norm_first=True): an independent
    attention, MLP and residual wiring; the embeddings, final norm and tied head are applied here."""
    T = idx.shape[1]
    x = m.tok_emb.weight[idx] + m.pos_emb.weight[:T]                                  # (B, T, C)
    causal = torch.triu(torch.full((T, T), float("-inf"), dtype=x.dtype), diagonal=1)
    for block in m.blocks:
        layer = nn.TransformerEncoderLayer(D, H, dim_feedforward=4 * D, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True).to(x.dtype).eval()
        with torch.no_grad():
            layer.self_attn.in_proj_weight.copy_(block.attn.qkv.weight)
            layer.self_attn.in_proj_bias.copy_(block.attn.qkv.bias)
            layer.self_attn.out_proj.weight.copy_(block.attn.proj.weight)
            layer.self_attn.out_proj.bias.copy_(block.attn.proj.bias)
            for ours, theirs in ((block.mlp.up, layer.linear1), (block.mlp.down, layer.linear2),
                                 (block.ln1, layer.norm1), (block.ln2, layer.norm2)):
                theirs.weight.copy_(ours.weight)
                theirs.bias.copy_(ours.bias)
        x = layer(x, src_mask=causal)
    return F.layer_norm(x, (D,), m.ln_f.weight, m.ln_f.bias) @ m.tok_emb.weight.T    # (B, T, V)


# -- the forward pass -------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(3))
def test_attention_matches_sdpa(seed):
    attn = model(seed).blocks[0].attn
    x = torch.from_numpy(np.random.default_rng(seed).standard_normal((3, MAX_LEN, D)))   # (B, T, C)
    q, k, v = attn.qkv(x).split(D, dim=-1)
    heads = [t.view(3, MAX_LEN, H, D // H).transpose(1, 2) for t in (q, k, v)]           # (B, H, T, d)
    out = F.scaled_dot_product_attention(*heads, is_causal=True).transpose(1, 2).reshape(3, MAX_LEN, D)
    torch.testing.assert_close(attn(x), attn.proj(out), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed, T", [(0, MAX_LEN), (1, 5), (2, 1)])
def test_logits_match_torch_transformer_layers(seed, T):
    m = model(seed)
    with torch.no_grad():
        nn.init.normal_(m.pos_emb.weight)          # weights far from init, so every part matters
        for p in m.blocks.parameters():
            p.add_(0.2 * torch.randn_like(p))
    idx = tokens(seed, (2, T))
    with torch.no_grad():
        torch.testing.assert_close(m(idx), torch_layers_logits(m, idx), rtol=1e-10, atol=1e-10)


def test_future_tokens_leave_earlier_logits_bit_for_bit_unchanged():
    m = model(3, dtype=torch.float32)
    idx = tokens(3, (2, MAX_LEN))
    changed = idx.clone()
    changed[:, 6] = (changed[:, 6] + 1) % V
    with torch.no_grad():
        a, b = m(idx), m(changed)
    assert torch.equal(a[:, :6], b[:, :6])
    assert not (a[:, 6:] == b[:, 6:]).all(dim=-1).any()


def test_head_is_the_embedding_parameter_and_max_len_is_enforced():
    m = model(4)
    assert m.head.weight is m.tok_emb.weight
    assert [tuple(p.shape) for p in m.parameters()].count((V, D)) == 1
    assert m(tokens(4, (1, MAX_LEN))).shape == (1, MAX_LEN, V)
    with pytest.raises(ValueError):
        m(tokens(4, (1, MAX_LEN + 1)))


# -- train_step ---------------------------------------------------------------------------------------

def test_train_step_is_one_sgd_step_on_the_mean_cross_entropy():
    m = model(5)
    m.train()
    x, y = tokens(50, (4, MAX_LEN)), tokens(51, (4, MAX_LEN))
    params = {n: p.detach().clone().requires_grad_(True) for n, p in m.named_parameters()}
    logits = torch.func.functional_call(m, params, (x,))
    logp = logits - logits.logsumexp(dim=-1, keepdim=True)
    loss = -logp.gather(-1, y[..., None]).mean()                         # by hand, not F.cross_entropy
    grads = torch.autograd.grad(loss, list(params.values()))
    lr = 0.3
    expected = {n: p.detach() - lr * g for (n, p), g in zip(params.items(), grads)}
    got_loss = ref.train_step(m, x, y, torch.optim.SGD(m.parameters(), lr=lr))
    assert isinstance(got_loss, float)
    assert got_loss == pytest.approx(loss.item(), rel=1e-12)
    for n, p in m.named_parameters():
        torch.testing.assert_close(p.detach(), expected[n], rtol=1e-12, atol=1e-12)


# -- generate -----------------------------------------------------------------------------------------

def test_greedy_generate_matches_brute_force_decoding_past_max_len():
    m = model(6)
    idx = tokens(6, (3, 5))
    out = ref.generate(m, idx, 2 * MAX_LEN)                              # grows well past max_len
    seq = idx.clone()
    with torch.no_grad():
        for _ in range(2 * MAX_LEN):
            logits = torch_layers_logits(m, seq[:, -MAX_LEN:])[:, -1]
            seq = torch.cat([seq, logits.argmax(-1, keepdim=True)], dim=1)
    assert out.dtype == torch.int64 and torch.equal(out, seq)
    long_prompt = tokens(7, (2, MAX_LEN + 4))
    assert torch.equal(ref.generate(m, long_prompt, 3)[:, :MAX_LEN + 4], long_prompt)


def test_generate_switches_to_eval_mode_and_restores_the_mode():
    m = model(7)
    m.train()
    log = EventLog()
    toys.ModeRecorder(m, log)
    ref.generate(m, tokens(7, (1, 3)), 4)
    assert log.events("model") == [False] * 4 and m.training


@pytest.mark.parametrize("temperature", [0.5, 2.0])
def test_samples_follow_softmax_over_temperature(temperature):
    hidden = hidden_tests()
    m = model(8, dtype=torch.float32)
    with torch.no_grad():
        m.tok_emb.weight.mul_(40.0)                                       # logits of spread ~1, not ~0.02
        prompt = tokens(8, (1, 4))
        probs = torch.softmax(m(prompt)[0, -1].double() / temperature, dim=-1).numpy()
    n = 10000
    out = ref.generate(m, prompt.repeat(n, 1), 1, temperature=temperature, generator=toys.generator(1)).numpy()
    counts = np.bincount(out[:, -1], minlength=V)
    stat = float(((counts - n * probs) ** 2 / (n * probs)).sum())
    assert hidden.chi2_sf(stat, V - 1) > 1e-4
    again = ref.generate(m, prompt.repeat(50, 1), 3, temperature=temperature, generator=toys.generator(1))
    assert torch.equal(again, ref.generate(m, prompt.repeat(50, 1), 3, temperature=temperature,
                                           generator=toys.generator(1)))


# -- the helpers the hidden tests rely on ----------------------------------------------------------------

@pytest.mark.parametrize("which", ["sgd", "adamw"])
def test_toy_optimizers_match_torch_optim(which):
    a, b = model(9, dtype=torch.float32), model(9, dtype=torch.float32)
    mine = toys.sgd(a, 0.1) if which == "sgd" else toys.adamw(a, 1e-2)
    theirs = (torch.optim.SGD(b.parameters(), lr=0.1) if which == "sgd"
              else torch.optim.AdamW(b.parameters(), lr=1e-2, foreach=False))
    for step in range(5):
        x, y = tokens(90 + step, (4, 8)), tokens(95 + step, (4, 8))
        assert ref.train_step(a, x, y, mine) == ref.train_step(b, x, y, theirs)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)                   # the same arithmetic, op for op


def test_textbook_trainer_matches_the_reference_step():
    m = model(10, dtype=torch.float32)
    m.train()
    book = toys.TextbookTrainer(m, 0.5)
    optimizer = toys.sgd(m, 0.5)
    for step in range(2):
        x, y = tokens(100 + step, (4, MAX_LEN)), tokens(110 + step, (4, MAX_LEN))
        ref.train_step(m, x, y, optimizer)
        book.step(x, y, step)
    name, diff, moved = book.compare(m)
    assert diff < 1e-6 and moved > 1e-3


def test_chi2_tail_matches_torch_gammaincc():
    chi2_sf = hidden_tests().chi2_sf
    for dof in range(1, 12):
        for x in (0.1, 1.0, float(dof), 3.0 * dof, 30.0, 80.0):
            expected = torch.special.gammaincc(torch.tensor(dof / 2, dtype=torch.float64),
                                               torch.tensor(x / 2, dtype=torch.float64)).item()
            assert chi2_sf(x, dof) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_toy_languages():
    hidden = hidden_tests()
    successor, seen = hidden.NEXT, [0]
    while len(seen) < 9:
        seen.append(int(successor[seen[-1]]))
    assert sorted(seen[:8]) == list(range(8)) and seen[8] == 0             # one 8-cycle, no fixed point
    assert sorted(hidden.PAIR) == list(range(hidden.FREE, hidden.LANG_V))  # free tokens onto partners, 1:1
    pairs = hidden.pairs_language(np.random.default_rng(0), 50, 17)
    assert (pairs[:, 1::2] == hidden.PAIR[pairs[:, 0:16:2]]).all()
    assert sorted(np.unique(pairs[:, 0::2])) == list(range(hidden.FREE))  # the even positions are free
    assert hidden.pairs_transitions_kept(pairs).all()
    broken = pairs.copy()
    broken[:, 3] = (broken[:, 3] + 1) % hidden.LANG_V                      # a partner replaced
    assert not hidden.pairs_transitions_kept(broken)[:, 2].any()           # token 3 no longer follows token 2
    cycle = hidden.cycle_language(np.random.default_rng(0), 20, 9)
    assert (cycle[:, 1:] == successor[cycle[:, :-1]]).all()


@pytest.mark.parametrize("seed", range(2))
def test_reference_learns_the_pairs_language_well_inside_the_budget(seed):
    """The learning test's budget (400 steps): the reference needs 25 (the slowest correct style
    measured, 50-125); after 150 steps its held-out loss is under half the threshold above the
    language's entropy and generation follows the language everywhere."""
    hidden = hidden_tests()
    torch.manual_seed(seed)
    m = ref.TinyTransformer(hidden.LANG_V, max_len=16, **hidden.SMALL)
    optimizer = toys.adamw(m, hidden.LEARN_LR)
    rng = np.random.default_rng(2024)
    held_out = hidden.pairs_language(np.random.default_rng(99), 256, 17)
    for step in range(150):
        batch = torch.from_numpy(hidden.pairs_language(rng, 32, 17))
        ref.train_step(m, batch[:, :-1].contiguous(), batch[:, 1:].contiguous(), optimizer)
    m.eval()
    with torch.no_grad():
        logits = m(torch.from_numpy(held_out[:, :-1])).double().numpy()
    excess = hidden.cross_entropy(logits, held_out[:, 1:]) - hidden.PAIRS_ENTROPY
    assert excess < hidden.LEARN_THRESHOLD / 2
    out = ref.generate(m, torch.arange(hidden.FREE)[:, None], 15).numpy()
    assert hidden.pairs_transitions_kept(out).all()
