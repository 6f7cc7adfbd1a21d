"""Gas of StyleLedger's hot paths, recorded in bench/results.json (`make bench`).

    brownie run scripts/bench_gas.py --network anvil

Measured the way Art Blocks measures its V3 mint (their gas tests: a warm project, one minting
account, mints after the first ones, averaged): every figure is the mean `gasUsed` of several
identical-shape transactions, base cost of 21,000 included, except the claims' (the worst of 16).

* gas_register_style: StyleRegistry.registerStyle, 3 new keywords, a new artist each time.
* gas_register_style_with_adapter: StyleRegistry.registerStyleWithAdapter, the same with a style
  adapter (adapter id, works root, a 54-byte works URI) in the same transaction.
* gas_mint: ArtCore.mint by a collector who already holds a token of the project.
* gas_mint_first_token: the same, for collectors minting their first token (balance 0 -> 1).
* gas_mint_with_seed: ArtCore.mintWithSeed, seeds counted up from 0 by one collector (they share a
  256-seed bitmap word: the preview page's way).
* gas_mint_with_seed_new_word: mintWithSeed with a seed in a word of the bitmap not used yet.
* gas_mint_with_randomizer: ArtCore.mint as gas_mint, with the reference BlockhashRandomizer
  plugged in (the pluggable-randomizer path: an external call for the hash).
* gas_claim_65536: the first claim of an account, by itself, with a 16-hash proof from a
  2^16-leaf tree built by indexer/ledger/merkle.py, paying 0.01-0.1 ether: the WORST of 16
  accounts at random places in the tree (a proof's zero bytes and the amount's length move
  calldata by a few dozen gas, so the mean would flatter it).
* gas_claim_repeat: a later cumulative claim of the same 16 accounts against the next epoch's
  2^16-leaf tree (their `claimed` slot already set: 1inch's cumulative drop measures 58,716),
  the worst of the 16 too.
"""

from __future__ import annotations

import random
import statistics

from brownie import ArtCore, BlockhashRandomizer, PayoutDistributor, StyleRegistry, accounts
from eth_utils import keccak

from bench.results import record
from indexer.ledger.merkle import StandardMerkleTree

PRICE = 10**16
SETTINGS = (20, 750, 128, 128, "ddim")
MODEL_ID = b"\xab" * 32
ADAPTER_ID = b"\xcd" * 32
WORKS_ROOT = b"\xef" * 32
WORKS_URI = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oc"
TREE_LEAVES = 2**16
ROUNDS = 8
CLAIMANTS = 16


def mean_gas(txs) -> int:
    return round(statistics.fmean(tx.gas_used for tx in txs))


def worst_gas(txs) -> int:
    return max(tx.gas_used for tx in txs)


def funded_accounts(funder, label: str, count: int) -> list:
    """`count` fresh accounts with 1 ether each, from fixed keys (nothing printed, same every run)."""
    fresh = [accounts.add(keccak(f"styleledger-bench-{label}-{i}".encode())) for i in range(count)]
    for account in fresh:
        funder.transfer(account, 10**18)
    return fresh


