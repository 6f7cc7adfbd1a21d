"""The synthetic style set: deterministic from its seed, captions that follow the grammar,
masks that match the painted regions."""

from __future__ import annotations

import re

import numpy as np
import pytest

from generator.training import synthetic

WORD = re.compile(r"[a-z0-9-]+")


def test_same_seed_same_images_and_captions() -> None:
    a = synthetic.make_samples(np.random.default_rng(5), 12)
    b = synthetic.make_samples(np.random.default_rng(5), 12)
    for x, y in zip(a, b, strict=True):
        assert x.caption == y.caption
        assert np.array_equal(x.image, y.image)
    c = synthetic.make_samples(np.random.default_rng(6), 12)
    assert [s.caption for s in a] != [s.caption for s in c]


def test_training_batches_resume_exactly() -> None:
    stream = synthetic.training_batches(4, seed=3)
    next(stream)
    second_images, second_captions, _ = next(stream)
    resumed_images, resumed_captions, _ = next(synthetic.training_batches(4, seed=3, start_step=1))
    assert np.array_equal(second_images, resumed_images)
    assert second_captions == resumed_captions


def test_holdout_is_not_the_training_stream() -> None:
    held = {s.caption for s in synthetic.holdout_samples(50)}
    train_images, _, _ = next(synthetic.training_batches(50))
    assert len(held) > 40
    first = synthetic.holdout_samples(1)[0]
    assert not any(np.array_equal(first.image, im) for im in train_images)


def test_captions_follow_the_grammar_and_word_rule() -> None:
    vocab = set(synthetic.COLOURS) | set(synthetic.TEXTURES) | set(synthetic.SHAPES)
    for s in synthetic.make_samples(np.random.default_rng(1), 64):
        words = s.caption.split()
        assert words == WORD.findall(s.caption)
        assert len(words) == 7 and words[3] == "on" and words[-1] == "background"
        assert set(words[:3]) == {s.fg_colour, s.fg_texture, s.shape}
        assert set(words[4:6]) == {s.bg_colour, s.bg_texture}
        assert set(words) - {"on", "background"} <= vocab
        assert s.fg_colour != s.bg_colour and s.fg_texture != s.bg_texture


def test_masks_cover_painting_words_and_partition_the_image() -> None:
    for s in synthetic.make_samples(np.random.default_rng(2), 32):
        assert set(s.masks) == set(s.caption.split()) - {"on"}
        fg = s.masks[s.shape]
        assert 0.05 < fg.mean() < 0.6
        assert np.array_equal(s.masks[s.fg_colour], fg)
        assert np.array_equal(s.masks[s.fg_texture], fg)
        assert np.array_equal(s.masks["background"], ~fg)
        assert np.array_equal(s.masks[s.bg_colour], ~fg)


def test_mask_pixels_carry_their_region_colour() -> None:
    """Inside the shape mask every pixel is the shape colour or its texture's second tone."""
    s = synthetic.make_samples(np.random.default_rng(9), 1)[0]
    fg = s.masks[s.shape]
    colour = np.array(synthetic.COLOURS[s.fg_colour])
    inside = s.image[fg].astype(int)
    outside = s.image[~fg].astype(int)
    assert np.abs(inside - colour).sum(axis=1).min() == 0
    bg_colour = np.array(synthetic.COLOURS[s.bg_colour])
    assert not (np.abs(inside - bg_colour).sum(axis=1) == 0).any()
    assert (np.abs(outside - bg_colour).sum(axis=1) == 0).any()


def test_textures_differ_and_plain_is_flat() -> None:
    specs = synthetic.sample_specs(np.random.default_rng(0), len(synthetic.TEXTURES))
    texture = np.arange(len(synthetic.TEXTURES))
    patterns = synthetic._texture_patterns(texture, specs.phase[:, 0], 128)
    assert patterns[synthetic.TEXTURES.index("plain")].sum() == 0
    flat = patterns.reshape(len(texture), -1)
    for i in range(1, len(texture)):
        assert 0.15 < flat[i].mean() < 0.6
        for j in range(i + 1, len(texture)):
            assert not np.array_equal(flat[i], flat[j])


def test_bad_count_is_rejected() -> None:
    with pytest.raises(ValueError, match="n must be"):
        synthetic.sample_specs(np.random.default_rng(0), -1)
