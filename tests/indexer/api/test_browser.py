"""The wallet app (web/) in a real browser: Debian's chromium via Playwright, an injected EIP-1193
wallet (announced over EIP-6963) over anvil and the real contracts; the indexer (sync, render
worker) runs in-process beside the service, settlement on demand.

Every user's flow (collector, artist, prompt author, claiming) and each failure the issue lists:
no wallet, a rejected request (4001), insufficient funds, a wrong and an unknown chain (switch,
add on 4902), chain and account changed mid-session, contract errors decoded into sentences, a
slow preview racing a fast one, an unrendered and an unknown token, 390 px without sideways
scroll, axe-core with no violations. Screenshots of each step: out/test-artifacts/browser/;
timings: out/test-artifacts/browser/timings.json.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from indexer.api.main import create_app
from indexer.api.routes.web import WEB_DIST
from indexer.chain.deployment import REPO_ROOT
from indexer.settings import load_settings
from tests.support.browser import (
    ARTIFACTS,
    CHROMIUM_FLAGS,
    chromium_executable,
    live_server,
    wallet_script,
)
from tests.support.skip import skip_or_fail

pytestmark = [pytest.mark.browser, pytest.mark.chain]
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_executable()
    if not (WEB_DIST / "index.html").is_file():
        skip_or_fail("the app is not built: run `make install` (npm run build -w web)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS[1:]
        )
        try:
            yield launched
        finally:
            launched.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "timings.json").write_text(json.dumps(TIMINGS, indent=2) + "\n")


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


class IndexerLoop:
    """Sync and render in a background thread, as `styleledger index` + `render-worker` would;
    ``rendering`` can be cleared to leave mints queued."""

    def __init__(self, sync_once: Any, render_once: Any) -> None:
        self._sync, self._render = sync_once, render_once
        self._stop = threading.Event()
        self.rendering = threading.Event()
        self.rendering.set()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._sync()
                if self.rendering.is_set():
                    self._render()
            except BaseException as exc:  # surfaced by the tests
                self.error = exc
                return
            self._stop.wait(0.2)

    def start(self) -> IndexerLoop:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


@dataclass
class Live:
    base: str
    anvil: Any
    deployment: Any
    loop: IndexerLoop
    syncer: Any
    factory: Any
    platform: str
    accounts: list[str]
    contracts: dict[str, Any] = field(default_factory=dict)

    @property
    def w3(self) -> Any:
        return self.anvil.w3

    def page(self, browser: Any, account: str | None, width: int = 1200, **wallet: Any) -> Any:
        context = browser.new_context(viewport={"width": width, "height": 900})
        if account is not None:
            context.add_init_script(
                wallet_script(self.anvil.url, account, self.deployment.chain_id, **wallet)
            )
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.errors = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]
        return page

    def open(self, page: Any, route: str = "", connect: bool = True) -> float:
        t0 = time.perf_counter()
        page.goto(self.base + "/" + route)
        page.wait_for_selector("body[data-ready]")
        loaded = time.perf_counter() - t0
        if connect:
            page.click("#connect")
            page.wait_for_selector("body.connected")
        return loaded


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    from web3 import Web3

    from generator.models import model_id
    from indexer.chain.deployment import load_deployment
    from indexer.db.base import make_engine, make_session_factory
    from indexer.db.migrate import upgrade_database
    from indexer.render.worker import Worker
    from indexer.sync.scanner import Syncer
    from tests.support import chain as chainkit
    from tests.support import ledger as ledger_support

    if not (REPO_ROOT / "build" / "contracts" / "ArtCore.json").is_file():
        skip_or_fail("build/contracts missing: run `make compile`")
    tmp = tmp_path_factory.mktemp("browser")
    anvil = chainkit.start_anvil()
    try:
        deployment_path = chainkit.deploy_contracts(anvil, tmp)
        deployment = load_deployment(deployment_path)
        w3 = anvil.w3
        accounts = anvil.accounts
        model_dir = ledger_support.tiny_model(tmp / "models" / "tiny")
        mid = model_id(model_dir)
        contracts = {
            name: w3.eth.contract(address=info.address, abi=info.abi)
            for name, info in deployment.contracts.items()
        }
        author = accounts[7]
        for name, preview in (("Neon City", False), ("Neon Seeds", True)):
            tx = contracts["ArtCore"].functions.createProject(
                name, "neon city at night", bytes.fromhex(mid), (2, 750, 64, 64, "ddim"),
                Web3.to_wei(0.01, "ether"), 100, preview,
            ).transact({"from": author})  # fmt: skip
            assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
        db_url = f"sqlite:///{tmp / 'db.sqlite'}"
        engine = make_engine(db_url)
        upgrade_database(engine)
        factory = make_session_factory(engine)
        data_dir = tmp / "data"
        syncer = Syncer(w3, deployment, factory)
        platform = deployment.roles.get("platform", accounts[0])
        worker = Worker(factory, data_dir, platform, model_paths=[model_dir])
        settings = load_settings(
            database_url=db_url, data_dir=data_dir, rpc_url=anvil.url,
            deployment=deployment_path, models=str(model_dir),
        )  # fmt: skip
        app = create_app(
            settings.model_copy(
                update={
                    "api_head_cache_seconds": 0,
                    "api_preview_per_minute": 600.0,
                    "api_preview_burst": 50,
                    # artists train style adapters on the tiny model, two steps
                    "api_adapter_base_model": model_dir,
                    "api_adapter_steps": 2,
                    "api_adapter_threads": 1,
                }
            )
        )
        loop = IndexerLoop(syncer.run_once, lambda: worker.run(once=True)).start()
        with live_server(app) as base, pytest.MonkeyPatch.context() as mp:
            mp.setenv("STYLELEDGER_MODELS", str(settings.adapters_dir))  # trained adapters land
            yield Live(base, anvil, deployment, loop, syncer, factory, platform, accounts,
                       contracts)  # fmt: skip
        app.state.adapter_jobs.close()
        loop.stop()
        assert loop.error is None, loop.error
        engine.dispose()
    finally:
        anvil.stop()


def _msg(page: Any, testid: str, kind: str = "ok") -> str:
    """Wait for the message ``testid`` to reach ``kind`` (ok/error); its text."""
    selector = f"[data-testid='{testid}'][data-kind='{kind}']"
    try:
        page.wait_for_selector(selector)
    except Exception as exc:
        shown = page.locator(f"[data-testid='{testid}']").all_inner_texts()
        raise AssertionError(f"{testid} never became {kind}; it says {shown}") from exc
    return page.inner_text(selector)


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url}: content {width[0]} px wide in {width[1]} px"


def _axe(page: Any) -> None:
    if not AXE.is_file():
        skip_or_fail("axe-core missing: run `npm ci`")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    violations = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
    ]
    assert violations == [], f"{page.url}: {violations}"


# ─────────────────────────────────────────── collector ───────────────────────────────────────────


def test_collector_mints_and_sees_the_token_render(browser: Any, live: Live) -> None:
    collector = live.accounts[8]
    page = live.page(browser, collector)
    TIMINGS["page load (s)"] = round(live.open(page), 3)
    page.wait_for_selector("[data-testid=project-1]")
    assert page.get_attribute("#account", "title") == collector
    assert page.inner_text("[data-testid=mint-1]") == "Mint · 0.01 ETH"
    assert page.get_attribute("[data-testid=mint-1]", "title") == f"{10**16} wei"
    _shot(page, "collector-01-projects")
    page.click("[data-testid=project-1] h2 a")
    page.wait_for_selector("[data-view=project] [data-testid=mint-1]")
    t0 = time.perf_counter()
    page.click("[data-testid=mint-1]")
    page.wait_for_function("location.hash.startsWith('#token/1')")
    page.wait_for_selector("[data-testid=token-status]")
    _shot(page, "collector-02-token-rendering")
    page.wait_for_selector("[data-testid=token-status][data-state=done]")
    page.wait_for_selector("#token-attribution tr[data-word=neon] img.heat")
    TIMINGS["mint to rendered (s)"] = round(time.perf_counter() - t0, 3)
    page.wait_for_function(
        "[...document.querySelectorAll('#token-view img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert "prompt author" in page.inner_text("#token-attribution tr[data-word=neon]")
    token_id = int(page.evaluate("location.hash").split("/")[1])
    assert live.contracts["ArtCore"].functions.ownerOf(token_id).call() == collector
    _shot(page, "collector-03-token-rendered")
    page.click("nav a[href='#mine']")
    page.wait_for_selector(f"#my-tokens [data-token-id='{token_id}'] img")
    _shot(page, "collector-04-my-tokens")
    assert page.errors == []


def test_previews_race_and_the_minted_seed_is_the_previewed_image(browser: Any, live: Live) -> None:
    collector = live.accounts[8]
    page = live.page(browser, collector)
    # the preview of seed 111 is slow (held 2.5 s in the page's fetch), 222's is fast
    page.add_init_script("""
      const realFetch = window.fetch;
      window.fetch = async (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (url.includes("seed=111&")) await new Promise((r) => setTimeout(r, 2500));
        return realFetch(input, init);
      };
    """)
    live.open(page, "#project/2")
    page.wait_for_selector("#previews .slot")
    slot = "#previews .slot[data-slot='0']"
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/projects/2/preview" in r.url else None)
    t0 = time.perf_counter()
    page.click("#preview-all")
    page.wait_for_function(
        "document.querySelectorAll('#previews img.preview:not([hidden])').length === 4"
    )
    TIMINGS["preview of 4 seeds (s)"] = round(time.perf_counter() - t0, 3)
    # one request for the four seeds (rendered as one batch), each image beside its own seed
    assert len(asked) == 1 and "/previews?" in asked[0] and asked[0].count("seed=") == 4, asked
    for i in range(4):
        shown = page.get_attribute(f"#previews .slot[data-slot='{i}'] img.preview", "data-seed")
        assert shown == page.input_value(f"#previews .slot[data-slot='{i}'] input.seed")
    _shot(page, "collector-05-previews")
    page.fill(f"{slot} input.seed", "111")
    page.click(f"{slot} .do-preview")
    assert page.get_attribute(slot, "aria-busy") == "true"
    page.fill(f"{slot} input.seed", "222")
    page.click(f"{slot} .do-preview")
    page.wait_for_selector(f"{slot} img.preview[data-seed='222']:not([hidden])")
    page.wait_for_timeout(3000)  # the slow answer for 111 arrives now, and must be dropped
    assert page.get_attribute(f"{slot} img.preview", "data-seed") == "222"
    assert page.inner_text(f"{slot} .seed-shown") == "seed 222"
    _shot(page, "collector-06-preview-race")
    shown_hash = page.get_attribute(f"{slot} .preview-hash", "title")
    expected = live.contracts["ArtCore"].functions.seedHash(2, 222, collector).call()
    assert shown_hash == "0x" + bytes(expected).hex()
    page.click(f"{slot} .mint-seed")
    page.wait_for_function("location.hash.startsWith('#token/2')")
    token_id = int(page.evaluate("location.hash").split("/")[1])
    assert live.contracts["ArtCore"].functions.tokenHash(token_id).call() == expected
    page.wait_for_selector("[data-testid=token-status][data-state=done]")
    # the same seed again: the contract refuses, the sentence says why, beside that slot
    page.goto(live.base + "/#project/2")
    page.wait_for_selector(f"{slot} input.seed")
    page.fill(f"{slot} input.seed", "222")
    page.click(f"{slot} .do-preview")
    page.wait_for_selector(f"{slot} img.preview[data-seed='222']:not([hidden])")
    page.click(f"{slot} .mint-seed")
    assert "already minted" in _msg(page, "preview-message-0", "error")
    _shot(page, "collector-07-seed-taken")
    assert page.errors == []


def test_unrendered_and_unknown_tokens(browser: Any, live: Live) -> None:
    page = live.page(browser, live.accounts[8])
    live.open(page, "#token/999999", connect=False)
    assert "does not exist" in page.inner_text("[data-testid=token-unknown]")
    _shot(page, "token-01-unknown")
    live.loop.rendering.clear()
    try:
        core = live.contracts["ArtCore"]
        tx = core.functions.mint(1).transact({"from": live.accounts[9], "value": 10**16})
        live.w3.eth.wait_for_transaction_receipt(tx)
        mints = core.events.Mint.get_logs(from_block=live.w3.eth.block_number)
        token_id = mints[-1]["args"]["tokenId"]
        page.goto(f"{live.base}/#token/{token_id}")
        page.wait_for_selector("[data-testid=token-status][data-state=queued]")
        assert page.locator("#token-image").count() == 0  # no broken image
        _shot(page, "token-02-queued")
    finally:
        live.loop.rendering.set()
    page.wait_for_selector("[data-testid=token-status][data-state=done]")  # by itself
    page.wait_for_selector("#token-image")
    assert page.errors == []


# ──────────────────────────────────────────── artist ────────────────────────────────────────────


def test_artist_registers_changes_payout_opts_out(browser: Any, live: Live) -> None:
    artist = live.accounts[1]
    page = live.page(browser, artist)
    live.open(page, "#artist")
    page.wait_for_selector("#register-style")
    page.fill("#style-name", "Glow by Bea")
    page.type("#style-keywords", "Glow, a, glow-")
    checks = page.inner_text("#keyword-checks")
    assert "lower case only" in checks and "2–32 bytes" in checks and "single “-”" in checks
    assert page.is_disabled("#register-style button[type=submit]")
    page.fill("#style-payout", "alice.eth")
    assert "not an address" in page.inner_text("#payout-check")
    page.fill("#style-payout", "")
    page.fill("#style-keywords", "glow, night")
    assert page.inner_text("#keyword-checks").count("✓") == 2
    _shot(page, "artist-01-keywords-checked")
    # a keyword another artist takes after the page loaded: the registry refuses, decoded
    registry = live.contracts["StyleRegistry"]
    tx = registry.functions.registerStyle("Night", ["night"], live.accounts[2], "").transact(
        {"from": live.accounts[2]}
    )
    live.w3.eth.wait_for_transaction_receipt(tx)
    page.click("#register-style button[type=submit]")
    assert "“night” already names style #" in _msg(page, "register-message", "error")
    _shot(page, "artist-02-keyword-taken")
    page.fill("#style-keywords", "glow, neon")
    page.click("#register-style button[type=submit]")
    assert "registered" in _msg(page, "register-message")
    page.wait_for_selector(".style-card [data-testid=style-status]")
    card = page.locator(".style-card").first
    style_id = int(card.get_attribute("data-style-id"))
    assert registry.functions.styleOf(style_id).call()[0] == artist
    assert "payout delay" in card.inner_text()
    _shot(page, "artist-03-my-styles")
    # propose and accept a payout change (the dev deployment's delay is 0)
    new_payout = live.accounts[3]
    card.locator(".new-payout").fill(new_payout)
    card.locator(".propose-payout").click()
    page.wait_for_selector(f".style-card[data-style-id='{style_id}'] [data-testid=pending-payout]")
    _shot(page, "artist-04-payout-proposed")
    # in the proposal's own block the registry still refuses: decoded, beside the card
    page.click(f".style-card[data-style-id='{style_id}'] .accept-payout")
    assert "can be accepted from" in _msg(page, f"style-{style_id}-message", "error")
    live.anvil.mine(1)
    page.click(f".style-card[data-style-id='{style_id}'] .accept-payout")
    page.wait_for_selector(f".style-card[data-style-id='{style_id}'] .propose-payout")
    assert registry.functions.styleOf(style_id).call()[1] == new_payout
    # opt out: one sentence on what it means, then a confirmation
    page.click(f".style-card[data-style-id='{style_id}'] .opt-out")
    sentence = page.inner_text("[data-testid=opt-out-confirm]")
    assert "mints made after it" in sentence and "stays claimable" in sentence
    _shot(page, "artist-05-opt-out-confirm")
    page.click("[data-testid=opt-out-confirm] .confirm-opt-out")
    page.wait_for_selector(f".style-card[data-style-id='{style_id}'] .opt-in")
    assert registry.functions.isActive(style_id).call() is False
    assert (
        page.inner_text(f".style-card[data-style-id='{style_id}'] [data-testid=style-status]")
        == "opted out"
    )
    _shot(page, "artist-06-opted-out")
    assert page.errors == []


# ────────────────────────────────────────── style adapters ──────────────────────────────────────────


def test_artist_trains_an_adapter_and_registers_it_in_one_transaction(
    browser: Any, live: Live
) -> None:
    """Works uploaded with a caption each, a training job on the tiny model watched to the end,
    its samples, then registerStyleWithAdapter (one transaction); after a reload the job is still
    there and setStyleAdapter updates the style (one transaction)."""
    from tests.support.works import png_works

    artist = live.accounts[4]
    page = live.page(browser, artist)
    live.open(page, "#artist")
    page.wait_for_selector("#train-adapter")
    assert page.is_disabled("#start-training")
    page.fill("#adapter-keyword", "hatch")
    works = png_works(3)
    page.set_input_files(
        "#adapter-files",
        [{"name": name, "mimeType": "image/png", "buffer": data} for name, data, _ in works],
    )
    captions = page.locator("#adapter-works input.caption")
    assert captions.count() == 3
    assert [captions.nth(i).input_value() for i in range(3)] == ["hatch"] * 3  # prefilled
    captions.nth(1).fill("red lines")
    assert "must hold the word “hatch”" in page.inner_text("#adapter-works [data-work='1']")
    assert page.is_disabled("#start-training")
    for i, (_, _, caption) in enumerate(works):
        captions.nth(i).fill(caption)
    _shot(page, "adapter-01-works-captioned")
    page.click("#start-training")
    page.wait_for_selector("[data-testid=adapter-job][data-status]")
    _shot(page, "adapter-02-training")
    t0 = time.perf_counter()
    page.wait_for_selector("[data-testid=adapter-done]", timeout=600_000)
    TIMINGS["adapter training job, tiny model, 2 steps (s)"] = round(time.perf_counter() - t0, 3)
    assert page.get_attribute("#adapter-progress", "value") == "2"
    assert page.get_attribute("#adapter-progress", "max") == "2"
    page.wait_for_function(
        "(() => { const i = document.querySelector('#adapter-samples');"
        " return i && i.complete && i.naturalWidth > 0; })()"
    )
    adapter_id = page.get_attribute("[data-testid=adapter-done]", "data-adapter-id")
    job_id = page.evaluate("localStorage.getItem('styleledger.adapter-job')")
    job = page.evaluate(f"fetch('/adapters/jobs/{job_id}').then(r => r.json())")
    assert job["status"] == "done" and job["adapter_id"] == adapter_id
    _shot(page, "adapter-03-samples")
    # one transaction: the style and its adapter
    page.fill("#adapter-style-name", "Hatching by Dana")
    page.click("#register-with-adapter")
    assert "registered with adapter" in _msg(page, "adapter-register-message")
    tx = page.get_attribute("[data-testid=adapter-register-message] [data-tx]", "data-tx")
    registry = live.contracts["StyleRegistry"]
    receipt = live.w3.eth.get_transaction_receipt(tx)
    [registered] = registry.events.StyleRegistered().process_receipt(receipt)
    [adapter_set] = registry.events.StyleAdapterSet().process_receipt(receipt)
    style_id = registered["args"]["styleId"]
    assert adapter_set["args"]["styleId"] == style_id
    assert "0x" + bytes(adapter_set["args"]["adapterId"]).hex() == adapter_id
    assert "0x" + bytes(adapter_set["args"]["worksRoot"]).hex() == job["works_root"]
    assert adapter_set["args"]["worksUri"] == job["works_uri"]
    assert registry.functions.styleOf(style_id).call()[0] == artist
    card = f".style-card[data-style-id='{style_id}']"
    page.wait_for_selector(f"{card} [data-testid=style-adapter]")
    assert page.get_attribute(f"{card} [data-testid=style-adapter]", "title") == adapter_id
    _shot(page, "adapter-04-registered")
    # the indexer has it: the style's works, listed from the adapter the job wrote
    import httpx

    deadline = time.monotonic() + 30
    while httpx.get(f"{live.base}/styles/{style_id}").json().get("adapter_id") != adapter_id:
        assert time.monotonic() < deadline, "the adapter never reached the API"
        time.sleep(0.3)
    listed = httpx.get(f"{live.base}/styles/{style_id}/works").json()
    assert [w["caption"] for w in listed["works"]] == [c for *_, c in works]
    # a reload finds the job again; its adapter can be set on the style that has its keyword
    page.reload()
    page.wait_for_selector("body[data-ready]")
    button = f"[data-testid=adapter-done] .set-adapter[data-style-id='{style_id}']"
    page.wait_for_selector(button)
    page.click(button)
    assert "confirmed" in _msg(page, f"set-adapter-{style_id}-message")
    tx = page.get_attribute(f"[data-testid=set-adapter-{style_id}-message] [data-tx]", "data-tx")
    [updated] = registry.events.StyleAdapterSet().process_receipt(
        live.w3.eth.get_transaction_receipt(tx)
    )
    assert updated["args"]["styleId"] == style_id
    assert "0x" + bytes(updated["args"]["adapterId"]).hex() == adapter_id
    assert page.errors == []


def _adapter_copy(source: Path, folder: Path, tag: str, base: str | None = None) -> str:
    """A copy of the adapter folder ``source`` with another id (its embedding file's metadata
    tagged), the same weights, optionally saying another base model; its id."""
    from safetensors import safe_open
    from safetensors.torch import save_file

    from generator import adapters

    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("works", "training", "*.json"))
    shutil.copy(source / adapters.MANIFEST_FILE, folder / adapters.MANIFEST_FILE)
    embedding = folder / adapters.EMBEDDING_FILE
    with safe_open(str(embedding), "pt") as f:
        tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (not a dict)
        metadata = f.metadata() or {}
    save_file(tensors, str(embedding), metadata={**metadata, "copy": tag})
    if base is not None:
        manifest = json.loads((folder / adapters.MANIFEST_FILE).read_text())
        (folder / adapters.MANIFEST_FILE).write_text(
            json.dumps({**manifest, "base_model_id": base})
        )
    return "0x" + adapters.adapter_id(folder)


def test_author_picks_registered_adapters_for_a_project(
    browser: Any, live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The create form lists the registered styles' adapters (from /styles), offers only those
    trained on the project's model (the others disabled with the reason: another base model, or
    files this service does not hold), re-checks them when the model changes (unticking, saying
    so), keeps the order they are ticked, stops at ArtCore's MAX_ADAPTERS, previews with them and
    creates the project with createProjectWithAdapters."""
    import httpx

    from generator.adapters import find_adapter

    registry, core = live.contracts["StyleRegistry"], live.contracts["ArtCore"]
    models = [m["model_id"] for m in httpx.get(f"{live.base}/drafts/generator").json()["models"]]
    styles = httpx.get(f"{live.base}/styles?limit=500").json()["items"]
    trained = next(s for s in styles if "hatch" in s["keywords"] and s["adapter_id"])
    mid, other = trained["adapter_base_model_id"][2:], "12" * 32  # the previous test trained it
    assert mid in models  # on the tiny model
    # more styles with adapters: four copies of the trained one on this service's search path
    # (other ids, the tiny model's), one that says another base model, one this service lacks
    extra = tmp_path / "adapters"
    monkeypatch.setenv(
        "STYLELEDGER_MODELS", f"{extra}{os.pathsep}{os.environ['STYLELEDGER_MODELS']}"
    )
    source = find_adapter(trained["adapter_id"])
    made = {w: _adapter_copy(source, extra / w, w) for w in ("grid", "bricks", "spiral", "weave")}
    made["moire"] = _adapter_copy(source, extra / "moire", "moire", base=other)
    made["lattice"] = "0x" + "07" * 32  # an id only: no folder anywhere
    for i, (word, adapter) in enumerate(made.items()):
        tx = registry.functions.registerStyleWithAdapter(
            word.title(), [word], live.accounts[2], "", bytes.fromhex(adapter[2:]),
            bytes([i + 9]) * 32, f"ipfs://works/{word}",
        ).transact({"from": live.accounts[2]})  # fmt: skip
        assert live.w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
    deadline = time.monotonic() + 30
    while True:
        styles = httpx.get(f"{live.base}/styles?limit=500").json()["items"]
        with_adapter = {s["style_id"]: s for s in styles if s["adapter_id"]}
        if set(made.values()) <= {s["adapter_id"] for s in with_adapter.values()}:
            break
        assert time.monotonic() < deadline, "the adapters never reached the API"
        time.sleep(0.3)
    sid = {
        w: next(k for k, s in with_adapter.items() if s["adapter_id"] == a) for w, a in made.items()
    }
    bases = {w: with_adapter[sid[w]]["adapter_base_model_id"] for w in made}
    assert bases == {**{w: "0x" + mid for w in made}, "moire": "0x" + other, "lattice": None}

    author = live.accounts[6]
    page = live.page(browser, author)
    asked: list[str] = []
    page.on(
        "request",
        lambda r: asked.append(r.post_data or "") if r.url.endswith("/drafts/previews") else None,
    )
    live.open(page, "#author")
    page.wait_for_selector("#project-adapters input.pick-adapter")
    boxes = page.locator("#project-adapters input.pick-adapter")
    assert boxes.count() == len(with_adapter)  # all listed; those that do not fit disabled
    page.select_option("#project-model_id", mid)
    assert page.is_disabled(f"#adapter-{sid['moire']}")
    assert page.inner_text(f"#adapter-{sid['moire']}-why") == (
        f"✗ trained on model 0x{other[:8]}…, this project renders with 0x{mid[:8]}…"
    )
    assert page.is_disabled(f"#adapter-{sid['lattice']}")
    assert "does not hold the adapter's files" in page.inner_text(f"#adapter-{sid['lattice']}-why")
    assert page.is_enabled(f"#adapter-{trained['style_id']}")
    assert page.is_hidden(f"#adapter-{trained['style_id']}-why")
    page.fill("#project-name", "Hatched Nights")
    page.fill("#project-prompt", "neon hatch")
    page.fill("#project-steps", "2")
    page.fill("#project-width", "64")
    page.fill("#project-height", "64")
    # ticked: the trained adapter, then "spiral": the order is the ticking order
    page.check(f"#adapter-{trained['style_id']}")
    page.check(f"#adapter-{sid['spiral']}")
    order = page.locator("#adapter-order li")
    assert [order.nth(i).get_attribute("data-adapter-id") for i in range(2)] == [
        trained["adapter_id"], made["spiral"],
    ]  # fmt: skip
    for word in ("grid", "bricks"):
        page.check(f"#adapter-{sid[word]}")
    assert page.is_disabled(f"#adapter-{sid['weave']}")  # MAX_ADAPTERS = 4
    assert core.functions.MAX_ADAPTERS().call() == 4
    for word in ("grid", "bricks"):
        page.uncheck(f"#adapter-{sid[word]}")
    assert page.is_enabled(f"#adapter-{sid['weave']}")
    _shot(page, "adapter-05-author-picks")
    # another model (one this server does not hold, as an edited project's may be): the ticked
    # adapters no longer fit and are unticked, saying so; the one trained on it is offered
    page.evaluate(
        f"document.querySelector('#project-model_id').append(new Option('other', '{other}'))"
    )
    page.select_option("#project-model_id", other)
    note = _msg(page, "adapter-picker-message", "info")
    assert f"#{trained['style_id']} " in note and f"#{sid['spiral']} Spiral" in note
    assert f"this project renders with 0x{other[:8]}…" in note
    assert page.locator("#adapter-order li").count() == 0
    assert not page.is_checked(f"#adapter-{trained['style_id']}")
    assert page.is_disabled(f"#adapter-{trained['style_id']}")
    assert page.is_enabled(f"#adapter-{sid['moire']}")
    _shot(page, "adapter-06-other-model")
    _axe(page)
    # back to the model this server renders: tick them again
    page.select_option("#project-model_id", mid)
    assert page.is_disabled(f"#adapter-{sid['moire']}")
    page.check(f"#adapter-{trained['style_id']}")
    page.check(f"#adapter-{sid['spiral']}")
    page.wait_for_timeout(1000)
    assert any(trained["adapter_id"] in body for body in asked), asked  # previews pin them too
    page.click("#create-project button[type=submit]")
    text = _msg(page, "project-form-message")
    project_id = int(text.split("#")[1].split()[0])
    pinned = ["0x" + bytes(a).hex() for a in core.functions.projectAdapters(project_id).call()]
    assert pinned == [trained["adapter_id"], made["spiral"]]
    deadline = time.monotonic() + 30
    while httpx.get(f"{live.base}/projects/{project_id}").json().get("adapters") != pinned:
        assert time.monotonic() < deadline, "the project's adapters never reached the API"
        time.sleep(0.3)
    assert page.errors == []


