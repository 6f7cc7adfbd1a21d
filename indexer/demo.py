"""``styleledger demo``: StyleLedger's whole story on a local chain, end to end, with real parts.

1. anvil (the real binary from node_modules) on a free port; the contracts deployed by
   ``scripts/deploy.py`` (brownie);
2. three artists register styles whose keywords the default model knows, each from an account
   of their own; a fourth tries a keyword already taken and is refused (the custom error decoded);
3. a prompt author creates two projects, the second with preview minting;
4. collectors mint (twelve by default) from several accounts; some first preview seeds (rendered
   with the preview hash rule) and mint the one they like; one artist opts out half-way;
5. the indexer catches up (``indexer.sync``), renders and attributes every token
   (``indexer.render_worker``), settles an epoch and posts its root (``indexer.settle``); every
   payee claims on-chain (the platform withdraws its share);
6. a payout table whose wei add up to what the collectors paid, with each account's on-chain
   balance change reconciled against its claims, payments and gas; two tokens re-verified from
   chain data (``indexer.verify``); ``out/demo/index.html`` with every image, its heat-map overlay,
   keyword shares and payees (``indexer.demo_report``);
7. everything it started is stopped (process groups, also on Ctrl-C and errors).

Accounts come from a mnemonic (anvil's by default): index 0 deploys (and, as deployed by
``scripts/deploy.py`` on a dev chain, holds the settler role and receives the platform share),
1-3 are the artists, 4 the latecomer, 5 the prompt author, 6-9 the collectors.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from eth_abi import decode as abi_decode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import function_abi_to_4byte_selector
from web3 import Web3

from indexer.chain import REPO_ROOT, Deployment, connect, load_deployment

ANVIL = REPO_ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
BROWNIE = REPO_ROOT / ".venv-brownie" / "bin" / "brownie"
DEPLOY_SCRIPT = REPO_ROOT / "scripts" / "deploy.py"
ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
DEFAULT_OUT_DIR = REPO_ROOT / "out" / "demo"
MNEMONIC_ENV = "STYLELEDGER_DEMO_MNEMONIC"
DEPLOYER_KEY_ENV = "DEPLOYER_PRIVATE_KEY"  # scripts/deploy.py reads it

# What the demo writes under its output folder; removed (only these) at the start of a run.
_RUN_OUTPUTS = ("data", "images", "previews", "deployments", "demo.sqlite", "index.html")


class DemoError(RuntimeError):
    """A step of the demo failed; the message says which and why."""


# ───────────────────────────────────────────── the cast ───────────────────────────────────────────


@dataclass(frozen=True)
class StylePlan:
    name: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class ProjectPlan:
    name: str
    prompt: str
    price: int
    preview_mint: bool


# Words of the default model's synthetic style set (generator/synthetic.py: colours, textures,
# shapes); both prompts name one keyword of every artist, and words no style holds.
STYLES = (
    StylePlan("Ada Lines", ("stripes", "checks")),
    StylePlan("Bo Dots & Waves", ("dots", "waves")),
    StylePlan("Cy Colour", ("red", "yellow")),
)
LATECOMER = StylePlan("Dee Copycat", ("zigzag", "checks"))  # "checks" is Ada's: refused
PROJECTS = (
    ProjectPlan("Circles", "red stripes circle on blue dots background", 10**16, False),
    ProjectPlan("Squares (preview mint)", "yellow checks square on purple waves background",
                2 * 10**16, True),
)  # fmt: skip
OPT_OUT_STYLE = 2  # Bo opts out half-way


@dataclass
class Actor:
    """One account of the story and what it did on-chain."""

    name: str
    role: str  # deployer | artist | latecomer | author | collector
    account: LocalAccount = field(repr=False)

    @property
    def address(self) -> str:
        return self.account.address


def derive_actors(mnemonic: str) -> list[Actor]:
    """The cast, from ``mnemonic``'s first ten accounts (BIP-44 path m/44'/60'/0'/0/i)."""
    Account.enable_unaudited_hdwallet_features()
    names = [
        ("Deployer", "deployer"),
        *((s.name.split()[0], "artist") for s in STYLES),
        (LATECOMER.name.split()[0], "latecomer"),
        ("Ava (prompt author)", "author"),
        *((f"Collector {i}", "collector") for i in range(1, 5)),
    ]
    actors = []
    for i, (name, role) in enumerate(names):
        try:
            account = Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{i}")
        except Exception as exc:  # eth_account raises several kinds for a bad phrase
            raise DemoError(f"not a usable mnemonic ({type(exc).__name__}: {exc})") from exc
        actors.append(Actor(name, role, account))
    return actors


# ─────────────────────────────────────────── processes ────────────────────────────────────────────


class Processes:
    """Every subprocess the demo starts, each in a process group of its own; ``stop_all`` ends
    them (SIGTERM to the group, SIGKILL after a grace period)."""

    def __init__(self) -> None:
        self._procs: list[subprocess.Popen[str]] = []
        self.started: list[int] = []  # every pid ever started (for checks that none is left)

    def start(self, cmd: list[str], **kwargs: Any) -> subprocess.Popen[str]:
        proc = subprocess.Popen(cmd, start_new_session=True, text=True, **kwargs)
        self._procs.append(proc)
        self.started.append(proc.pid)
        return proc

    @staticmethod
    def stop(proc: subprocess.Popen[str], grace: float = 5.0) -> None:
        if proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def stop_all(self) -> None:
        for proc in reversed(self._procs):
            self.stop(proc)
        self._procs.clear()

    @property
    def running(self) -> list[int]:
        return [p.pid for p in self._procs if p.poll() is None]


def start_anvil(processes: Processes, accounts: int = 10) -> str:
    """anvil on a port the OS picks (``--port 0``); returns its URL once it answers."""
    if not ANVIL.is_file():
        raise DemoError(f"{ANVIL} missing: run `make install`")
    proc = processes.start(
        [str(ANVIL), "--port", "0", "--accounts", str(accounts), "--balance", "10000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert proc.stdout is not None
    port: int | None = None
    deadline = time.monotonic() + 30
    for line in proc.stdout:
        if "Listening on" in line:
            port = int(line.strip().rsplit(":", 1)[1])
            break
        if time.monotonic() > deadline:
            break
    if port is None:
        Processes.stop(proc)
        raise DemoError("anvil did not start (no 'Listening on' line within 30 s)")
    # drain its log so it never blocks on a full pipe
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    return f"http://127.0.0.1:{port}"


def deploy_contracts(
    processes: Processes, rpc_url: str, deployer_key: str, out_dir: Path, *, compile: bool = False
) -> Path:
    """Run ``scripts/deploy.py`` (brownie's environment) against ``rpc_url`` with the deployer's
    key; returns the deployment file. ``make demo`` compiles first, hence ``--no-compile``."""
    python = BROWNIE.parent / "python"
    if not DEPLOY_SCRIPT.is_file():
        raise DemoError(f"{DEPLOY_SCRIPT} missing: the deploy script is not there")
    if not python.is_file():
        raise DemoError(f"{python} missing: run `make install`")
    if not compile and not (REPO_ROOT / "build" / "contracts" / "ArtCore.json").is_file():
        compile = True
    out_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "STYLELEDGER_RPC_URL": rpc_url,
        "STYLELEDGER_DEPLOYMENTS_DIR": str(out_dir),
        DEPLOYER_KEY_ENV: deployer_key,
    }
    cmd = [str(python), str(DEPLOY_SCRIPT), "--rpc-url", rpc_url, "--out-dir", str(out_dir)]
    log_path = out_dir / "deploy.log"
    with log_path.open("w") as log:
        proc = processes.start(
            [*cmd, *([] if compile else ["--no-compile"])],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            code = proc.wait(timeout=300)
        except subprocess.TimeoutExpired:
            Processes.stop(proc)
            raise DemoError(f"deploy.py did not finish in 300 s (log: {log_path})") from None
    lines = log_path.read_text().strip().splitlines()
    if code != 0 or not lines:
        tail = "\n".join(lines[-20:])
        raise DemoError(f"deploy.py failed with exit code {code} (log: {log_path}):\n{tail}")
    path = Path(lines[-1].strip())  # the script prints the file it wrote on its last line
    if not path.is_file():
        raise DemoError(f"deploy.py did not write a deployment file (log: {log_path})")
    return path


# ─────────────────────────────────────────── transactions ─────────────────────────────────────────


def error_selectors(abis: list[list[dict[str, Any]]]) -> dict[bytes, dict[str, Any]]:
    """4-byte selector -> error ABI, over several contracts' ABIs."""
    out = {}
    for abi in abis:
        for item in abi:
            if item.get("type") == "error":
                out[function_abi_to_4byte_selector(item)] = item
    return out


def decode_custom_error(
    data: str | bytes | None, selectors: dict[bytes, dict[str, Any]]
) -> tuple[str, dict[str, Any]] | None:
    """A custom error's revert data as ``(name, {arg: value})``; None if unknown."""
    if not data:
        return None
    raw = bytes.fromhex(data.removeprefix("0x")) if isinstance(data, str) else bytes(data)
    item = selectors.get(raw[:4])
    if item is None:
        return None
    values = abi_decode([i["type"] for i in item["inputs"]], raw[4:])
    return item["name"], {i["name"]: v for i, v in zip(item["inputs"], values, strict=True)}


def decode_revert(data: str | bytes | None, selectors: dict[bytes, dict[str, Any]]) -> str:
    """A custom error's revert data as ``Name(arg=value, ...)`` (or the raw data if unknown)."""
    decoded = decode_custom_error(data, selectors)
    if decoded is None:
        return f"reverted with unknown data {data!r}"
    name, args = decoded
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in args.items())})"


