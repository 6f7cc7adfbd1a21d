"""A shortened ``styleledger demo`` (four mints, one of them seeded after previews, few steps):
the same story on a real anvil with the real contracts, and the same sums.

Checked here, independently of the demo's own checks where possible:
* payees' wei add up to what the collectors paid, per token (the ledger in the database) and in
  total; each payee received (on-chain logs) exactly what it earned; the claims add up to the
  posted tree's total; nothing is left in the contracts;
* every account's balance change equals received - paid - gas;
* the refused registration names the taken keyword and its style; the opted-out artist is paid
  for no mint after opting out; previewed hashes are the minted ones;
* two tokens re-verify from chain data; the page links only files next to it;
* nothing the demo started is still running; the CLI stops anvil on Ctrl-C.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from indexer.chain.deployment import REPO_ROOT
from indexer.demo.run import run_demo
from indexer.demo.types import DemoOptions, mint_schedule
from indexer.devchain.anvil import ANVIL
from indexer.devchain.deploy import DEPLOY_SCRIPT
from tests.support.skip import skip_or_fail

pytestmark = pytest.mark.chain


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its parent) is not running
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.is_file() and stat.read_text().split(")")[-1].split()[0] == "Z")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped default model; until its weights are there, a tiny model trained for two
    steps by the project's own training script (same layout, keywords and encoding)."""
    from generator.models import DEFAULT_MODEL_DIR

    if (DEFAULT_MODEL_DIR / "model_index.json").is_file():
        return DEFAULT_MODEL_DIR
    from generator.training.config import TrainConfig
    from generator.training.train import train

    root = tmp_path_factory.mktemp("demo-model")
    train(
        TrainConfig(
            tiny=True, out_dir=root / "model", work_dir=root / "work", vae_steps=2, vae_batch=4,
            steps=2, batch=4, warmup=2, log_every=1, checkpoint_every=2, sample_every=1000,
            sample_steps=2,
        )
    )  # fmt: skip
    return root / "model"


