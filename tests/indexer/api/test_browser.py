"""The page in a real browser (Debian's chromium via Playwright), with an injected EIP-1193 wallet.

* ``test_page_reads_the_indexer``: the gallery, a token with its heat maps and payees, the styles
  and the connected account's earnings, over the seeded database (no chain needed).
* ``test_register_mint_claim_on_anvil``: the whole story against anvil and the real contracts:
  register a style, mint, see the rendered token, preview a seed and mint it, settle, claim, and
  check the balances on-chain. The indexer (sync, render worker, settlement) runs in-process.

Screenshots of every step: out/test-artifacts/browser/*.png.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from indexer.api.main import create_app
from indexer.chain.deployment import REPO_ROOT
from indexer.devchain.sample import ARTIST, SeededDb, fake_deployment
from indexer.settings import load_settings
from tests.support.browser import (
    ARTIFACTS,
    CHROMIUM_FLAGS,
    chromium_executable,
    live_server,
    wallet_script,
)
from tests.support.skip import skip_or_fail

pytestmark = pytest.mark.browser

REPO = REPO_ROOT


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS[1:]
        )
        try:
            yield launched
        finally:
            launched.close()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _images_loaded(page, selector: str) -> bool:
    return page.eval_on_selector_all(
        selector, "els => els.length > 0 && els.every(i => i.complete && i.naturalWidth > 0)"
    )


def test_page_reads_the_indexer(browser, seeded: SeededDb, tmp_path: Path) -> None:
    if not (REPO / "build" / "contracts" / "ArtCore.json").is_file():
        skip_or_fail("build/contracts missing: run `make compile`")
    settings = load_settings(
        database_url=seeded.url,
        data_dir=seeded.data_dir,
        rpc_url="http://127.0.0.1:9",
        deployment=fake_deployment(tmp_path),
    )
    with live_server(create_app(settings)) as base:
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        context.add_init_script(wallet_script("http://127.0.0.1:9", ARTIST, 31337))
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + "/")
        page.wait_for_selector("body[data-ready]")
        page.wait_for_selector("[data-testid=project-1] .thumb")
        assert page.locator("#project-list .card").count() == 2
        assert "Neon City" in page.inner_text("[data-testid=project-1]")
        # the preview box only where the project allows seed-chosen mints
        assert page.locator("[data-testid=project-2] .do-preview").count() == 1
        assert page.locator("[data-testid=project-1] .do-preview").count() == 0
        page.wait_for_function("document.querySelectorAll('.card .cover[src]').length >= 2")
        assert _images_loaded(page, ".card img.cover")
        _shot(page, "seeded-01-gallery")

        page.click("#connect")
        page.wait_for_selector("body.connected")
        assert page.get_attribute("#account", "title") == ARTIST
        page.wait_for_selector("[data-testid=claimable]")
        assert page.inner_text("[data-testid=claimable]") == "0.0108 ETH"
        assert page.is_enabled("#claim")
        page.wait_for_selector("tr[data-style-id='1'] .opt-out")  # the wallet owns style 1
        assert page.locator("tr[data-style-id='2'] button").count() == 0
        _shot(page, "seeded-02-connected")

        page.goto(base + "/#token/1000000")
        page.wait_for_selector("#token-attribution tr[data-word='neon']")
        page.wait_for_function(
            "[...document.querySelectorAll('#token-view img')].every(i => i.complete)"
        )
        assert _images_loaded(page, "#token-attribution img.heat")
        assert _images_loaded(page, "#token-image")
        row = page.inner_text("#token-attribution tr[data-word='neon']")
        assert "60.00 %" in row and "style #1" in row
        _shot(page, "seeded-03-token")
        assert errors == []
        context.close()


# ──────────────────────────────── the whole story on anvil ────────────────────────────────


class IndexerLoop:
    """Sync and render in a background thread, as `styleledger index` + `render-worker` would."""

    def __init__(self, sync_once, render_once) -> None:
        self._sync, self._render = sync_once, render_once
        self._stop = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._sync()
                self._render()
            except BaseException as exc:  # surfaced by the test
                self.error = exc
                return
            self._stop.wait(0.3)

    def __enter__(self) -> IndexerLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


def _key_of(address: str) -> str:
    """anvil's well-known development keys (mnemonic "test test ... junk")."""
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    mnemonic = "test test test test test test test test test test test junk"
    for index in range(10):
        account = Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{index}")
        if account.address == address:
            return account.key.hex()
    raise LookupError(f"{address} is not one of anvil's default accounts")


