"""The built wheel is the product: installed into a fresh environment (no source checkout on the
path), ``styleledger render`` renders with the shipped default model, the same pixels as here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from indexer.chain.deployment import REPO_ROOT

TOKEN_HASH = "0x" + "5e" * 32


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of the working tree, built in a copy of it (setuptools writes build/ where it
    builds; the checkout's build/ is brownie's)."""
    source = tmp_path_factory.mktemp("source")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    for name in filter(None, listed.split("\0")):
        if name.startswith(("generator/", "indexer/")) or name in ("pyproject.toml", "README.md"):
            target = source / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if (REPO_ROOT / name).is_file():
                shutil.copy2(REPO_ROOT / name, target)
    built_app = REPO_ROOT / "indexer" / "web" / "dist"  # built by `make install`, not tracked
    if built_app.is_dir():
        shutil.copytree(built_app, source / "indexer" / "web" / "dist")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(source)],
        check=True, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    (found,) = out.glob("styleledger-*.whl")
    return found


def test_the_wheel_carries_the_model_and_the_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    model = REPO_ROOT / "generator" / "default_model"
    for weights in model.rglob("*.safetensors"):
        assert weights.relative_to(REPO_ROOT).as_posix() in names
    for needed in (
        "generator/default_model/model_index.json",
        "generator/default_model/tokenizer/vocab.json",
        "generator/training/keyword_classifier.safetensors",
        "indexer/db/migrations/alembic.ini",
        "indexer/db/migrations/versions/0001_chain_tables.py",
    ):
        assert needed in names, needed
    if (REPO_ROOT / "indexer" / "web" / "dist" / "index.html").is_file():  # built by make install
        assert "indexer/web/dist/index.html" in names


def test_a_fresh_install_renders_with_the_shipped_model(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    # The dependencies (torch, diffusers...) from this environment as a plain path entry: its
    # .pth files, the editable install of the checkout among them, are not processed.
    (Path(site) / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", site, str(wheel)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run(
        [str(python), "-c", "import generator, indexer; print(generator.__file__, indexer.__file__)"],
        check=True, capture_output=True, text=True, cwd=work, env=env,
    ).stdout  # fmt: skip
    assert str(REPO_ROOT) not in where and site in where
    done = subprocess.run(
        [str(python), "-m", "indexer", "render", "--hash", TOKEN_HASH, "--prompt",
         "red stripes circle on blue dots background", "--out", str(work / "out")],
        capture_output=True, text=True, cwd=work, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads((work / "out" / "record.json").read_text())

    from generator.models import DEFAULT_MODEL_DIR, model_id

    assert record["settings"]["model_id"] == model_id(DEFAULT_MODEL_DIR)
    here = subprocess.run(
        [sys.executable, "-m", "indexer", "render", "--hash", TOKEN_HASH, "--prompt",
         "red stripes circle on blue dots background", "--out", str(tmp_path / "here"),
         "--no-attribute"],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=600,
    )  # fmt: skip
    assert here.returncode == 0, here.stderr[-3000:]
    assert (
        json.loads((tmp_path / "here" / "record.json").read_text())["pixel_hash"]
        == (record["pixel_hash"])
    )
