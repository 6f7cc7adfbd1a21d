"""End to end on anvil with the real contracts: styles, a project, mints from several accounts
(one artist opts out in between), `styleledger index`, `render-worker`, `settle` (killed with
SIGKILL between building and posting, then restarted; later killed right after sending the root
transaction, restarted while it is still pending), claims on-chain, and every account's received wei checked against
the formula computed here from the stored attribution ppm (plain integer arithmetic, not
indexer.ledger.money).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_account import Account
from sqlalchemy import select
from web3 import Web3

from indexer.chain.deployment import REPO_ROOT, load_deployment
from indexer.db.base import make_engine, make_session_factory
from indexer.db.models.chain import Token
from indexer.db.models.ledger import Attribution, Epoch, EpochLeaf, Render
from indexer.ledger.merkle import StandardMerkleTree
from tests.support.ledger import tiny_model

pytestmark = pytest.mark.chain

ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
PROMPT = "red stripes on blue dots"
PRICE = 10**15 + 7  # odd, so platform cut, floors and dust all show


def _key_of(address: str) -> str:
    Account.enable_unaudited_hdwallet_features()
    for i in range(10):
        acct = Account.from_mnemonic(ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}")
        if acct.address == address:
            return acct.key.hex()
    raise AssertionError(f"{address} is not an anvil dev account")


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "indexer", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_ROOT,
    )


def _crashing_settle(env: dict[str, str], checkpoint: str) -> subprocess.CompletedProcess[str]:
    """``settle`` killed with SIGKILL at ``checkpoint`` (tests/support/crash.py)."""
    return subprocess.run(
        [sys.executable, "-m", "tests.support.crash", checkpoint, "settle"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_ROOT,
    )


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"rc {done.returncode}\n{done.stdout}\n{done.stderr[-4000:]}"
    return done.stdout


def _expected(db_url: str, opted_out_from: int, artists: dict[str, str], author: str):
    """Each account's entitlement from the stored ppm, computed here: the style of a word pays
    its artist unless the mint came at/after the artist's opt-out block."""
    engine = make_engine(db_url)
    owed: dict[str, int] = {}
    with make_session_factory(engine)() as s:
        for token in s.scalars(select(Token).order_by(Token.token_id)):
            pool = token.price - token.price * token.platform_bps // 10_000
            words = {
                a.word: a.ppm
                for a in s.scalars(select(Attribution).filter_by(token_id=token.token_id))
            }
            assert sum(words.values()) == 1_000_000
            paid = 0
            for word, artist in artists.items():
                if word == "dots" and token.block_number >= opted_out_from:
                    continue
                amount = pool * words[word] // 1_000_000
                owed[artist] = owed.get(artist, 0) + amount
                paid += amount
            owed[author] = owed.get(author, 0) + pool - paid
    engine.dispose()
    return owed


