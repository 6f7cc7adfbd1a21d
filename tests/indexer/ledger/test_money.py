"""The money formula (indexer/money.py): DESIGN.md's worked example and its invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.ledger.money import (
    PPM,
    MoneyError,
    Role,
    StyleAtBlock,
    StyleStatus,
    WordShare,
    cumulative,
    split_royalty,
    split_sale,
)

ETHER = 10**18
AUTHOR = "0x" + "a1" * 20
PLATFORM = "0x" + "f0" * 20
ARTIST = "0x" + "b2" * 20
OTHER = "0x" + "c3" * 20


def _style(style_id: int, payout: str, status: StyleStatus = StyleStatus.ACTIVE) -> StyleAtBlock:
    return StyleAtBlock(style_id=style_id, payout=payout, status=status)


def test_worked_example_from_the_proposal() -> None:
    # 30,000 paid images use the artist's keyword with mean contribution 0.3 (300,000 ppm),
    # price 0.5 ether, platform share 30 %: the artist earns 30,000 x 0.3 x 0.5 x 0.7 = 3,150.
    price = ETHER // 2
    shares = [WordShare("kw", 300_000), WordShare("cat", 700_000)]
    styles = {"kw": _style(1, ARTIST)}
    artist_total = 0
    for _ in range(30_000):
        split = split_sale(price, 3_000, shares, styles, author=AUTHOR, platform=PLATFORM)
        artist_total += split.by_role(Role.ARTIST)
    assert artist_total == 3_150 * ETHER


def test_sale_split_with_dust_to_author() -> None:
    shares = [WordShare("a", 333_333), WordShare("b", 333_333), WordShare("c", 333_334)]
    styles = {"a": _style(1, ARTIST), "b": _style(2, OTHER)}
    split = split_sale(1_000, 1_000, shares, styles, author=AUTHOR, platform=PLATFORM)
    assert split.platform == 100 and split.creator_pool == 900
    amounts = {(e.role, e.style_id): e.amount for e in split.entries}
    assert amounts[(Role.ARTIST, 1)] == 299  # floor(900 * 333_333 / 1e6) = 299
    assert amounts[(Role.ARTIST, 2)] == 299
    assert amounts[(Role.AUTHOR, None)] == 900 - 598
    assert sum(e.amount for e in split.entries) == 1_000


def test_keywords_of_one_style_add_up_and_opted_out_goes_to_author() -> None:
    shares = [WordShare("x", 200_000), WordShare("y", 300_000), WordShare("z", 500_000)]
    styles = {
        "x": _style(7, ARTIST),
        "y": _style(7, ARTIST),
        "z": _style(8, OTHER, StyleStatus.OPTED_OUT),
    }
    split = split_sale(10**6, 0, shares, styles, author=AUTHOR, platform=PLATFORM)
    artist = [e for e in split.entries if e.role is Role.ARTIST]
    assert [(e.style_id, e.ppm, e.amount) for e in artist] == [(7, 500_000, 500_000)]
    assert split.by_role(Role.AUTHOR) == 500_000


def test_suspended_style_is_held_not_paid_to_author() -> None:
    shares = [WordShare("x", 400_000), WordShare("cat", 600_000)]
    styles = {"x": _style(3, ARTIST, StyleStatus.SUSPENDED)}
    split = split_sale(10_000, 1_000, shares, styles, author=AUTHOR, platform=PLATFORM)
    held = [e for e in split.entries if e.role is Role.HELD]
    assert [(e.account, e.style_id, e.amount) for e in held] == [(ARTIST, 3, 3_600)]
    assert split.by_role(Role.AUTHOR) == 5_400
    assert split.by_role(Role.ARTIST) == 0


def test_no_attribution_gives_the_pool_to_the_author() -> None:
    split = split_sale(999, 1_000, [], {}, author=AUTHOR, platform=PLATFORM)
    assert split.by_role(Role.AUTHOR) == 999 - 99


@pytest.mark.parametrize(
    ("price", "bps", "shares"),
    [
        (-1, 1_000, [WordShare("a", PPM)]),
        (1, 10_001, [WordShare("a", PPM)]),
        (1, 1_000, [WordShare("a", PPM - 1)]),
        (1, 1_000, [WordShare("a", PPM + 1), WordShare("b", -1)]),
        (1, 1_000, [WordShare("a", 500_000), WordShare("a", 500_000)]),
        (1.5, 1_000, [WordShare("a", PPM)]),
    ],
)
def test_bad_inputs_are_refused(price: int, bps: int, shares: list[WordShare]) -> None:
    with pytest.raises(MoneyError):
        split_sale(price, bps, shares, {}, author=AUTHOR, platform=PLATFORM)


def test_royalty_split_pro_rata_with_dust_to_author() -> None:
    split = split_royalty(
        1_001, 1_000, {ARTIST: 2, OTHER: 1, AUTHOR: 0}, author=AUTHOR, platform=PLATFORM
    )
    assert split.platform == 100
    amounts = {e.account: e.amount for e in split.entries if e.role is not Role.PLATFORM}
    assert amounts == {ARTIST: 600, OTHER: 300, AUTHOR: 1}
    assert sum(e.amount for e in split.entries) == 1_001


def test_royalty_without_entitlements_goes_to_author() -> None:
    split = split_royalty(500, 1_000, {}, author=AUTHOR, platform=PLATFORM)
    assert [(e.role, e.amount) for e in split.entries] == [(Role.PLATFORM, 50), (Role.AUTHOR, 450)]


def test_cumulative_sums_per_account() -> None:
    assert cumulative([(ARTIST, 1), (AUTHOR, 2), (ARTIST, 3), (OTHER, 0)]) == {
        ARTIST: 4,
        AUTHOR: 2,
    }


# --- properties -----------------------------------------------------------------------------


@st.composite
def attributions(draw: st.DrawFn) -> tuple[list[WordShare], dict[str, StyleAtBlock]]:
    n = draw(st.integers(1, 8))
    cuts = sorted(draw(st.lists(st.integers(0, PPM), min_size=n - 1, max_size=n - 1)))
    bounds = [0, *cuts, PPM]
    shares = [WordShare(f"w{i}", bounds[i + 1] - bounds[i]) for i in range(n)]
    styles: dict[str, StyleAtBlock] = {}
    for i in range(n):
        kind = draw(st.sampled_from(["none", *StyleStatus]))
        if kind != "none":
            sid = draw(st.integers(1, 4))
            styles[f"w{i}"] = _style(sid, f"0x{sid:040x}", StyleStatus(kind))
    # one style has one status and payout at a given block
    by_id = {s.style_id: s for s in styles.values()}
    return shares, {w: by_id[s.style_id] for w, s in styles.items()}


@given(
    price=st.integers(0, 10**30),
    bps=st.integers(0, 10_000),
    attribution=attributions(),
)
def test_sale_split_properties(
    price: int, bps: int, attribution: tuple[list[WordShare], dict[str, StyleAtBlock]]
) -> None:
    shares, styles = attribution
    split = split_sale(price, bps, shares, styles, author=AUTHOR, platform=PLATFORM)
    creators = [e for e in split.entries if e.role is not Role.PLATFORM]
    # the creators' entries sum to the creator pool to the wei; platform + creators == price
    assert sum(e.amount for e in creators) == split.creator_pool
    assert split.platform + split.creator_pool == price
    assert split.platform == price * bps // 10_000
    assert all(e.amount >= 0 for e in split.entries)
    # every style payee gets exactly floor(C * ppm / 1e6); the author's extra (dust) is < payees
    style_entries = [e for e in creators if e.role is not Role.AUTHOR]
    for e in style_entries:
        assert e.amount == split.creator_pool * e.ppm // PPM
    author = next(e for e in creators if e.role is Role.AUTHOR)
    dust = author.amount - split.creator_pool * author.ppm // PPM
    assert 0 <= dust <= len(style_entries)
    assert author.ppm + sum(e.ppm for e in style_entries) == PPM


@given(
    amount=st.integers(0, 10**30),
    bps=st.integers(0, 10_000),
    entitlements=st.dictionaries(
        st.sampled_from([ARTIST, OTHER, AUTHOR, "0x" + "d4" * 20]), st.integers(0, 10**24)
    ),
)
def test_royalty_split_properties(amount: int, bps: int, entitlements: dict[str, int]) -> None:
    split = split_royalty(amount, bps, entitlements, author=AUTHOR, platform=PLATFORM)
    assert sum(e.amount for e in split.entries) == amount
    assert all(e.amount >= 0 for e in split.entries)
    total = sum(entitlements.values())
    for e in split.entries:
        if e.role is Role.ARTIST:
            assert e.amount <= split.creator_pool * entitlements[e.account] // max(total, 1)