def claim_epoch(core, distributor, settler, epoch, values, amounts, claimants, paid, settled):
    """Mint enough to fund the tree of `values`, post it as `epoch`, claim for every claimant."""
    tree = StandardMerkleTree.of(values)
    total = sum(a for _, a in values)
    for _ in range(-(-(total - settled) // (PRICE * 9 // 10))):
        core.mint(1, paid)
    distributor.postRoot(epoch, tree.root, total, "bench", {"from": settler})
    claims = []
    for claimant in claimants:
        amount = amounts[str(claimant)]
        proof = tree.proof((str(claimant), amount))
        assert len(proof) == 16
        claims.append(distributor.claim(claimant, amount, proof, {"from": claimant}))
    return claims


def main() -> None:
    owner, settler, collector = accounts[0], accounts[1], accounts[2]
    tx_from = {"from": owner}
    registry = StyleRegistry.deploy(owner, 0, tx_from)
    distributor = PayoutDistributor.deploy(owner, settler, owner, 0, tx_from)
    core = ArtCore.deploy("StyleLedger", "STYLE", owner, owner, distributor, tx_from)
    distributor.setCore(core, tx_from)

    # registerStyle: each round a new artist account with three new keywords
    artists = funded_accounts(owner, "artist", ROUNDS)
    register = [
        registry.registerStyle(
            f"style {i}", [f"kw{i}-a", f"kw{i}-b", f"kw{i}-c"], artist, "ipfs://s", {"from": artist}
        )
        for i, artist in enumerate(artists)
    ]
    adapter_artists = funded_accounts(owner, "adapter-artist", ROUNDS)
    register_with_adapter = [
        registry.registerStyleWithAdapter(
            f"style {i}",
            [f"ad{i}-a", f"ad{i}-b", f"ad{i}-c"],
            artist,
            "ipfs://s",
            ADAPTER_ID,
            WORKS_ROOT,
            WORKS_URI,
            {"from": artist},
        )
        for i, artist in enumerate(adapter_artists)
    ]

    # mint: a warm project, a collector who already holds tokens of it
    core.createProject(
        "Lilies", "monet water lilies", MODEL_ID, SETTINGS, PRICE, 10**6, True, tx_from
    )
    paid = {"from": collector, "value": PRICE}
    for _ in range(3):
        core.mint(1, paid)
    mints = [core.mint(1, paid) for _ in range(ROUNDS)]
    newcomers = funded_accounts(owner, "collector", ROUNDS)
    first_tokens = [core.mint(1, {"from": c, "value": PRICE}) for c in newcomers]

    # mint through the pluggable randomizer (the reference one: the same rule, one external call)
    core.setRandomizer(BlockhashRandomizer.deploy(tx_from), tx_from)
    core.mint(1, paid)
    randomized = [core.mint(1, paid) for _ in range(ROUNDS)]
    core.setRandomizer("0x" + "00" * 20, tx_from)

    # mintWithSeed: seeds 0, 1, 2... share one bitmap word; seeds 256*k open new words
    core.mintWithSeed(1, 0, paid)
    seeded = [core.mintWithSeed(1, seed, paid) for seed in range(1, ROUNDS + 1)]
    new_words = [core.mintWithSeed(1, 256 * k, paid) for k in range(1, ROUNDS + 1)]

    # claim: the first claim of CLAIMANTS accounts in a 2^16-leaf tree
    claimants = funded_accounts(owner, "claimant", CLAIMANTS)
    rng = random.Random(65536)
    amounts = {str(c): rng.randrange(10**16, 10**17) for c in claimants}
    filler = TREE_LEAVES - len(amounts)
    values = [(str(c), a) for c, a in amounts.items()]
    values += [("0x" + rng.randbytes(20).hex(), rng.randrange(1, 10**9)) for _ in range(filler)]
    claims = claim_epoch(core, distributor, settler, 1, values, amounts, claimants, paid, 0)
    total = sum(a for _, a in values)

    # a later cumulative claim: epoch 2 adds to every claimant's entitlement
    later = {account: amount + rng.randrange(10**15, 10**16) for account, amount in amounts.items()}
    values2 = [(a, later.get(a, v)) for a, v in values]
    repeats = claim_epoch(core, distributor, settler, 2, values2, later, claimants, paid, total)

    figures = {
        "gas_register_style": mean_gas(register),
        "gas_register_style_with_adapter": mean_gas(register_with_adapter),
        "gas_mint": mean_gas(mints),
        "gas_mint_first_token": mean_gas(first_tokens),
        "gas_mint_with_seed": mean_gas(seeded),
        "gas_mint_with_seed_new_word": mean_gas(new_words),
        "gas_mint_with_randomizer": mean_gas(randomized),
        "gas_claim_65536": worst_gas(claims),
        "gas_claim_repeat": worst_gas(repeats),
    }
    record(figures)
    width = max(map(len, figures))
    for key, value in figures.items():
        print(f"{key:<{width}}  {value:>9,}")
    for label, txs in (("first claims", claims), ("repeat claims", repeats)):
        used = sorted(tx.gas_used for tx in txs)
        print(f"{label}: {len(used)} proofs, {used[0]:,}-{used[-1]:,}, mean {mean_gas(txs):,}")