@pytest.mark.chain
def test_register_mint_claim_on_anvil(browser, tmp_path: Path) -> None:
    from web3 import Web3

    from indexer.chain.deployment import load_deployment
    from indexer.db.base import make_engine, make_session_factory
    from indexer.db.migrate import upgrade_database
    from indexer.render.worker import Worker
    from indexer.sync.scanner import Syncer
    from tests.support import chain as chainkit
    from tests.support import ledger as ledger_support

    anvil = chainkit.start_anvil()
    try:
        deployment_path = chainkit.deploy_contracts(anvil, tmp_path)
        deployment = load_deployment(deployment_path)
        w3 = anvil.w3
        accounts = anvil.accounts
        author, collector = accounts[7], accounts[8]
        model_dir = ledger_support.tiny_model(tmp_path / "models" / "tiny")
        from generator.models import model_id

        mid = model_id(model_dir)
        core = w3.eth.contract(
            address=deployment.contracts["ArtCore"].address, abi=deployment.contracts["ArtCore"].abi
        )
        distributor = w3.eth.contract(
            address=deployment.contracts["PayoutDistributor"].address,
            abi=deployment.contracts["PayoutDistributor"].abi,
        )
        price = Web3.to_wei(0.01, "ether")
        for name, preview in (("Neon City", False), ("Neon Seeds", True)):
            tx = core.functions.createProject(
                name, "neon city at night", bytes.fromhex(mid), (2, 750, 64, 64, "ddim"),
                price, 100, preview,
            ).transact({"from": author})  # fmt: skip
            assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1

        db_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
        engine = make_engine(db_url)
        upgrade_database(engine)
        factory = make_session_factory(engine)
        data_dir = tmp_path / "data"
        syncer = Syncer(w3, deployment, factory)
        platform = deployment.roles.get("platform", accounts[0])
        worker = Worker(factory, data_dir, platform, model_paths=[model_dir])

        settings = load_settings(
            database_url=db_url,
            data_dir=data_dir,
            rpc_url=anvil.url,
            deployment=deployment_path,
            models=str(model_dir),
        )
        app = create_app(settings.model_copy(update={"api_head_cache_seconds": 0}))
        with (
            IndexerLoop(syncer.run_once, lambda: worker.run(once=True)) as loop,
            live_server(app) as base,
        ):
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            context.add_init_script(wallet_script(anvil.url, collector, deployment.chain_id))
            page = context.new_page()
            page.set_default_timeout(90_000)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            # (console 404s are expected: the page polls /tokens/{id} until the indexer has the mint)
            try:
                _story(page, base, w3, core, distributor, syncer, factory, loop, deployment,
                       accounts, collector, platform)  # fmt: skip
            except Exception:
                _shot(page, "chain-failure")
                print("page log:\n" + page.inner_text("#log"))
                raise
            assert errors == []
            context.close()
        engine.dispose()
    finally:
        anvil.stop()