class TxReverted(DemoError):
    """A transaction (or its simulation) reverted; ``error`` is the decoded custom error."""

    def __init__(
        self, what: str, reason: str, error: tuple[str, dict[str, Any]] | None = None
    ) -> None:
        super().__init__(f"{what} reverted: {reason}")
        self.what = what
        self.reason = reason
        self.error = error


class Chain:
    """Contracts of one deployment; transactions signed locally by each actor's key."""

    def __init__(self, w3: Web3, deployment: Deployment) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.registry = self._contract("StyleRegistry")
        self.core = self._contract("ArtCore")
        self.distributor = self._contract("PayoutDistributor")
        self.errors = error_selectors([c.abi for c in deployment.contracts.values()])
        self.chain_id = w3.eth.chain_id

    def _contract(self, name: str) -> Any:
        info = self.deployment.contracts[name]
        return self.w3.eth.contract(address=info.address, abi=info.abi)

    def revert_reason(self, exc: Exception) -> tuple[str, tuple[str, dict[str, Any]] | None] | None:
        """``(readable reason, decoded custom error or None)`` of a revert; None if not one."""
        from web3.exceptions import ContractCustomError, ContractLogicError

        if isinstance(exc, ContractCustomError):
            data = exc.data if isinstance(exc.data, str) else None
            return decode_revert(data, self.errors), decode_custom_error(data, self.errors)
        if isinstance(exc, ContractLogicError):
            return str(exc), None
        return None

    def simulate(self, actor: Actor, fn: Any, value: int = 0) -> None:
        """Call ``fn`` without sending it; raise TxReverted with the decoded error if it reverts."""
        try:
            fn.call({"from": actor.address, "value": value})
        except Exception as exc:
            why = self.revert_reason(exc)
            if why is None:
                raise
            raise TxReverted(f"{fn.fn_name} from {actor.name}", *why) from exc

    def send(self, actor: Actor, fn: Any, value: int = 0) -> Any:
        """Sign and send ``fn`` from ``actor``; wait for the receipt; TxReverted if it fails."""
        self.simulate(actor, fn, value)
        tx = fn.build_transaction(
            {
                "from": actor.address,
                "value": value,
                "nonce": self.w3.eth.get_transaction_count(actor.address, "pending"),
                "chainId": self.chain_id,
            }
        )
        signed = actor.account.sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
        if receipt["status"] != 1:
            raise TxReverted(f"{fn.fn_name} from {actor.name}", f"tx 0x{bytes(tx_hash).hex()}")
        return receipt

    def events(self, contract: Any, name: str, receipt: Any) -> list[Any]:
        from web3.logs import DISCARD

        return list(getattr(contract.events, name)().process_receipt(receipt, errors=DISCARD))