@pytest.fixture(scope="module")
def demo(model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    if not ANVIL.is_file() or not DEPLOY_SCRIPT.is_file():
        skip_or_fail("anvil or scripts/deploy.py missing: run `make install`")
    if not (REPO_ROOT / "build" / "contracts" / "ArtCore.json").is_file():
        skip_or_fail("build/contracts missing: run `make compile`")
    options = DemoOptions(
        out_dir=tmp_path_factory.mktemp("demo"),
        model_dir=model_dir,
        mints=6,  # three projects, the seeded mint after the opt-out
        seeded_mints=1,
        preview_seeds=2,
        steps=4,
        adapter_steps=3,
        quiet=True,
    )
    return run_demo(options), options


def test_the_schedule_has_seeded_mints_after_the_opt_out() -> None:
    plan = mint_schedule(12, 3)
    assert len(plan) == 12 and sum(p.seeded for p in plan) == 3
    assert all(p.number > 6 and p.project == 1 for p in plan if p.seeded)
    assert {p.project for p in plan} == {0, 1, 2} and len({p.collector for p in plan}) == 4


def test_payees_wei_add_up_to_what_collectors_paid(demo) -> None:
    result, _ = demo
    paid = sum(m.price for m in result.mints)
    rows = result.payouts
    assert paid == sum(r.paid for r in rows if "collector" in r.role) > 0
    assert sum(r.earned for r in rows) == paid
    assert sum(r.received for r in rows) == paid
    assert result.totals["left_in_contracts"] == 0
    assert result.totals["tree_total"] == sum(r.received for r in rows if "platform" not in r.role)


def test_each_token_splits_exactly_its_price(demo) -> None:
    from indexer.db.models.ledger import LedgerEntry

    result, _ = demo
    engine = create_engine(result.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(LedgerEntry.token_id, LedgerEntry.amount)).all()
    finally:
        engine.dispose()
    per_token: dict[int, int] = {}
    for token_id, amount in rows:
        per_token[token_id] = per_token.get(token_id, 0) + int(amount)
    assert per_token == {m.token_id: m.price for m in result.mints}


def test_claims_equal_entitlements_and_balances_reconcile(demo) -> None:
    result, _ = demo
    for row in result.payouts:
        assert row.received == row.earned, row
        assert row.balance_change == row.received - row.paid - row.gas, row
        if row.paid or row.received:
            assert row.gas > 0, row  # every account that moved money paid for its gas
    roles = {r.role for r in result.payouts}
    assert {"artist", "author", "platform"} <= {part for r in roles for part in r.split(", ")}
    assert result.epoch["status"] == "posted"


def test_the_story_happened(demo) -> None:
    result, options = demo
    assert len(result.styles) == 4 and len(result.projects) == 3
    assert "'checks'" in result.refusal and "style #1" in result.refusal
    assert "StyleRegistryKeywordTaken" in result.refusal
    opted = result.styles[1]
    assert opted.opted_out_at_mint == options.mints // 2 + 1
    seeded = [m for m in result.mints if m.seed is not None]
    assert len(seeded) == options.seeded_mints
    for m in seeded:
        chosen = [p for p in result.previews if p.chosen and p.collector == m.collector]
        assert [p.token_hash for p in chosen] == [m.token_hash]
    assert len(result.previews) == options.seeded_mints * options.preview_seeds


def test_eve_opts_her_works_in_and_is_paid(demo) -> None:
    """The fourth artist registers her style with the adapter learned from her works (here
    relearned on the test's tiny model) in one transaction; the project pinning it pays her."""
    result, _ = demo
    eve = next(s for s in result.styles if s.plan.name == "Eve Hatch")
    adapter_id = result.adapters["hatch"]
    ((hatched_id, plan),) = [(i, p) for i, p in result.projects if p.adapter_keywords]
    assert plan.adapter_keywords == ("hatch",)
    minted = [m for m in result.mints if m.project_id == hatched_id]
    assert minted, "the schedule mints the adapter's project"
    row = next(r for r in result.payouts if r.address == eve.owner)
    assert row.earned > 0 and "artist" in row.role
    assert len(adapter_id) == 64


def test_two_tokens_reverify_from_chain_data(demo) -> None:
    result, _ = demo
    assert len(result.verified) == 2
    assert all(v["ok"] and v["verdict"] == "identical" for v in result.verified)
    assert {v["token_id"] for v in result.verified} & {
        m.token_id for m in result.mints if m.seed is not None
    }


def test_the_page_is_self_contained(demo) -> None:
    result, options = demo
    page = result.html.read_text()
    links = re.findall(r"src='([^']+)'", page)
    assert len(links) >= 2 * len(result.mints)
    for link in links:
        assert not link.startswith(("/", "http")), link
        assert (options.out_dir / link).is_file(), link
    assert "Who got paid" in page and result.epoch["root"] in page


def test_nothing_is_left_running(demo) -> None:
    result, _ = demo
    assert result.pids, "the demo started anvil and the deploy script"
    assert not [pid for pid in result.pids if _pid_alive(pid)]


def test_ctrl_c_stops_anvil(model_dir: Path, tmp_path: Path) -> None:
    if not ANVIL.is_file():
        skip_or_fail("anvil missing: run `make install`")
    cmd = [
        sys.executable, "-c", "from indexer.cli import main; main()", "demo",
        "--out-dir", str(tmp_path), "--model-dir", str(model_dir),
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO_ROOT,
        # Ctrl-C as a terminal delivers it, even when this suite runs in a background job (a
        # shell without job control starts those with SIGINT ignored, and children inherit it)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    assert proc.stdout is not None
    pid = None
    deadline = time.monotonic() + 120
    for line in proc.stdout:
        found = re.search(r"anvil listening at \S+ \(pid (\d+)\)", line)
        if found:
            pid = int(found.group(1))
            break
        if time.monotonic() > deadline:
            break
    try:
        assert pid is not None and _pid_alive(pid)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, out
    assert "interrupted" in out
    assert not _pid_alive(pid)
