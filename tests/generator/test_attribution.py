"""Attribution maths: capture, aggregation, words, figures and ppm shares."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from generator import attribution as attr
from generator.models import DEFAULT_MODEL_DIR, load_pipeline
from generator.rendering import RenderSettings, canonical_float_path, denoise, render
from generator.seeding import initial_latents
from tests.support.sd_factory import tiny_tokenizer

HASH = "0x" + "ab" * 32
CLIP_TOKENIZER = DEFAULT_MODEL_DIR / "tokenizer"


def tok(position: int, word: str | None, occurrence: int | None = 0) -> attr.PromptToken:
    return attr.PromptToken(position, word or ",", word, occurrence if word else None)


# ------------------------------------------------------------------ figures on a hand-built case


def hand_maps() -> torch.Tensor:
    maps = torch.zeros(6, 1, 4)
    maps[0] = 100.0  # the start token: never counted
    maps[1] = torch.tensor([3.0, 3.0, 1.0, 1.0])  # "x"
    maps[2] = torch.tensor([0.5, 0.5, 1.0, 1.0])  # "y", first sub-word token
    maps[3] = torch.tensor([0.5, 0.5, 1.0, 1.0])  # "y", second sub-word token
    maps[4] = torch.tensor([0.0, 0.0, 1.0, 1.0])  # ","  (not a word, but real attention mass)
    maps[5] = torch.tensor([1.0, 1.0, 3.0, 3.0])  # "x" again
    return maps


def test_area_intensity_contribution_by_hand():
    tokens = [tok(1, "x"), tok(2, "y"), tok(3, "y"), tok(4, None)]
    result = attr.word_attribution(hand_maps(), tokens)
    figures = result.figures()
    assert result.rule == attr.ATTRIBUTION_RULE == "styleledger-attribution-v2"
    # the heat maps are the words' own maps: "y" is its two sub-word tokens summed
    np.testing.assert_allclose(result.heatmaps["x"].numpy(), [[3.0, 3.0, 1.0, 1.0]])
    np.testing.assert_allclose(result.heatmaps["y"].numpy(), [[1.0, 1.0, 2.0, 2.0]])
    # intensity: per pixel the real-token total is 4, H_x = [.75 .75 .25 .25], H_y = [.25 .25 .5 .5]
    assert figures["x"]["intensity"] == pytest.approx(0.5)
    assert figures["y"]["intensity"] == pytest.approx(0.375)
    # area: the own map min-max normalised >= 0.4: x [1 1 0 0], y [0 0 1 1]
    assert figures["x"]["area"] == pytest.approx(0.5)
    assert figures["y"]["area"] == pytest.approx(0.5)
    # c = A I / sum: 0.25 / 0.4375 and 0.1875 / 0.4375 (4/7, 3/7)
    assert figures["x"]["contribution"] == pytest.approx(4 / 7)
    assert figures["y"]["contribution"] == pytest.approx(3 / 7)
    assert (figures["x"]["ppm"], figures["y"]["ppm"]) == (571_429, 428_571)
    assert [w.word for w in result.words] == ["x", "y"]


def test_area_reads_the_own_map_not_the_per_pixel_normalised_one():
    """Rule v1 read H_w >= 0.4 max H_w on the per-pixel normalised map: "y", whose own map points
    at the right half, covered every pixel there (0.25 >= 0.4 * 0.5). Kept only to re-check
    records that name it; its figures are the ones it always gave."""
    tokens = [tok(1, "x"), tok(2, "y"), tok(3, "y"), tok(4, None)]
    old = attr.word_attribution(hand_maps(), tokens, rule=attr.RULE_V1)
    assert old.rule == "styleledger-attribution-v1"
    np.testing.assert_allclose(old.heatmaps["y"].numpy(), [[0.25, 0.25, 0.5, 0.5]])
    assert old.figures()["y"]["area"] == pytest.approx(1.0)
    assert {f.word: f.ppm for f in old.words} == {"x": 400_000, "y": 600_000}
    with pytest.raises(ValueError, match="unknown attribution rule"):
        attr.word_attribution(hand_maps(), tokens, rule="styleledger-attribution-v0")


def test_area_mask_is_min_max_and_a_flat_map_points_nowhere():
    m = torch.tensor([[1.0, 1.5, 1.3, 2.0]], dtype=torch.float64)  # 0.5 and 0.3 of the range
    assert attr.area_mask(m).tolist() == [[False, True, False, True]]
    assert not attr.area_mask(torch.full((2, 2), 3.0)).any()


def test_repeated_word_counts_once():
    maps = hand_maps()
    maps[5] = maps[1]  # second "x" attended exactly like the first
    once = attr.word_attribution(maps, [tok(1, "x"), tok(2, "y"), tok(3, "y"), tok(4, None)])
    twice = attr.word_attribution(
        maps, [tok(1, "x"), tok(2, "y"), tok(3, "y"), tok(4, None), tok(5, "x", 1)]
    )
    assert [w.word for w in twice.words] == ["x", "y"]
    assert twice.figures() == once.figures()
    # different occurrences: the word's own map is their mean ([2 2 2 2]), still one entry;
    # flat, it points nowhere (area 0), so "y" takes the whole million
    mixed = attr.word_attribution(
        hand_maps(), [tok(1, "x"), tok(2, "y"), tok(3, "y"), tok(4, None), tok(5, "x", 1)]
    )
    np.testing.assert_allclose(mixed.heatmaps["x"].numpy(), [[2.0, 2.0, 2.0, 2.0]])
    assert mixed.figures()["x"]["area"] == 0.0
    assert {f.word: f.ppm for f in mixed.words} == {"x": 0, "y": 1_000_000}


def test_prompt_without_words_is_rejected():
    with pytest.raises(ValueError, match="no words"):
        attr.word_attribution(hand_maps(), [tok(4, None)])


# ------------------------------------------------------------------ ppm shares


def test_ppm_shares_sum_and_largest_remainder():
    shares = attr.ppm_shares({"a": 1.0, "b": 1.0, "c": 1.0})
    assert sum(shares.values()) == 1_000_000
    # 333,333.33 each: the one leftover unit goes to the smallest word on a tie
    assert shares == {"a": 333_334, "b": 333_333, "c": 333_333}
    shares = attr.ppm_shares({"b": 2.0, "a": 1.0})
    assert shares == {"b": 666_667, "a": 333_333}
    assert attr.ppm_shares({"z": 0.0, "y": 0.0}) == {"y": 500_000, "z": 500_000}
    assert attr.ppm_shares({"only": 0.3}) == {"only": 1_000_000}


def test_ppm_shares_random_inputs_always_sum_to_a_million():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 12))
        contributions = {f"w{i}": float(v) for i, v in enumerate(rng.random(n) ** 3)}
        shares = attr.ppm_shares(contributions)
        assert sum(shares.values()) == 1_000_000
        total = sum(contributions.values())
        for w, c in contributions.items():
            assert abs(shares[w] - 1e6 * c / total) < 1.0


@pytest.mark.parametrize("bad", [{}, {"a": -0.1}, {"a": float("nan")}, {"a": float("inf")}])
def test_ppm_shares_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        attr.ppm_shares(bad)


# ------------------------------------------------------------------ words and sub-word tokens


def test_prompt_words_rule():
    """docs/words.md: letter runs and single digits (was: [a-z0-9-] runs, see issue 12)."""
    words = [w for w, _, _ in attr.prompt_words("Red ZIG-ZAG, on_blue 3d!")]
    assert words == ["red", "zig", "zag", "on", "blue", "3", "d"]


def test_sub_word_tokens_merge_into_words():
    tokenizer = tiny_tokenizer()
    tokens = attr.prompt_tokens(tokenizer, "Red zigzag, red stripes")
    assert [t.position for t in tokens] == list(range(1, len(tokens) + 1))
    by_word: dict = {}
    for t in tokens:
        by_word.setdefault((t.word, t.occurrence), []).append(t.text)
    assert by_word[("red", 0)] == ["Red"] and by_word[("red", 1)] == ["red"]
    assert "".join(by_word[("zigzag", 0)]) == "zigzag" and len(by_word[("zigzag", 0)]) == 6
    assert by_word[(None, None)] == [","]


@pytest.mark.skipif(not CLIP_TOKENIZER.is_dir(), reason="CLIP tokenizer not built yet")
def test_glued_characters_are_tokens_of_their_own_with_clip_bpe():
    """CLIP splits `zig-zag`, `checks1`, `checks.` where docs/words.md does: every token of a
    word is that word's alone, and the glued characters are tokens of no word or of their own."""
    from transformers import CLIPTokenizer

    tokenizer = CLIPTokenizer.from_pretrained(CLIP_TOKENIZER)
    tokens = attr.prompt_tokens(tokenizer, "red zig-zag checks1 checks. circle")
    assert [(t.text, t.word) for t in tokens if t.word in (None, "1")] == [
        ("-", None), ("1", "1"), (".", None)
    ]  # fmt: skip
    assert "".join(t.text for t in tokens if t.word == "checks") == "checkschecks"
    assert {t.word for t in tokens} == {"red", "zig", "zag", "checks", "1", "circle", None}