def _story(page, base, w3, core, distributor, syncer, factory, loop, deployment, accounts,
           collector, platform) -> None:  # fmt: skip
    from indexer.ledger import epochs as st

    page.goto(base + "/")
    page.wait_for_selector("body[data-ready]")
    page.wait_for_selector("[data-testid=project-1]")
    page.click("#connect")
    page.wait_for_selector("body.connected")
    _shot(page, "chain-01-connected")

    # 1. register a style naming a word of the prompt
    page.fill("#register-style input[name=name]", "Neon by the collector")
    page.fill("#register-style input[name=keywords]", "neon")
    page.click("#register-style button[type=submit]")
    page.wait_for_selector("tr[data-style-id='1'] .opt-out")
    _shot(page, "chain-02-style-registered")

    # 2. mint (plain) and see the rendered token with its heat maps
    page.click("[data-testid=project-1] button.mint")
    page.wait_for_selector("#token-view:not([hidden]) #token-attribution tr[data-word='neon']")
    page.wait_for_function(
        "[...document.querySelectorAll('#token-view img')].every(i => i.complete)"
    )
    assert _images_loaded(page, "#token-attribution img.heat")
    assert "style #1" in page.inner_text("#token-attribution tr[data-word='neon']")
    _shot(page, "chain-03-minted-token")

    # 3. preview a seed, mint exactly that image
    page.fill("[data-testid=project-2] input.seed", "12345")
    page.click("[data-testid=project-2] .do-preview")
    page.wait_for_selector("[data-testid=project-2] img.preview:not([hidden])")
    preview_hash = page.inner_text("[data-testid=project-2] .preview-hash").split()[-1]
    assert preview_hash == "0x" + bytes(core.functions.seedHash(2, 12345, collector).call()).hex()
    _shot(page, "chain-04-preview")
    page.click("[data-testid=project-2] .mint-seed")
    page.wait_for_function("location.hash === '#token/2000000'")
    assert "0x" + bytes(core.functions.tokenHash(2_000_000).call()).hex() == preview_hash
    page.wait_for_function(
        "hash => document.querySelector('#token-facts').innerText.includes(hash)", arg=preview_hash
    )
    _shot(page, "chain-05-seed-minted")

    # 4. settle: sweep the pools to the distributor, build and post the epoch
    settler = deployment.roles["settler"]
    tx = core.functions.sweepCreatorPools().transact({"from": accounts[0]})
    w3.eth.wait_for_transaction_receipt(tx)
    deadline = time.monotonic() + 60
    while True:  # the loop indexes the sweep and renders both tokens
        assert loop.error is None, loop.error
        with factory() as session:
            left = st.unsettled_summary(session, w3.eth.block_number)
        if left["tokens_not_rendered"] == 0 and syncer.run_once().caught_up:
            break
        assert time.monotonic() < deadline, left
        time.sleep(0.3)
    poster = st.RootPoster(w3, distributor.address, distributor.abi, _key_of(settler))
    with factory() as session:
        summary = st.settle(
            session, poster=poster, platform=platform, default_bps=deployment.platform_bps
        )
    assert summary.leaf_count >= 2
    deadline = time.monotonic() + 60
    while True:  # the loop indexes the RootPosted log: then the API knows the claim
        earnings = httpx.get(f"{base}/accounts/{collector}/earnings").json()
        if int(earnings["claimable_wei"]) > 0:
            break
        assert time.monotonic() < deadline and loop.error is None, (earnings, loop.error)
        time.sleep(0.3)

    # 5. claim through the page; the chain pays exactly the claimable amount
    page.goto(base + "/#earnings")
    page.reload()
    page.wait_for_selector("body[data-ready]")
    page.click("#connect")
    page.wait_for_selector("#claim:not([disabled])")
    ticket = json.loads(page.evaluate(f"fetch('/accounts/{collector}/claim').then(r => r.text())"))
    amount = int(ticket["claimable_wei"])
    assert amount > 0
    before = w3.eth.get_balance(collector)
    _shot(page, "chain-06-earnings")
    page.click("#claim")
    page.wait_for_function(
        "document.querySelector('#log').innerText.includes('Claim') && "
        "document.querySelector('#log').innerText.includes('confirmed')"
    )
    assert distributor.functions.claimed(collector).call() == int(ticket["cumulative_wei"])
    block = w3.eth.get_block("latest", full_transactions=True)
    claim_tx = next(t for t in block.transactions if t["from"] == collector)
    receipt = w3.eth.get_transaction_receipt(claim_tx["hash"])
    gas_cost = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert w3.eth.get_balance(collector) == before + amount - gas_cost
    page.wait_for_function(
        "document.querySelector('[data-testid=claimable]')?.innerText === '0.0 ETH'"
    )
    _shot(page, "chain-07-claimed")

    # 6. opt the style out: the registry says so, and so does the page once indexed
    page.click("tr[data-style-id='1'] .opt-out")
    page.wait_for_selector("tr[data-style-id='1'] .opt-in")
    assert page.inner_text("tr[data-style-id='1'] td.status-opted_out") == "opted out"
    registry = w3.eth.contract(
        address=deployment.contracts["StyleRegistry"].address,
        abi=deployment.contracts["StyleRegistry"].abi,
    )
    assert registry.functions.isActive(1).call() is False
    _shot(page, "chain-08-opted-out")
    assert loop.error is None, loop.error