# ─────────────────────────────────────────── options ──────────────────────────────────────────────


@dataclass(frozen=True)
class DemoOptions:
    """How to run the demo (``styleledger demo --help`` documents each)."""

    out_dir: Path = DEFAULT_OUT_DIR
    rpc_url: str | None = None  # None: start anvil
    mnemonic: str = ANVIL_MNEMONIC
    deployment: Path | None = None  # an existing deployment: skip deploying
    database_url: str | None = None  # None: a fresh SQLite file under out_dir
    model_dir: Path | None = None  # None: the shipped default model
    mints: int = 12
    seeded_mints: int = 3
    preview_seeds: int = 3
    steps: int | None = None  # None: the model's own default
    size: int | None = None  # None: the model's own default
    verify_tokens: int = 2
    record_bench: bool = True
    quiet: bool = False

    def check(self) -> None:
        if self.mints < 2:
            raise DemoError(f"--mints must be at least 2, got {self.mints}")
        if not 0 <= self.seeded_mints <= self.mints // 2:
            raise DemoError(
                f"--seeded-mints must be between 0 and half the mints ({self.mints // 2}), "
                f"got {self.seeded_mints}"
            )
        if self.seeded_mints and self.preview_seeds < 1:
            raise DemoError("--preview-seeds must be at least 1 when some mints are seeded")