# ------------------------------------------------------------------ capture on a real UNet


def test_tracer_matches_diffusers_attention_scores_on_the_conditional_row(tiny_sd, tiny_sd_id):
    pipe = load_pipeline(tiny_sd, tiny_sd_id)
    unet = pipe.unet
    latents = torch.from_numpy(initial_latents(HASH, (2, 4, 8, 8)))
    cond = torch.from_numpy(initial_latents("0x" + "01" * 32, (1, 24, 16)))
    uncond_a = torch.from_numpy(initial_latents("0x" + "02" * 32, (1, 24, 16)))
    uncond_b = torch.from_numpy(initial_latents("0x" + "03" * 32, (1, 24, 16)))
    t = torch.tensor(500)
    captured: dict[str, torch.Tensor] = {}

    def pre_hook(name):
        def hook(module, args, kwargs):
            hidden = args[0] if args else kwargs["hidden_states"]
            context = kwargs["encoder_hidden_states"]
            q = module.head_to_batch_dim(module.to_q(hidden[-1:]))
            k = module.head_to_batch_dim(module.to_k(context[-1:]))
            captured[name] = module.get_attention_scores(q, k, None).sum(0, keepdim=True)

        return hook

    handles = [
        m.register_forward_pre_hook(pre_hook(n), with_kwargs=True)
        for n, m in unet.named_modules()
        if n.endswith("attn2")
    ]
    try:
        with torch.no_grad(), attr.trace(pipe, (8, 8)) as tc_a:
            unet(latents, t, encoder_hidden_states=torch.cat([uncond_a, cond]))
        with torch.no_grad(), attr.trace(pipe, (8, 8)) as tc_b:
            unet(latents, t, encoder_hidden_states=torch.cat([uncond_b, cond]))
    finally:
        for h in handles:
            h.remove()
    assert len(tc_a.layers) == len(captured) >= 2
    for name, layer in tc_a.layers.items():
        torch.testing.assert_close(layer.probs, captured[name.removesuffix(".processor")])
        # the unconditional row never enters the record
        torch.testing.assert_close(layer.probs, tc_b.layers[name].probs, rtol=0, atol=0)
    sizes = {layer.size for layer in tc_a.layers.values()}
    assert sizes == {(8, 8), (4, 4)}


