"""THE money formula of StyleLedger (DESIGN.md, "Money"): integer wei only, pure functions.

For a token sold at price ``P`` with platform share ``bps`` (basis points, as of the mint):

* ``platform = P * bps // 10_000``; the creator pool is ``C = P - platform``.
* The generator's attribution gives every prompt word a share in parts per million (ppm); the
  shares sum to exactly 1,000,000.
* Words resolve to styles as they stood at the mint's block. A registered, *active* style's
  artist gets the sum of its keywords' ppm; the prompt author gets the rest (non-style words,
  opted-out or unknown styles).
* Every payee gets ``floor(C * ppm / 1_000_000)``; the rounding dust goes to the prompt author.
  A payee is the prompt author or one style (two styles with the same payout address are two
  payees; their entries are summed per account only in the Merkle tree).
* A *suspended* style's share is not paid: it becomes a ``held`` entry, addressed to the style's
  payout at the mint, carrying the style id. Settlement leaves held entries out of the tree while
  the style is suspended and includes them (releases them to that artist) in the first epoch
  settled after the style is reinstated. Held amounts never go to the prompt author.

Royalties received for a project are split like a primary sale: the platform share first, then
the rest pro rata to the project's cumulative creator entitlements (per account, over the entries
already settled for that project's tokens, including the epoch that settles the royalty); the
dust goes to the project's prompt author. With no entitlements yet the author gets it all.

Nothing here touches a database or the chain: inputs and outputs are plain frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from indexer.errors import MoneyError

PPM = 1_000_000
BPS = 10_000


class Role(StrEnum):
    """Why an account receives an amount."""

    PLATFORM = "platform"
    ARTIST = "artist"
    AUTHOR = "author"
    HELD = "held"


class StyleStatus(StrEnum):
    """A style's state at a given block, as far as money is concerned."""

    ACTIVE = "active"
    OPTED_OUT = "opted_out"
    SUSPENDED = "suspended"


@dataclass(frozen=True)
class WordShare:
    """One prompt word's share of a token, from the generator's attribution."""

    word: str
    ppm: int


@dataclass(frozen=True)
class StyleAtBlock:
    """The style a keyword named at the mint's block: its id, payout address and status."""

    style_id: int
    payout: str
    status: StyleStatus


@dataclass(frozen=True)
class Entry:
    """One ledger line: ``amount`` wei to ``account`` in ``role`` (``style_id`` for artist/held).

    ``ppm`` is the share the amount was computed from (``None`` for platform and royalty lines).
    """

    account: str
    role: Role
    amount: int
    style_id: int | None = None
    ppm: int | None = None


@dataclass(frozen=True)
class Split:
    """How one payment (a sale or a royalty deposit) is divided: ``sum(amounts) == total``."""

    total: int
    platform: int
    creator_pool: int
    entries: tuple[Entry, ...]

    def by_role(self, role: Role) -> int:
        return sum(e.amount for e in self.entries if e.role is role)


