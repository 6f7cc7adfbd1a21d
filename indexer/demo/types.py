"""The demo's cast, plan, options and results: plain data, imported by every step of it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from indexer.chain.deployment import REPO_ROOT
from indexer.devchain.anvil import ANVIL_MNEMONIC
from indexer.errors import DemoError

DEFAULT_OUT_DIR = REPO_ROOT / "out" / "demo"
MNEMONIC_ENV = "STYLELEDGER_DEMO_MNEMONIC"

# What the demo writes under its output folder; removed (only these) at the start of a run.
RUN_OUTPUTS = ("data", "images", "previews", "deployments", "demo.sqlite", "index.html", "adapters")

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
    adapter_keywords: tuple[str, ...] = ()  # renders with these artists' style adapters


# Words of the default model's synthetic style set (generator/synthetic.py: colours, textures,
# shapes); both prompts name one keyword of every artist, and words no style holds.
STYLES = (
    StylePlan("Ada Lines", ("stripes", "checks")),
    StylePlan("Bo Dots & Waves", ("dots", "waves")),
    StylePlan("Cy Colour", ("red", "yellow")),
)
LATECOMER = StylePlan("Dee Copycat", ("zigzag", "checks"))  # "checks" is Ada's: refused
# Eve opts her own works in: the style adapter learned from them ships in
# generator/shipped_adapters/hatch (`styleledger style sample-works` makes her works, `style train`
# reproduces its id), and she registers her style with it in one transaction.
ADAPTER_STYLE = StylePlan("Eve Hatch", ("hatch",))
PROJECTS = (
    ProjectPlan("Circles", "red stripes circle on blue dots background", 10**16, False),
    ProjectPlan("Squares (preview mint)", "yellow checks square on purple waves background",
                2 * 10**16, True),
    ProjectPlan("Hatched", "orange plain circle on blue hatch background", 10**16, False, ("hatch",)),
)  # fmt: skip
OPT_OUT_STYLE = 2  # Bo opts out half-way


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
    # Eve's adapter steps when the model is not the one the shipped adapter was learned on
    adapter_steps: int = 500
    quiet: bool = False
    # where the epoch's file is published (the root names it): the service the demo suggests
    public_url: str = "http://127.0.0.1:8000"

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
    """``mints`` mints over the projects and all collectors; the seeded ones (on the preview
    project) come after the half-way opt-out, the plain ones take the projects in turn."""
    half = mints // 2
    plan: list[MintPlan] = []
    for n in range(mints):
        after = n >= half
        is_seeded = after and n - half < seeded
        project = 1 if is_seeded else n % len(PROJECTS)
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
class PayoutRow:
    """One account of the payout table: the ledger's figure beside the chain's."""

    address: str
    name: str
    role: str
    tokens: int
    earned: int  # ledger
    received: int  # claims / platform withdrawal, from the chain's logs
    paid: int  # value sent (mints), from the chain
    gas: int  # wei spent on gas, from the chain
    balance_change: int  # from the chain

    @property
    def reconciled(self) -> bool:
        return self.balance_change == self.received - self.paid - self.gas

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "reconciled": self.reconciled}


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
    adapters: dict[str, str] = field(default_factory=dict)  # keyword -> adapter id (64 hex)
    projects: list[tuple[int, ProjectPlan]] = field(default_factory=list)
    previews: list[Preview] = field(default_factory=list)
    mints: list[MintOutcome] = field(default_factory=list)
    epoch: dict[str, Any] = field(default_factory=dict)
    payouts: list[PayoutRow] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    verified: list[dict[str, Any]] = field(default_factory=list)
    html: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    wall_s: float = 0.0
    pids: list[int] = field(default_factory=list)  # processes the demo started (all stopped)