@dataclass(frozen=True)
class MintPlan:
    number: int
    project: int  # index into PROJECTS
    collector: int  # index among the collectors
    seeded: bool


def mint_schedule(mints: int, seeded: int) -> list[MintPlan]:
    """``mints`` mints over both projects and all collectors; the seeded ones (on the preview
    project) come after the half-way opt-out, the plain ones alternate projects."""
    half = mints // 2
    plan: list[MintPlan] = []
    for n in range(mints):
        after = n >= half
        is_seeded = after and n - half < seeded
        project = 1 if is_seeded else n % 2
        plan.append(MintPlan(n + 1, project, n % 4, is_seeded))
    return plan


# ─────────────────────────────────────────── results ──────────────────────────────────────────────


@dataclass
class StyleOutcome:
    style_id: int
    plan: StylePlan
    owner: str
    opted_out_at_mint: int | None = None


@dataclass
class Preview:
    collector: str
    project_id: int
    seed: int
    token_hash: str
    image: str  # path relative to out_dir
    contrast: float
    chosen: bool = False


@dataclass
class MintOutcome:
    number: int
    token_id: int
    project_id: int
    collector: str
    price: int
    token_hash: str
    seed: int | None
    block: int


@dataclass
class DemoResult:
    """Everything the demo did and found (the test asserts on it)."""

    rpc_url: str
    chain_id: int
    deployment: dict[str, Any]
    database_url: str
    model_dir: str
    model_id: str
    actors: dict[str, tuple[str, str]]  # address -> (name, role)
    styles: list[StyleOutcome] = field(default_factory=list)
    refusal: str = ""
    projects: list[tuple[int, ProjectPlan]] = field(default_factory=list)
    previews: list[Preview] = field(default_factory=list)
    mints: list[MintOutcome] = field(default_factory=list)
    epoch: dict[str, Any] = field(default_factory=dict)
    payouts: list[Any] = field(default_factory=list)  # demo_report.PayoutRow
    totals: dict[str, int] = field(default_factory=dict)
    verified: list[dict[str, Any]] = field(default_factory=list)
    html: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    wall_s: float = 0.0
    pids: list[int] = field(default_factory=list)  # processes the demo started (all stopped)


# ───────────────────────────────────────────── the run ────────────────────────────────────────────


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM ends the demo like Ctrl-C does (the finally blocks stop what it started)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def clean_outputs(out_dir: Path) -> None:
    """Remove what an earlier run wrote (only the demo's own outputs)."""
    for name in _RUN_OUTPUTS:
        path = out_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def resolve_model_dir(model_dir: Path | None) -> Path:
    from generator.models import DEFAULT_MODEL_DIR

    folder = Path(model_dir) if model_dir is not None else DEFAULT_MODEL_DIR
    if not (folder / "model_index.json").is_file():
        raise DemoError(
            f"no diffusers model at {folder} (model_index.json missing): the default model ships "
            "in generator/default_model; or pass --model-dir PATH"
        )
    return folder.resolve()