def _check_amount(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MoneyError(f"{name} must be an integer number of wei, got {value!r}")
    if value < 0:
        raise MoneyError(f"{name} must be >= 0, got {value}")


def platform_cut(amount: int, bps: int) -> int:
    """``amount * bps // 10_000``: the platform's share of a payment."""
    _check_amount("amount", amount)
    if isinstance(bps, bool) or not isinstance(bps, int) or not 0 <= bps <= BPS:
        raise MoneyError(f"platform bps must be an integer in [0, {BPS}], got {bps!r}")
    return amount * bps // BPS


def share_of(pool: int, ppm: int) -> int:
    """``floor(pool * ppm / 1_000_000)`` in exact integer arithmetic."""
    return pool * ppm // PPM


def _check_shares(shares: Sequence[WordShare]) -> None:
    seen: set[str] = set()
    for s in shares:
        if isinstance(s.ppm, bool) or not isinstance(s.ppm, int) or s.ppm < 0:
            raise MoneyError(f"share of word {s.word!r} must be a non-negative integer ppm")
        if s.word in seen:
            raise MoneyError(f"word {s.word!r} appears twice in the attribution")
        seen.add(s.word)
    total = sum(s.ppm for s in shares)
    if shares and total != PPM:
        raise MoneyError(f"word shares must sum to exactly {PPM:,} ppm, got {total:,}")


def style_ppm(
    shares: Sequence[WordShare], styles: Mapping[str, StyleAtBlock]
) -> tuple[dict[int, int], int]:
    """Sum the ppm per style for words naming an active or suspended style.

    Returns ``(ppm per style id, ppm left to the prompt author)``. Words that name no style, or
    a style opted out at the mint's block, stay with the author.
    """
    _check_shares(shares)
    per_style: dict[int, int] = {}
    author_ppm = PPM if not shares else 0
    for s in shares:
        style = styles.get(s.word)
        if style is None or style.status is StyleStatus.OPTED_OUT:
            author_ppm += s.ppm
        else:
            per_style[style.style_id] = per_style.get(style.style_id, 0) + s.ppm
    return per_style, author_ppm


def split_sale(
    price: int,
    bps: int,
    shares: Sequence[WordShare],
    styles: Mapping[str, StyleAtBlock],
    *,
    author: str,
    platform: str,
) -> Split:
    """Divide one token's sale: platform, each style's artist (or held), the author with the dust.

    ``styles`` maps a prompt word to the style it named at the mint's block (absent: no style).
    An empty ``shares`` (no attribution, e.g. an empty prompt) gives the whole pool to the author.
    Entries are ordered: platform, styles by id, author; zero amounts are kept so every payee of
    the token is visible.
    """
    cut = platform_cut(price, bps)
    pool = price - cut
    per_style, author_ppm = style_ppm(shares, styles)
    payout_of = {st.style_id: st for st in styles.values()}

    entries = [Entry(platform, Role.PLATFORM, cut)]
    paid = 0
    for style_id in sorted(per_style):
        st = payout_of[style_id]
        ppm = per_style[style_id]
        amount = share_of(pool, ppm)
        role = Role.HELD if st.status is StyleStatus.SUSPENDED else Role.ARTIST
        entries.append(Entry(st.payout, role, amount, style_id=style_id, ppm=ppm))
        paid += amount
    # floor(C * author_ppm / 1e6) plus the dust of every floor above: the rest of the pool.
    entries.append(Entry(author, Role.AUTHOR, pool - paid, ppm=author_ppm))
    return Split(total=price, platform=cut, creator_pool=pool, entries=tuple(entries))


def split_royalty(
    amount: int,
    bps: int,
    entitlements: Mapping[str, int],
    *,
    author: str,
    platform: str,
) -> Split:
    """Divide a royalty deposit for a project like a primary sale.

    ``entitlements`` are the project's cumulative creator entitlements per account (wei, settled
    creator entries of the project's tokens). Each account gets ``floor(R * e / E)`` of the
    creators' part ``R``; the dust (or all of ``R`` when ``E == 0``) goes to the prompt author.
    Unlike a sale, the platform's part of a royalty is paid through the tree (the distributor
    received the whole royalty).
    """
    cut = platform_cut(amount, bps)
    rest = amount - cut
    for account, e in entitlements.items():
        _check_amount(f"entitlement of {account}", e)
    total = sum(entitlements.values())
    entries = [Entry(platform, Role.PLATFORM, cut)]
    paid = 0
    if total:
        for account in sorted(entitlements):
            if account == author:
                continue
            share = rest * entitlements[account] // total
            entries.append(Entry(account, Role.ARTIST, share))
            paid += share
    entries.append(Entry(author, Role.AUTHOR, rest - paid))
    return Split(total=amount, platform=cut, creator_pool=rest, entries=tuple(entries))


def apportion(amount: int, weights: Sequence[int]) -> list[int]:
    """``amount`` wei over ``weights`` by largest remainder (ties to the earlier weight): the
    parts sum to ``amount`` exactly. All-zero weights share it equally (by the same rule)."""
    _check_amount("amount", amount)
    if not weights:
        return []
    if any(w < 0 for w in weights):
        raise MoneyError(f"weights must be non-negative, got {list(weights)}")
    total = sum(weights) or len(weights)
    weights = list(weights) if sum(weights) else [1] * len(weights)
    parts = [amount * w // total for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for i in order[: amount - sum(parts)]:
        parts[i] += 1
    return parts


def cumulative(entries: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Sum ``(account, amount)`` pairs per account (zero totals dropped): the tree's leaves."""
    out: dict[str, int] = {}
    for account, amount in entries:
        _check_amount(f"amount for {account}", amount)
        out[account] = out.get(account, 0) + amount
    return {a: v for a, v in out.items() if v}