def test_trace_restores_processors_even_on_error(tiny_sd, tiny_sd_id):
    pipe = load_pipeline(tiny_sd, tiny_sd_id)
    before = dict(pipe.unet.attn_processors)
    with pytest.raises(RuntimeError, match="boom"), attr.trace(pipe, (8, 8)):
        wrapped = pipe.unet.attn_processors
        assert sum(isinstance(p, attr.CrossAttentionTracer) for p in wrapped.values()) == sum(
            ".attn2." in n for n in wrapped
        )
        assert not any(
            isinstance(p, attr.CrossAttentionTracer) for n, p in wrapped.items() if ".attn1." in n
        )
        raise RuntimeError("boom")
    after = pipe.unet.attn_processors
    assert all(after[n] is before[n] for n in before)


@pytest.mark.parametrize("guidance", [7.5, 1.0])
def test_image_is_bit_identical_with_and_without_attribution(tiny_sd, tiny_sd_id, guidance):
    settings = RenderSettings(
        prompt="red zigzag circle on blue dots background",
        model_id=tiny_sd_id,
        steps=3,
        guidance=guidance,
        width=64,
        height=64,
    )
    pipe = load_pipeline(tiny_sd, tiny_sd_id)
    latents = initial_latents(HASH, (1, 4, 8, 8))
    with canonical_float_path():
        plain = denoise(pipe, tiny_sd, settings, latents)
        with attr.trace(pipe, (8, 8)) as tc:
            traced = denoise(pipe, tiny_sd, settings, latents)
    assert tc.calls > 0
    np.testing.assert_array_equal(plain, traced)
    with_attr = render(settings, HASH, model_dir=tiny_sd)
    without = render(settings, HASH, model_dir=tiny_sd, attribute=False)
    assert with_attr.pixel_hash == without.pixel_hash
    assert sum(w.ppm for w in with_attr.attribution.words) == 1_000_000