def model_defaults(model_dir: Path) -> tuple[int, int, float]:
    """Steps, image side and guidance the model folder recommends
    (``RenderSettings.recommended``)."""
    from generator.rendering import RenderSettings

    settings = RenderSettings.recommended("demo", model_dir)
    return settings.steps, settings.width, settings.guidance


def serve_hint(options: DemoOptions, result: DemoResult) -> str:
    """The command that serves the demo's gallery (the API and page over its database)."""
    out_dir = options.out_dir.resolve()
    deployment = options.deployment or out_dir / "deployments" / f"{result.chain_id}.json"
    return (
        "browse it with the service: "
        f"STYLELEDGER_DATABASE_URL={result.database_url} STYLELEDGER_DATA_DIR={out_dir / 'data'} "
        f"STYLELEDGER_DEPLOYMENT={deployment} styleledger serve"
    )


def record_wall_time(seconds: float) -> None:
    """``demo_wall_s`` into bench/results.json through bench/results.py (not an installed
    package: loaded from the repository by path)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "styleledger_bench_results", REPO_ROOT / "bench" / "results.py"
    )
    if spec is None or spec.loader is None:
        raise DemoError("bench/results.py not found")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        module.record({"demo_wall_s": round(seconds, 1)})
    finally:
        sys.modules.pop(spec.name, None)


def run_demo(options: DemoOptions, console: Any | None = None) -> DemoResult:
    """Run the whole story (see the module docstring); stops everything it started."""
    from rich.console import Console

    options.check()
    if console is None:
        console = Console(quiet=options.quiet)
        if not console.is_terminal:  # a log file: wide enough for the payout table
            console = Console(quiet=options.quiet, width=150)
    processes = Processes()
    started = time.perf_counter()
    with _sigterm_as_interrupt():
        try:
            result = _run(options, console, processes)
        finally:
            processes.stop_all()
    result.wall_s = time.perf_counter() - started
    result.pids = list(processes.started)
    if options.record_bench:
        record_wall_time(result.wall_s)
    console.print(f"\n[bold green]demo done[/] in {result.wall_s:.1f} s; page: {result.html}")
    console.print(serve_hint(options, result), soft_wrap=True)
    return result


def _quiet_libraries() -> None:
    """No per-load progress bars of diffusers and transformers among the demo's own."""
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    diffusers_logging.disable_progress_bar()
    transformers_logging.disable_progress_bar()


def _run(options: DemoOptions, console: Any, processes: Processes) -> DemoResult:
    from indexer import demo_story as story

    _quiet_libraries()
    out_dir = options.out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    clean_outputs(out_dir)
    model_dir = resolve_model_dir(options.model_dir)
    actors = derive_actors(options.mnemonic)
    timings: dict[str, float] = {}

    @contextmanager
    def step(title: str) -> Iterator[None]:
        console.rule(f"[bold]{title}")
        t0 = time.perf_counter()
        yield
        timings[title] = time.perf_counter() - t0
        console.print(f"[dim]{title}: {timings[title]:.1f} s[/]")

    with step("1. chain and contracts"):
        if options.rpc_url is None:
            rpc_url = start_anvil(processes)
            console.print(f"anvil listening at {rpc_url} (pid {processes.started[-1]})")
        else:
            rpc_url = options.rpc_url
        w3 = connect(rpc_url, timeout=60)
        if options.deployment is not None:
            deployment = load_deployment(options.deployment)
            console.print(f"using the deployment in {options.deployment}")
        else:
            console.print("deploying with scripts/deploy.py (brownie) ...")
            path = deploy_contracts(
                processes,
                rpc_url,
                "0x" + bytes(actors[0].account.key).hex(),
                out_dir / "deployments",
            )
            deployment = load_deployment(path)
        if deployment.chain_id != w3.eth.chain_id:
            raise DemoError(
                f"the deployment is for chain {deployment.chain_id}, the RPC serves "
                f"{w3.eth.chain_id}"
            )
        chain = Chain(w3, deployment)
        for name, info in deployment.contracts.items():
            console.print(f"  {name:<18} {info.address}")

    database_url = options.database_url or f"sqlite:///{out_dir / 'demo.sqlite'}"
    result = DemoResult(
        rpc_url=rpc_url,
        chain_id=deployment.chain_id,
        deployment=deployment.raw,
        database_url=database_url,
        model_dir=str(model_dir),
        model_id="",
        actors={a.address: (a.name, a.role) for a in actors},
        timings=timings,
    )
    ctx = story.StoryContext(
        options=options,
        console=console,
        chain=chain,
        actors=actors,
        out_dir=out_dir,
        model_dir=model_dir,
        result=result,
    )
    story.tell(ctx, step)
    return result


