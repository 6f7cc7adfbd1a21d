"""Hash -> latents (DESIGN.md's recipe, recomputed here from numpy alone) and the pixel hash."""

from __future__ import annotations

import hashlib
import struct

import numpy as np
import pytest

from generator.seeding import initial_latents, parse_token_hash, pixel_hash, seed_words

HASH = bytes(range(32))


def test_latents_follow_the_design_recipe():
    digest = hashlib.sha256(b"styleledger-render-v1" + HASH).digest()
    words = struct.unpack(">8I", digest)
    expected = np.random.RandomState(list(words)).standard_normal((1, 4, 8, 8)).astype(np.float32)
    got = initial_latents(HASH, (1, 4, 8, 8))
    assert got.dtype == np.float32 and got.shape == (1, 4, 8, 8)
    np.testing.assert_array_equal(got, expected)
    assert list(seed_words(HASH)) == list(words)


def test_latents_golden_values():
    # Frozen by NumPy's RandomState policy: a change here means every token renders differently.
    got = initial_latents(HASH, (1, 4, 8, 8)).ravel()[:4]
    digest = hashlib.sha256(b"styleledger-render-v1" + HASH).digest()
    rs = np.random.RandomState(np.frombuffer(digest, dtype=">u4").astype(np.uint32))
    np.testing.assert_array_equal(got, rs.standard_normal(4).astype(np.float32))


def test_hash_forms_agree_and_differ_between_hashes():
    as_hex = "0x" + HASH.hex()
    a = initial_latents(HASH, (1, 4, 4, 4))
    np.testing.assert_array_equal(a, initial_latents(as_hex, (1, 4, 4, 4)))
    np.testing.assert_array_equal(a, initial_latents(HASH.hex().upper(), (1, 4, 4, 4)))
    other = initial_latents(b"\x01" + HASH[1:], (1, 4, 4, 4))
    assert not np.array_equal(a, other)


@pytest.mark.parametrize(
    "bad",
    [
        "0x1234",
        "0x" + "g" * 64,
        "ab" * 31,
        b"\x00" * 31,
        b"\x00" * 33,
        12345,
        None,
        "0X" + "00" * 32,
    ],
)
def test_malformed_hash_is_rejected_by_name(bad):
    with pytest.raises(ValueError, match="token hash"):
        parse_token_hash(bad)


def test_latents_reject_bad_shape():
    with pytest.raises(ValueError, match="positive"):
        initial_latents(HASH, (1, 0, 4, 4))


def test_pixel_hash_layout():
    pixels = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    expected = hashlib.sha256(b"2x3x3\n" + pixels.tobytes()).hexdigest()
    assert pixel_hash(pixels) == expected
    # the shape is part of the hash: same bytes, another shape, another hash
    assert pixel_hash(pixels.reshape(3, 2, 3)) != expected


@pytest.mark.parametrize(
    "bad",
    [np.zeros((2, 2, 3), np.float32), np.zeros((2, 2), np.uint8), np.zeros((2, 2, 4), np.uint8)],
)
def test_pixel_hash_rejects_non_rgb_uint8(bad):
    with pytest.raises(ValueError, match="pixel_hash"):
        pixel_hash(bad)