# ────────────────────────────────────────── prompt author ──────────────────────────────────────────


def test_author_creates_edits_pauses_a_project(browser: Any, live: Live) -> None:
    import httpx

    author = live.accounts[6]
    page = live.page(browser, author)
    live.open(page, "#author")
    page.wait_for_selector("#create-project")
    page.fill("#project-name", "Night Drive")
    page.fill("#project-prompt", "neon night road")
    page.fill("#project-steps", "2")
    page.fill("#project-width", "60")
    assert "multiple of 8" in page.inner_text("#project-width-check")
    assert page.is_disabled("#create-project button[type=submit]")
    t0 = time.perf_counter()
    page.fill("#project-width", "64")
    page.fill("#project-height", "64")
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=draft-previews] img.preview:not([hidden])').length === 3"
    )
    TIMINGS["live preview of 3 draft seeds (s)"] = round(time.perf_counter() - t0, 3)
    assert page.evaluate(
        "performance.getEntriesByType('resource').some(e => e.name.endsWith('/drafts/previews'))"
    )
    _shot(page, "author-01-live-preview")
    page.fill("#project-price", "0.02")
    page.fill("#project-royalty", "250")
    page.click("#create-project button[type=submit]")
    text = _msg(page, "project-form-message")
    project_id = int(text.split("#")[1].split()[0])
    core = live.contracts["ArtCore"]
    assert core.functions.royaltyInfo(project_id * 1_000_000, 10_000).call()[1] == 250
    page.wait_for_selector(f"#my-projects [data-project-id='{project_id}'] .edit-project")
    _shot(page, "author-02-created")
    # edit before the first mint
    page.click(f"#my-projects [data-project-id='{project_id}'] .edit-project")
    page.wait_for_selector("#create-project h2:has-text('Edit project')")
    page.fill("#project-price", "0.03")
    page.click("#create-project button[type=submit]")
    _msg(page, "project-form-message")
    deadline = time.monotonic() + 30
    while httpx.get(f"{live.base}/projects/{project_id}").json()["price_wei"] != str(3 * 10**16):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    # pause: a collector's mint is refused with the contract's reason, beside the button
    page.goto(live.base + "/#author")
    page.click(f"#my-projects [data-project-id='{project_id}'] .toggle-active")
    page.wait_for_selector(
        f"#my-projects [data-project-id='{project_id}'] .status:has-text('paused')"
    )
    _shot(page, "author-03-paused")
    collector = live.page(browser, live.accounts[8])
    live.open(collector, f"#project/{project_id}")
    collector.wait_for_selector(f"[data-testid=mint-{project_id}]")
    collector.click(f"[data-testid=mint-{project_id}]")
    assert f"Project {project_id} is paused" in _msg(collector, "project-message", "error")
    _shot(collector, "author-04-mint-refused-paused")
    assert page.errors == [] and collector.errors == []


