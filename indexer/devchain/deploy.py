"""``scripts/deploy.py`` run in brownie's environment against a chain; returns the deployment file."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from indexer.chain.deployment import REPO_ROOT
from indexer.devchain.anvil import ANVIL
from indexer.devchain.processes import Processes
from indexer.errors import ChainError

BROWNIE_PYTHON = REPO_ROOT / ".venv-brownie" / "bin" / "python"
DEPLOY_SCRIPT = REPO_ROOT / "scripts" / "deploy.py"
ARTIFACT = REPO_ROOT / "build" / "contracts" / "ArtCore.json"


def deploy_contracts(
    rpc_url: str,
    out_dir: Path,
    *,
    deployer_key: str | None = None,
    compile: bool = False,
    timeout: float = 300,
    processes: Processes | None = None,
    env: dict[str, str] | None = None,
) -> Path:
    """Deploy and wire the contracts on ``rpc_url`` (the node's first unlocked account, or
    ``deployer_key``); ``env``: the script's settings (PLATFORM_BPS, CHALLENGE_DELAY...). The
    script compiles first only when asked or when brownie's artifacts are missing."""
    if not DEPLOY_SCRIPT.is_file():
        raise ChainError(f"{DEPLOY_SCRIPT} missing: the deploy script is not there")
    if not BROWNIE_PYTHON.is_file():
        raise ChainError(f"{BROWNIE_PYTHON} missing: run `make install`")
    compile = compile or not ARTIFACT.is_file()
    out_dir.mkdir(parents=True, exist_ok=True)
    tools = [ANVIL.parent, REPO_ROOT / "node_modules" / ".bin", REPO_ROOT / "bin"]
    child_env = {
        **os.environ,
        "PATH": os.pathsep.join([*map(str, tools), os.environ.get("PATH", "")]),
        "SOLCX_BINARY_PATH": str(REPO_ROOT / ".solcx"),
        "HF_HUB_OFFLINE": "1",
        "STYLELEDGER_RPC_URL": rpc_url,
        "STYLELEDGER_DEPLOYMENTS_DIR": str(out_dir),
        **(env or {}),
    }
    if deployer_key:
        child_env["DEPLOYER_PRIVATE_KEY"] = deployer_key
    cmd = [str(BROWNIE_PYTHON), str(DEPLOY_SCRIPT), "--rpc-url", rpc_url, "--out-dir", str(out_dir)]
    log_path = out_dir / "deploy.log"
    group = processes or Processes()
    with log_path.open("w") as log:
        proc = group.start(
            [*cmd, *([] if compile else ["--no-compile"])],
            cwd=REPO_ROOT,
            env=child_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            Processes.stop(proc)
            raise ChainError(
                f"deploy.py did not finish in {timeout:.0f} s (log: {log_path})"
            ) from None
    lines = log_path.read_text().strip().splitlines()
    if code != 0 or not lines:
        tail = "\n".join(lines[-20:])
        raise ChainError(f"deploy.py failed with exit code {code} (log: {log_path}):\n{tail}")
    path = Path(lines[-1].strip())  # the script prints the file it wrote on its last line
    if not path.is_file():
        raise ChainError(f"deploy.py did not write a deployment file (log: {log_path})")
    return path
