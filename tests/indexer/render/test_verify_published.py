"""`styleledger verify TOKEN_ID --rpc-url URL` by a stranger (issue 12), on anvil with the real
contracts: from an empty folder, with the repository, an RPC URL and the published epoch file
only. It replays the chain's events in memory (no database file, none created), re-renders the
token and checks its pixel hash, shares, keywords and wei against its record in the epoch file,
and the file's leaves and root against the root posted on-chain. Tampered files are caught, each
with its reason: a moved share, a changed root, a self-consistent forged tree, a changed pixel
hash, a word said to pay no keyword. Before, verify needed the operator's database (from an
empty folder it created ./data/styleledger.sqlite and said "not indexed")."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from indexer.chain.deployment import REPO_ROOT, Deployment, load_deployment
from indexer.ledger.merkle import StandardMerkleTree
from indexer.render.published import ChainReplay, replay_chain, verify_published
from indexer.render.verify import TokenVerification
from tests.support.chain import DEPLOY_SCRIPT, Anvil, deploy_contracts, dev_key, start_anvil
from tests.support.skip import skip_or_fail

pytestmark = pytest.mark.chain

PROMPT = "red stripes on blue dots"
PRICE = 10**15 + 7  # odd: the platform cut, the floors and the dust all show


@dataclass
class Settled:
    """A deployment with two tokens rendered, settled in epoch 1 and its root posted."""

    anvil: Anvil
    deployment_path: Path
    deployment: Deployment
    model_dir: Path
    tokens: list[int]
    epoch_file: Path
    artist: str
    author: str
    stranger_env: dict[str, str]  # no STYLELEDGER_* setting but where the pinned model is


def _cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "indexer", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"rc {done.returncode}\n{done.stdout}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def settled(tmp_path_factory: pytest.TempPathFactory, tiny_sd: Path) -> Iterator[Settled]:
    if not DEPLOY_SCRIPT.is_file():
        skip_or_fail(f"{DEPLOY_SCRIPT} not there yet")
    operator = tmp_path_factory.mktemp("operator")
    node = start_anvil()
    try:
        path = deploy_contracts(node, operator / "deployment")
        dep = load_deployment(path)
        w3 = node.w3
        registry, core = (
            w3.eth.contract(address=dep.contracts[n].address, abi=dep.contracts[n].abi)
            for n in ("StyleRegistry", "ArtCore")
        )
        roles = set(dep.roles.values())
        artist, author, collector = [a for a in node.accounts if a not in roles][:3]

        def send(fn: Any, sender: str, value: int = 0) -> None:
            tx = fn.transact({"from": sender, "value": value})
            assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1

        from generator.models import model_id

        mid = model_id(tiny_sd)
        send(registry.functions.registerStyle("Stripes", ["stripes"], artist, "ipfs://s"), artist)
        settings = (2, 750, 64, 64, "ddim")
        send(core.functions.createProject("Verify", PROMPT, bytes.fromhex(mid), settings, PRICE,
                                          100, False), author)  # fmt: skip
        project = core.functions.projectCount().call()
        for _ in range(2):
            send(core.functions.mint(project), collector, PRICE)
        data = operator / "data"
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "STYLELEDGER_DATABASE_URL": f"sqlite:///{operator / 'operator.sqlite'}",
            "STYLELEDGER_RPC_URL": node.url,
            "STYLELEDGER_DEPLOYMENT": str(path),
            "STYLELEDGER_DATA_DIR": str(data),
            "STYLELEDGER_MODELS": str(tiny_sd),
            "STYLELEDGER_SETTLER_KEY": dev_key(dep.roles["settler"]),
        }
        _ok(_cli(env, REPO_ROOT, "index", "--once", "--quiet"))
        _ok(_cli(env, REPO_ROOT, "render-worker", "--once", "--quiet"))
        uri = (data / "epochs").as_uri() + "/{epoch}.json"
        _ok(_cli(env, REPO_ROOT, "settle", "--uri", uri))
        stranger = {k: v for k, v in os.environ.items() if not k.startswith("STYLELEDGER_")}
        yield Settled(
            anvil=node,
            deployment_path=path,
            deployment=dep,
            model_dir=tiny_sd,
            tokens=[project * 1_000_000, project * 1_000_000 + 1],
            epoch_file=data / "epochs" / "1.json",
            artist=artist,
            author=author,
            stranger_env={**stranger, "HF_HUB_OFFLINE": "1", "STYLELEDGER_MODELS": str(tiny_sd)},
        )
    finally:
        node.stop()


@pytest.fixture(scope="module")
def replay(settled: Settled) -> Iterator[ChainReplay]:
    chain = replay_chain(settled.anvil.w3, settled.deployment)
    try:
        yield chain
    finally:
        chain.dispose()


def _published(settled: Settled) -> dict[str, Any]:
    return json.loads(settled.epoch_file.read_text())


def _verify(
    settled: Settled, replay: ChainReplay, source: str, token: int | None = None
) -> TokenVerification:
    return verify_published(
        settled.tokens[0] if token is None else token,
        w3=settled.anvil.w3,
        deployment=settled.deployment,
        epoch_file=source,
        model_paths=[settled.model_dir],
        replay=replay,
    )


def _tampered(settled: Settled, replay: ChainReplay, tmp_path: Path, change) -> TokenVerification:
    document = _published(settled)
    change(document)
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(document))
    return _verify(settled, replay, str(path))


def _record(document: dict[str, Any], token: int) -> dict[str, Any]:
    return next(t for t in document["tokens"] if t["token"] == token)


# ─────────────────────────────────────────── the stranger ─────────────────────────────────────────


def test_from_an_empty_folder_with_the_file_the_chain_names(
    settled: Settled, tmp_path: Path
) -> None:
    folder = tmp_path / "stranger"
    folder.mkdir()
    args = ("verify", str(settled.tokens[1]), "--rpc-url", settled.anvil.url,
            "--deployment", str(settled.deployment_path))  # fmt: skip
    out = _ok(_cli(settled.stranger_env, folder, *args))
    assert "identical" in out.splitlines()[0], out
    assert "pixels identical" in out and "shares identical" in out
    assert "wei recomputed alike" in out and "to creators, as published" in out
    assert f"epoch 1 file matches ({settled.epoch_file.as_uri()})" in out
    assert list(folder.iterdir()) == []  # no database, no data folder: nothing written

    done = _cli(settled.stranger_env, folder, *args, "--json", "--ablate",
                "--epoch-file", str(settled.epoch_file))  # fmt: skip
    result = json.loads(_ok(done))
    assert result["verdict"] == "identical" and result["wei"]["matches"]
    ablated = {w["word"] for w in result["ablation"]["words"]} | set(result["ablation"]["skipped"])
    assert ablated == set(result["shares"]["recorded_ppm"])  # --ablate from the chain's inputs
    assert result["publication"]["matches"] and result["publication"]["epoch"] == 1
    record = _record(_published(settled), settled.tokens[1])
    assert result["shares"]["recorded_ppm"] == {w["word"]: w["ppm"] for w in record["words"]}
    assert result["pixels"]["expected_pixel_hash"] == record["pixelHash"].removeprefix("0x")
    assert list(folder.iterdir()) == []


def test_the_record_carries_what_a_stranger_checks(settled: Settled) -> None:
    document = _published(settled)
    assert {"format", "leafEncoding", "tree", "values", "root"} <= set(document)
    assert StandardMerkleTree.load(document).root == document["root"]
    record = _record(document, settled.tokens[0])
    words = {w["word"]: w for w in record["words"]}
    assert set(words) == {"red", "stripes", "on", "blue", "dots"}
    assert sum(w["ppm"] for w in words.values()) == 1_000_000
    assert (words["stripes"]["keyword"], words["stripes"]["style"]) == ("stripes", 1)
    assert words["stripes"]["payee"].lower() == settled.artist.lower()
    assert (
        words["dots"]["keyword"] is None
        and words["dots"]["payee"].lower() == settled.author.lower()
    )
    assert record["price"] == str(PRICE) and record["rule"] == "styleledger-attribution-v2"
    payees = {p["role"]: int(p["wei"]) for p in record["payees"]}
    assert sum(payees.values()) == PRICE
    pool = PRICE - PRICE * record["platformBps"] // 10_000
    assert payees["artist"] == pool * words["stripes"]["ppm"] // 1_000_000


def test_over_http(settled: Settled, replay: ChainReplay) -> None:
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(settled.epoch_file.parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/1.json"
        check = _verify(settled, replay, url)
        assert check.verdict == "identical" and check.publication.source == url
        missing = _cli(settled.stranger_env, settled.epoch_file.parent, "verify",
                       str(settled.tokens[0]), "--rpc-url", settled.anvil.url, "--deployment",
                       str(settled.deployment_path), "--epoch-file", url.replace("1.json", "9.json"))  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert missing.returncode == 2 and "HTTP 404" in missing.stderr, missing.stderr


# ─────────────────────────────────────────── tampering ───────────────────────────────────────────


def test_a_moved_share_in_the_file(settled: Settled, replay: ChainReplay, tmp_path: Path) -> None:
    def move(document: dict[str, Any]) -> None:
        words = _record(document, settled.tokens[0])["words"]
        words[0]["ppm"] += 1_000
        words[1]["ppm"] -= 1_000

    check = _tampered(settled, replay, tmp_path, move)
    assert check.verdict == "different" and check.exit_code == 1
    assert check.pixels.verdict == "identical" and check.shares.verdict == "different"
    assert "the record's shares were altered" in check.shares.reason
    assert sorted(check.shares.deltas.values()) == [-1_000, 1_000]
    assert not check.wei.matches  # the payees no longer follow from the recorded shares


def test_a_changed_root(settled: Settled, replay: ChainReplay, tmp_path: Path) -> None:
    def change(document: dict[str, Any]) -> None:
        document["root"] = "0x" + "ab" * 32

    check = _tampered(settled, replay, tmp_path, change)
    assert check.verdict == "different" and not check.publication.matches
    assert any("its root field 0xabab" in p for p in check.publication.problems)
    assert check.shares.verdict == "identical"  # only the file is wrong


def test_a_forged_tree_that_holds_together(
    settled: Settled, replay: ChainReplay, tmp_path: Path
) -> None:
    """One wei moved from the author to the artist everywhere in the file (lines, record, leaves,
    tree, root): the file is consistent, but the chain holds another root."""

    def forge(document: dict[str, Any]) -> None:
        token = settled.tokens[0]
        for lines in (document["entries"], _record(document, token)["payees"]):
            for line in lines:
                if line.get("token") == token and line["role"] in ("artist", "author"):
                    line["wei"] = str(int(line["wei"]) + (1 if line["role"] == "artist" else -1))
        leaves: dict[str, int] = {}
        for line in document["entries"]:
            leaves[line["account"]] = leaves.get(line["account"], 0) + int(line["wei"])
        tree = StandardMerkleTree.of(sorted(leaves.items()))
        document.update(tree.dump(), root=tree.root)

    check = _tampered(settled, replay, tmp_path, forge)
    assert check.verdict == "different"
    (problem,) = [p for p in check.publication.problems if "PayoutDistributor" in p]
    assert "is not the root the PayoutDistributor holds for epoch 1" in problem
    assert not check.wei.matches  # and the money formula gives the booked wei, not these


def test_a_changed_pixel_hash(settled: Settled, replay: ChainReplay, tmp_path: Path) -> None:
    def change(document: dict[str, Any]) -> None:
        _record(document, settled.tokens[0])["pixelHash"] = "0x" + "00" * 32

    check = _tampered(settled, replay, tmp_path, change)
    assert check.verdict == "different" and check.pixels.verdict == "different"
    assert "differs from the recorded " + "00" * 32 in check.pixels.reason


def test_a_word_said_to_pay_no_keyword(
    settled: Settled, replay: ChainReplay, tmp_path: Path
) -> None:
    def change(document: dict[str, Any]) -> None:
        for word in _record(document, settled.tokens[0])["words"]:
            if word["word"] == "stripes":
                word.update(keyword=None, style=None, status=None, payee=settled.author)

    check = _tampered(settled, replay, tmp_path, change)
    assert check.verdict == "different"
    assert any(
        p.startswith("word 'stripes': the record says it paid keyword None")
        and "the registry at the mint gives stripes (style 1, active" in p
        for p in check.publication.problems
    ), check.publication.problems


def test_a_token_the_file_does_not_hold(settled: Settled, tmp_path: Path) -> None:
    done = _cli(settled.stranger_env, tmp_path, "verify", str(settled.tokens[0] + 5), "--rpc-url",
                settled.anvil.url, "--deployment", str(settled.deployment_path))  # fmt: skip
    assert done.returncode == 2 and "has no such mint" in done.stderr, done.stderr
    assert list(tmp_path.iterdir()) == []