def test_a_moderated_project_says_so_and_its_mint_is_disabled(browser: Any, live: Live) -> None:
    """The owner's moderation pause (issue 12): the project page and the list say so and the mint
    button is disabled with the reason; the author's own pause (above) is another flag."""
    import httpx
    from web3 import Web3

    core = live.contracts["ArtCore"]
    author, owner = live.accounts[5], live.deployment.roles["owner"]
    mid = core.functions.project(1).call()[3]  # the model of the module's first project
    tx = core.functions.createProject("Reported", "neon city at night", mid,
                                      (2, 750, 64, 64, "ddim"), Web3.to_wei(0.01, "ether"), 10,
                                      False).transact({"from": author})  # fmt: skip
    assert live.w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
    project_id = core.functions.projectCount().call()
    tx = core.functions.setProjectModerated(project_id, True, "reported: copies a living artist")
    assert live.w3.eth.wait_for_transaction_receipt(tx.transact({"from": owner}))["status"] == 1
    deadline = time.monotonic() + 30
    while not httpx.get(f"{live.base}/projects/{project_id}").json().get("moderated"):
        assert time.monotonic() < deadline, "the moderation never reached the API"
        time.sleep(0.3)
    page = live.page(browser, live.accounts[8])
    live.open(page, f"#project/{project_id}")
    button = f"[data-view=project] [data-testid=mint-{project_id}]"
    page.wait_for_selector(button)
    assert page.is_disabled(button)
    assert page.inner_text(button) == "Minting paused (moderation)"
    note = page.inner_text(f"[data-testid=moderated-{project_id}]")
    assert "Paused by the platform's moderation" in note
    assert page.get_attribute(button, "title") == note
    assert page.get_attribute(button, "aria-describedby") == f"moderated-{project_id}"
    _shot(page, "collector-05-moderated-project")
    live.open(page, "", connect=False)
    page.wait_for_selector(f"[data-testid=project-{project_id}] [data-testid=mint-{project_id}]")
    assert page.is_disabled(f"[data-testid=project-{project_id}] [data-testid=mint-{project_id}]")
    assert page.is_enabled("[data-testid=project-1] [data-testid=mint-1]")  # others unchanged
    assert page.errors == []


