"""Every error StyleLedger's indexer raises on purpose, under one root.

``StyleLedgerError`` is the root: ``except StyleLedgerError`` catches every failure the code
names itself (a bad setting, an unreachable node, a settlement that cannot proceed), and nothing
else. Each subclass also inherits the built-in exception it resembles, as web3.py's do, so code
written against the built-ins keeps working: a missing deployment file is a ``FileNotFoundError``,
an unreachable node a ``ConnectionError``, a bad setting a ``ValueError``.

The messages say what went wrong and what to do; the command line prints them as they are
(``error: <message>``, exit 2) without a traceback.
"""

from __future__ import annotations


class StyleLedgerError(Exception):
    """Root of the errors StyleLedger raises on purpose."""


# ───────────────────────────────────────────── settings ───────────────────────────────────────────


class ConfigError(StyleLedgerError, ValueError):
    """A setting is missing or malformed; the message names the environment variable."""


# ─────────────────────────────────────────────── chain ────────────────────────────────────────────


class ChainError(StyleLedgerError, RuntimeError):
    """Something about the chain or the deployment stops the work."""


class DeploymentFileError(ChainError, FileNotFoundError):
    """The deployment file or an ABI it names is missing or malformed."""


class RPCUnreachableError(ChainError, ConnectionError):
    """The JSON-RPC endpoint does not answer."""


class ChainIdMismatchError(ChainError, ValueError):
    """The RPC serves another chain than the deployment file was written for."""


class RPCError(ChainError):
    """A JSON-RPC call answered with an error object."""

    def __init__(self, method: str, code: int | None, message: str) -> None:
        super().__init__(f"{method} failed: {message} (code {code})")
        self.method = method
        self.code = code
        self.rpc_message = message


class TxReverted(ChainError):
    """A transaction (or its simulation) reverted. ``error`` is the decoded custom error as
    ``(name, {argument: value})``, or None when the revert data matches no error of the ABIs."""

    def __init__(
        self, what: str, reason: str, error: tuple[str, dict[str, object]] | None = None
    ) -> None:
        super().__init__(f"{what} reverted: {reason}")
        self.what = what
        self.reason = reason
        self.error = error


# ─────────────────────────────────────────────── sync ─────────────────────────────────────────────


class SyncError(ChainError):
    """The sync cannot go on; the message says why and what to do."""


class DeploymentMismatchError(SyncError, ValueError):
    """The database already follows another deployment (or chain)."""


class ReorgTooDeepError(SyncError):
    """A reorg reaches below every stored block hash (deeper than ``reorg_window``)."""


class ReorgBelowSettlementError(SyncError):
    """A reorg would undo blocks that a settled epoch already counted: the sync stops instead."""


# ───────────────────────────────────────────── database ───────────────────────────────────────────


class DatabaseError(StyleLedgerError, RuntimeError):
    """The database cannot be opened or migrated; the message names the URL and what to check."""


class DatabaseURLError(DatabaseError, ValueError):
    """The database URL is malformed or names a database StyleLedger does not support."""


# ────────────────────────────────────────────── render ────────────────────────────────────────────


class RenderJobError(StyleLedgerError, LookupError):
    """A job cannot be rendered (missing token or project, unknown model...)."""


class VerifyError(StyleLedgerError, RuntimeError):
    """A token cannot be verified (not indexed, not rendered yet, hash differs from the chain)."""


# ────────────────────────────────────────────── ledger ────────────────────────────────────────────


class MoneyError(StyleLedgerError, ValueError):
    """Inputs the money formula refuses (negative price, shares not summing to a million...)."""


class SettlementError(StyleLedgerError, RuntimeError):
    """A settlement cannot proceed (conflicting root on-chain, a block not indexed yet, ...)."""


class NothingToSettle(SettlementError):
    """No new entitlement since the last epoch: not a failure (``settle`` exits 0)."""


class EpochFileError(StyleLedgerError, ValueError):
    """A published epoch file cannot be read (missing, unreachable, not JSON, not an epoch):
    the message names the file or URL and what is wrong."""


# ─────────────────────────────────────────────── demo ─────────────────────────────────────────────


class DemoError(StyleLedgerError, RuntimeError):
    """A step of the demo failed; the message says which and why."""
