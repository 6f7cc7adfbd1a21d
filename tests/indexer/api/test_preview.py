"""Previews: the contract's hash rule, the per-client token bucket and the bounded cache."""

from __future__ import annotations

from pathlib import Path

from eth_abi import encode
from eth_utils import keccak

from indexer.api.services.preview import PreviewCache, RateLimiter, preview_hash
from indexer.devchain.sample import ARTIST, SeededDb, fake_deployment


def test_preview_hash_is_abi_encoded_keccak() -> None:
    core = "0x" + "11" * 20
    expected = keccak(encode(["address", "uint256", "uint256", "address"], [core, 2, 7, ARTIST]))
    assert preview_hash(core, 2, 7, ARTIST) == "0x" + expected.hex()
    assert preview_hash(core, 2, 7, ARTIST) != preview_hash(core, 2, 7, "0x" + "22" * 20)


def test_rate_limiter_bursts_then_refills_per_client() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=6, burst=2, clock=lambda: now[0])
    assert limiter.acquire("a") == 0.0 and limiter.acquire("a") == 0.0
    wait = limiter.acquire("a")
    assert 9.9 < wait <= 10.0  # one token every 10 s
    assert limiter.acquire("b") == 0.0  # another client has its own bucket
    now[0] += 10.0
    assert limiter.acquire("a") == 0.0


def test_cache_renders_once_and_evicts_the_oldest() -> None:
    cache, calls = PreviewCache(size=2), []

    def make(key: tuple[int, int, str]) -> bytes:
        calls.append(key)
        return repr(key).encode()

    for key in [(1, 1, "a"), (1, 1, "a"), (1, 2, "a"), (1, 3, "a")]:
        assert cache.render(key, lambda key=key: make(key)) == repr(key).encode()
    assert calls == [(1, 1, "a"), (1, 2, "a"), (1, 3, "a")]
    assert cache.get((1, 1, "a")) is None and cache.get((1, 3, "a")) is not None


def test_preview_over_http_is_limited_and_says_why(seeded: SeededDb, tmp_path: Path) -> None:
    from tests.support.api import make_client

    # The seeded project's model is not on this machine: an honest 503, which still costs the
    # client its render budget; the next cache miss is refused with Retry-After.
    with make_client(
        seeded, fake_deployment(tmp_path), preview_per_minute=1, preview_burst=1
    ) as client:
        url = f"/projects/2/preview?minter={ARTIST}&seed="
        first = client.get(url + "1")
        assert first.status_code == 503 and "cannot render project 2" in first.text
        second = client.get(url + "0x2")
        assert second.status_code == 429
        assert int(second.headers["retry-after"]) >= 1