# ─────────────────────────────────────────── earnings ───────────────────────────────────────────


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


def _settle(live: Live) -> None:
    from indexer.ledger import epochs as st

    core = live.contracts["ArtCore"]
    tx = core.functions.sweepCreatorPools().transact({"from": live.accounts[0]})
    live.w3.eth.wait_for_transaction_receipt(tx)
    deadline = time.monotonic() + 90
    while True:
        assert live.loop.error is None, live.loop.error
        with live.factory() as session:
            left = st.unsettled_summary(session, live.w3.eth.block_number)
        if left["tokens_not_rendered"] == 0 and live.syncer.run_once().caught_up:
            break
        assert time.monotonic() < deadline, left
        time.sleep(0.3)
    distributor = live.contracts["PayoutDistributor"]
    poster = st.RootPoster(
        live.w3, distributor.address, distributor.abi, _key_of(live.deployment.roles["settler"])
    )
    with live.factory() as session:
        st.settle(session, poster=poster, platform=live.platform,
                  default_bps=live.deployment.platform_bps)  # fmt: skip


def test_author_claims_earnings(browser: Any, live: Live) -> None:
    import httpx

    author = live.accounts[7]
    _settle(live)
    deadline = time.monotonic() + 60
    while int(httpx.get(f"{live.base}/accounts/{author}/earnings").json()["claimable_wei"]) == 0:
        assert time.monotonic() < deadline
        time.sleep(0.3)
    page = live.page(browser, author)
    live.open(page, "#earnings")
    page.wait_for_selector("#claim:not([disabled])")
    amount = int(page.get_attribute("[data-testid=claimable]", "data-wei"))
    assert amount > 0 and page.inner_text("#claim").startswith("Claim ")
    _shot(page, "earnings-01-claimable")
    before = live.w3.eth.get_balance(author)
    page.click("#claim")
    assert "confirmed" in _msg(page, "claim-message")
    tx = page.get_attribute("[data-testid=claim-message] [data-tx]", "data-tx")
    receipt = live.w3.eth.get_transaction_receipt(tx)
    gas = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert live.w3.eth.get_balance(author) == before + amount - gas
    assert page.inner_text("[data-testid=claimable]") == "0 ETH"
    page.wait_for_timeout(1500)  # the indexer sees the claim: the list and chart show it
    page.reload()
    page.wait_for_selector("body[data-ready]")
    page.wait_for_selector("[data-testid=claims] li")
    assert page.locator("svg.chart path.line").count() == 1
    _shot(page, "earnings-02-claimed")
    assert page.errors == []