def test_styles_mints_opt_out_index_render_settle_claim(
    deployed: Path, anvil, db_url: str, tmp_path: Path
) -> None:
    w3: Web3 = anvil.w3
    dep = load_deployment(deployed)
    roles = set(dep.roles.values())
    free = [a for a in anvil.accounts if a not in roles]
    artist1, artist2, author, collector_a, collector_b = free[:5]
    payer = free[5] if len(free) > 5 else anvil.accounts[-1]
    registry = w3.eth.contract(
        address=dep.contracts["StyleRegistry"].address, abi=dep.contracts["StyleRegistry"].abi
    )
    core = w3.eth.contract(
        address=dep.contracts["ArtCore"].address, abi=dep.contracts["ArtCore"].abi
    )
    dist = w3.eth.contract(
        address=dep.contracts["PayoutDistributor"].address,
        abi=dep.contracts["PayoutDistributor"].abi,
    )

    def send(fn, sender: str, value: int = 0):
        receipt = w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender, "value": value}))
        assert receipt["status"] == 1
        return receipt

    model_dir = tiny_model(tmp_path / "models" / "tiny-sd")
    from generator.models import model_id

    mid = model_id(model_dir)
    send(registry.functions.registerStyle("Stripes", ["stripes"], artist1, "ipfs://s"), artist1)
    send(registry.functions.registerStyle("Dots", ["dots"], artist2, "ipfs://d"), artist2)
    send(
        core.functions.createProject(
            "E2E", PROMPT, bytes.fromhex(mid), (2, 750, 64, 64, "ddim"), PRICE, 100, False
        ),
        author,
    )
    project_id = core.functions.projectCount().call()
    for collector in (collector_a, collector_b, collector_a):
        send(core.functions.mint(project_id), collector, PRICE)
    opt_out = send(registry.functions.optOut(2), artist2)  # style 2: "dots"
    opted_out_from = opt_out["blockNumber"]
    for collector in (collector_b, collector_a):
        send(core.functions.mint(project_id), collector, PRICE)

    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "STYLELEDGER_DATABASE_URL": db_url,
        "STYLELEDGER_RPC_URL": anvil.url,
        "STYLELEDGER_DEPLOYMENT": str(deployed),
        "STYLELEDGER_DATA_DIR": str(tmp_path / "data"),
        "STYLELEDGER_MODELS": str(model_dir),
        "STYLELEDGER_SETTLER_KEY": _key_of(dep.roles["settler"]),
    }
    _ok(_cli(env, "index", "--once", "--quiet"))
    out = _ok(_cli(env, "render-worker", "--once", "--quiet"))
    assert "rendered 5 tokens" in out

    # settle, killed (SIGKILL) between building the epoch and posting its root
    crashed = _crashing_settle(env, "built")
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]
    assert dist.functions.lastPostedEpoch().call() == 0
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    with factory() as s:
        built = s.get(Epoch, 1)
        assert built.status == "built"
        built_root = built.root
    out = _ok(_cli(env, "settle"))
    assert "epoch 1 resumed" in out and "status posted" in out

    owed = _expected(db_url, opted_out_from, {"stripes": artist1, "dots": artist2}, author)
    tree = StandardMerkleTree.of(sorted(owed.items()))
    epoch, root, total, _ = dist.functions.latestRoot().call()
    assert (epoch, "0x" + bytes(root).hex(), total) == (1, built_root, sum(owed.values()))
    assert built_root == tree.root  # the restart posted the same root as an uninterrupted build

    def claim_all(number: int, expect: dict[str, int], already: dict[str, int]) -> None:
        with factory() as s:
            leaves = {x.account: x for x in s.scalars(select(EpochLeaf).filter_by(epoch=number))}
        assert {a: x.cumulative for a, x in leaves.items()} == expect
        for account, leaf in leaves.items():
            if leaf.cumulative == already.get(account, 0):
                continue  # nothing new for this account (the contract would revert)
            before = w3.eth.get_balance(account)
            send(dist.functions.claim(account, leaf.cumulative, leaf.proof_hex), payer)
            received = w3.eth.get_balance(account) - before
            assert received == expect[account] - already.get(account, 0), account

    claim_all(1, owed, {})
    assert dist.functions.totalClaimed().call() == 5 * (PRICE - PRICE * 1000 // 10_000)

    # a later mint, then settle killed right after the root transaction was sent
    send(core.functions.mint(project_id), collector_b, PRICE)
    _ok(_cli(env, "index", "--once", "--quiet"))
    _ok(_cli(env, "render-worker", "--once", "--quiet"))
    anvil.rpc("evm_setAutomine", False)  # the root transaction stays pending across the crash
    crashed = _crashing_settle(env, "sent")
    assert crashed.returncode == -signal.SIGKILL
    restart = subprocess.Popen(
        [sys.executable, "-m", "indexer", "settle"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(8)  # the restart finds the pending transaction and waits for it
    anvil.rpc("evm_mine")
    anvil.rpc("evm_setAutomine", True)
    out, err = restart.communicate(timeout=300)
    assert restart.returncode == 0, err[-3000:]
    assert "epoch 2 resumed" in out and "status posted" in out
    posts = dist.events.RootPosted.get_logs(from_block=0, argument_filters={"epoch": 2})
    assert len(posts) == 1  # the restart found the sent root on-chain and did not send it again
    owed2 = _expected(db_url, opted_out_from, {"stripes": artist1, "dots": artist2}, author)
    claim_all(2, owed2, owed)
    assert artist2 in owed2 and owed2[artist2] == owed[artist2]  # opted out: no new earnings

    # verify: re-render a token from chain data, same pixels and shares as stored
    with factory() as s:
        token_id = s.scalars(select(Render.token_id).limit(1)).one()
    out = _ok(_cli(env, "verify", str(token_id), "--rpc-url", anvil.url))
    assert "pixels identical" in out and "shares identical" in out
    engine.dispose()