# ─────────────────────────────────────────── the command ──────────────────────────────────────────


def demo_command(
    rpc_url: Annotated[
        str | None,
        typer.Option(
            help="Run on this chain instead of starting anvil. The mnemonic's first ten accounts "
            "must be funded; account 0 deploys (or, with --deployment, must be the settler)."
        ),
    ] = None,
    mnemonic: Annotated[
        str,
        typer.Option(
            envvar=MNEMONIC_ENV,
            help="Where the accounts' keys come from (default: anvil's).",
            show_default=False,
        ),
    ] = ANVIL_MNEMONIC,
    deployment: Annotated[
        Path | None,
        typer.Option(
            help="Use contracts already deployed (their deployments/<chainId>.json), fresh "
            "ones: the payout table covers every mint since their deployment."
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="Database URL, e.g. postgresql+psycopg://user:pw@host/db (an empty database). "
            "Default: a fresh SQLite file, OUT_DIR/demo.sqlite."
        ),
    ] = None,
    model_dir: Annotated[
        Path | None,
        typer.Option(
            help="Model folder (diffusers layout) the projects pin; default: the shipped "
            "generator/default_model. Renders find it by id on this folder, then STYLELEDGER_MODELS."
        ),
    ] = None,
    out_dir: Annotated[Path, typer.Option(help="Where the page, images and database go.")] = (
        DEFAULT_OUT_DIR
    ),
    mints: Annotated[int, typer.Option(help="Tokens the collectors mint.")] = 12,
    seeded_mints: Annotated[
        int, typer.Option(help="Of which minted with a seed chosen from previews.")
    ] = 3,
    preview_seeds: Annotated[int, typer.Option(help="Seeds each of them previews.")] = 3,
    steps: Annotated[
        int | None, typer.Option(help="Denoising steps of the projects (default: the model's).")
    ] = None,
    size: Annotated[
        int | None, typer.Option(help="Image side in pixels (default: the model's).")
    ] = None,
    record_bench: Annotated[
        bool, typer.Option(help="Record the wall time as demo_wall_s in bench/results.json.")
    ] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """The whole story, end to end: styles, projects, previews and mints; the indexer renders, attributes and settles; every payee claims; the wei reconcile. Writes OUT_DIR/index.html.

    By default it starts anvil (node_modules) on a free port, deploys with scripts/deploy.py and stops everything it started at the end (also on Ctrl-C or an error).

    Another chain: --rpc-url URL --mnemonic "twelve words" (its first ten accounts funded; account 0 deploys, or with --deployment FILE must be the settler and platform).

    Another database: --database-url postgresql+psycopg://user:pw@host/db (an empty one).

    Another model: --model-dir PATH (renders also search STYLELEDGER_MODELS).
    """
    options = DemoOptions(
        out_dir=out_dir,
        rpc_url=rpc_url,
        mnemonic=mnemonic,
        deployment=deployment,
        database_url=database_url,
        model_dir=model_dir,
        mints=mints,
        seeded_mints=seeded_mints,
        preview_seeds=preview_seeds,
        steps=steps,
        size=size,
        record_bench=record_bench,
        quiet=quiet,
    )
    try:
        run_demo(options)
    except KeyboardInterrupt:
        typer.secho("interrupted: everything the demo started is stopped", fg="yellow", err=True)
        raise typer.Exit(code=130) from None
    except DemoError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from exc


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the ``styleledger`` application."""
    app.command("demo")(demo_command)