# ─────────────────────────────────────────── failures ───────────────────────────────────────────


def test_no_wallet(browser: Any, live: Live) -> None:
    page = live.page(browser, None)
    live.open(page, connect=False)
    page.click("#connect")
    assert "No wallet found" in _msg(page, "wallet-message", "error")
    page.click("[data-testid=mint-1]")
    assert "No wallet found" in _msg(page, "project-1-message", "error")
    _shot(page, "fail-01-no-wallet")


def test_rejected_request_and_insufficient_funds(browser: Any, live: Live) -> None:
    poor = live.accounts[5]
    page = live.page(browser, poor)
    live.open(page)
    page.evaluate("window.__wallet.rejectNext('eth_sendTransaction')")
    page.click("[data-testid=mint-1]")
    assert "You rejected the request" in _msg(page, "project-1-message", "error")
    _shot(page, "fail-02-rejected")
    live.anvil.rpc("anvil_setBalance", poor, hex(10**15))  # 0.001 ETH, the price is 0.01
    page.click("[data-testid=mint-1]")
    assert "does not have enough ETH" in _msg(page, "project-1-message", "error")
    _shot(page, "fail-03-insufficient-funds")
    live.anvil.rpc("anvil_setBalance", poor, hex(10**22))


def test_wrong_chain_switches_and_unknown_chain_is_added(browser: Any, live: Live) -> None:
    collector = live.accounts[8]
    page = live.page(browser, collector, start_chain=1)
    live.open(page)
    assert "StyleLedger runs on" in page.inner_text("[data-testid=wrong-chain]")
    _shot(page, "fail-04-wrong-chain")
    page.click("[data-testid=mint-1]")
    page.wait_for_function("location.hash.startsWith('#token/')")  # minted: its page opens
    calls = page.evaluate("window.__walletCalls")
    assert calls.index("wallet_switchEthereumChain") < calls.index("eth_sendTransaction")
    assert page.locator("[data-testid=wrong-chain]").count() == 0
    # a wallet that does not know the chain: 4902, then the page adds it with the RPC URL
    page2 = live.page(browser, collector, start_chain=1, unknown_chain=True)
    live.open(page2)
    page2.click("[data-testid=mint-1]")
    page2.wait_for_function("location.hash.startsWith('#token/')")
    added = page2.evaluate("window.__wallet.state.added")
    assert added and added[0]["rpcUrls"] == [live.anvil.url]
    assert int(added[0]["chainId"], 16) == live.deployment.chain_id
    # chain and account changed mid-session
    page2.evaluate("window.__wallet.setChain(5)")
    page2.wait_for_selector("[data-testid=wrong-chain]")
    other = live.accounts[9]
    page2.evaluate(f"window.__wallet.setAccount('{other}')")
    page2.wait_for_function(f"document.querySelector('#account')?.title === '{other}'")
    page2.click("nav a[href='#mine']")
    page2.wait_for_selector("#my-tokens")
    _shot(page2, "fail-05-chain-and-account-changed")
    page2.goto(live.base + "/#projects")
    page2.wait_for_selector("[data-testid=mint-1]")
    before = live.contracts["ArtCore"].functions.balanceOf(other).call()
    page2.click("[data-testid=mint-1]")
    page2.wait_for_function("location.hash.startsWith('#token/')")
    assert live.contracts["ArtCore"].functions.balanceOf(other).call() == before + 1


def test_390px_and_axe(browser: Any, live: Live) -> None:
    page = live.page(browser, live.accounts[7], width=390)
    live.open(page)
    for name, route, ready in [
        ("projects", "#projects", "[data-testid=project-1]"),
        ("project", "#project/2", "#previews .slot"),
        ("token", "#token/1000000", "[data-testid=token-status][data-state=done]"),
        ("mine", "#mine", "#my-tokens"),
        ("artist", "#artist", "#register-style"),
        ("author", "#author", "#create-project"),
        ("earnings", "#earnings", "[data-testid=earnings]"),
    ]:
        page.goto(live.base + "/" + route)
        page.wait_for_selector(ready)
        page.wait_for_timeout(300)
        _no_sideways_scroll(page)
        _shot(page, f"narrow-390-{name}")
        _axe(page)
    assert page.errors == []
