"""Model ids, finding a model folder by id, and loading a pinned pipeline (no hub, ever).

A model id is the sha256 over a folder's weight files (docs: docs/interfaces.md): for each
``*.safetensors`` file under the folder, sorted by relative POSIX path,
``update(relpath.encode() + b"\\0" + sha256(file bytes).digest())``; the hex digest (64 chars,
no 0x) is the id, and on-chain it is the bytes32 of that digest.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path

DEFAULT_MODEL_DIR = Path(__file__).resolve().with_name("default_model")
MODELS_ENV = "STYLELEDGER_MODELS"
# A model folder's own metadata: its prompt encoding, keywords and recommended settings.
CONFIG_FILE = "styleledger.json"
_MODEL_ID = re.compile(r"(0x)?[0-9a-fA-F]{64}")
_HASH_CHUNK = 1 << 20


class ModelIdMismatchError(ValueError):
    """The weights in a folder are not the ones a project pinned."""

    def __init__(self, expected: str, actual: str, path: Path) -> None:
        self.expected, self.actual, self.path = expected, actual, path
        super().__init__(
            f"refusing model at {path}: its weights hash to model id {actual}, "
            f"but the project pins model id {expected}"
        )


class ModelNotFoundError(LookupError):
    """No folder on the search paths holds weights with the requested id."""


def normalize_model_id(value: str) -> str:
    """``"0x" + 64 hex`` or ``64 hex`` (any case) -> 64 lower-case hex; ``ValueError`` otherwise."""
    if not isinstance(value, str) or not _MODEL_ID.fullmatch(value):
        raise ValueError(
            f"model id must be 64 hex digits (sha256), optionally 0x-prefixed, got {value!r}"
        )
    return value.removeprefix("0x").lower()


def _file_sha256(path: Path) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.digest()


def model_keywords(path: str | Path) -> dict[str, list[str]]:
    """The keywords a model folder says it was trained on, by kind (``styleledger.json``'s
    ``keywords``: e.g. ``{"colour": [...], "texture": [...]}``); ``{}`` when it lists none (a
    plain Stable-Diffusion folder)."""
    import json

    meta_path = Path(path) / CONFIG_FILE
    if not meta_path.is_file():
        return {}
    keywords = json.loads(meta_path.read_text()).get("keywords", {})
    if not isinstance(keywords, dict):
        return {}
    return {str(kind): [str(w) for w in words] for kind, words in keywords.items()}


def model_id(path: str | Path) -> str:
    """The model id of the weights under ``path`` (see the module docstring)."""
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"model folder {root} does not exist")
    files = sorted((p.relative_to(root).as_posix(), p) for p in root.rglob("*.safetensors"))
    if not files:
        raise ValueError(f"model folder {root} holds no *.safetensors weight files")
    digest = hashlib.sha256()
    for relpath, file in files:
        digest.update(relpath.encode() + b"\0" + _file_sha256(file))
    return digest.hexdigest()


def config_digest(path: str | Path) -> str:
    """sha256 over the folder's non-weight files (configs, tokenizer, styleledger.json).

    The model id covers the weights only; a changed scheduler config, tokenizer or text encoding
    changes images without changing the id. Render records carry this digest so a failed
    verification can tell the two apart. Same layout as the model id, over every file that is
    not ``*.safetensors`` (hidden files and folders skipped).
    """
    root = Path(path)
    digest = hashlib.sha256()
    files = sorted(
        (p.relative_to(root).as_posix(), p)
        for p in root.rglob("*")
        if p.is_file() and p.suffix != ".safetensors"
    )
    for relpath, file in files:
        if any(part.startswith(".") for part in relpath.split("/")):
            continue
        digest.update(relpath.encode() + b"\0" + _file_sha256(file))
    return digest.hexdigest()


# (resolved path) -> ((relpath, size, mtime_ns) of each weight file, model id): hashing a large
# checkpoint takes seconds, and the indexer asks for the same folders over and over.
_ID_CACHE: dict[Path, tuple[tuple[tuple[str, int, int], ...], str]] = {}


def _cached_model_id(path: Path) -> str:
    root = path.resolve()
    stamp = tuple(
        sorted(
            (p.relative_to(root).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*.safetensors")
        )
    )
    cached = _ID_CACHE.get(root)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    mid = model_id(root)
    _ID_CACHE[root] = (stamp, mid)
    return mid


def search_paths(models: str = "", *first: Path) -> list[Path]:
    """The model search path: ``first``, then ``models`` (``os.pathsep``-separated folders, the
    form of ``STYLELEDGER_MODELS``), then the default model's folder; each folder once. The one
    parser of that variable."""
    paths: list[Path] = []
    for path in [*first, *(Path(p) for p in models.split(os.pathsep) if p), DEFAULT_MODEL_DIR]:
        if path not in paths:
            paths.append(path)
    return paths


def default_search_paths() -> list[Path]:
    """``STYLELEDGER_MODELS`` from the environment, then the default model's folder."""
    return search_paths(os.environ.get(MODELS_ENV, ""))


def _candidates(search_path: Path) -> list[Path]:
    """A search path is a model folder itself, or a folder whose sub-folders are model folders."""
    if (search_path / "model_index.json").is_file():
        return [search_path]
    if not search_path.is_dir():
        return []
    return sorted(p for p in search_path.iterdir() if (p / "model_index.json").is_file())


def find_model(model_id: str, search_paths: list[Path] | None = None) -> Path:
    """The first model folder on ``search_paths`` whose weights hash to ``model_id``."""
    wanted = normalize_model_id(model_id)
    paths = default_search_paths() if search_paths is None else [Path(p) for p in search_paths]
    for search_path in paths:
        for candidate in _candidates(search_path):
            if _cached_model_id(candidate) == wanted:
                return candidate
    searched = ", ".join(str(p) for p in paths) or "(none)"
    raise ModelNotFoundError(
        f"no model with id {wanted} on the search paths [{searched}]; "
        f"add its folder to {MODELS_ENV} (separated by {os.pathsep!r})"
    )


_PIPELINES: dict[tuple[str, str], object] = {}
_PIPELINES_LOCK = threading.Lock()


def load_pipeline(model_dir: str | Path, expected_model_id: str):
    """Load a ``StableDiffusionPipeline`` from a local folder, fp32, refusing other weights.

    The folder's model id must equal ``expected_model_id`` (else ``ModelIdMismatchError``, which
    carries both ids), and every module component must hold exactly the weights of its files
    (``generator.weights``: else ``WeightsMismatchError``, naming the component and the missing,
    unexpected or mismatched keys; whatever the library version, nothing loads silently wrong).
    Nothing is fetched from a hub (``local_files_only``; the entry points also set
    ``HF_HUB_OFFLINE=1``); no safety checker. Pipelines are cached in-process by (model id, folder), since the indexer
    renders many tokens of the same project; a cached pipeline is reused only after the folder's
    weights are checked again (cheaply: by file size and mtime, rehashing when they changed).
    """
    import torch
    from diffusers import StableDiffusionPipeline

    from generator.weights import check_pipeline_weights

    model_dir = Path(model_dir)
    expected = normalize_model_id(expected_model_id)
    actual = _cached_model_id(model_dir)
    if actual != expected:
        raise ModelIdMismatchError(expected, actual, model_dir)
    key = (expected, str(model_dir.resolve()))
    with _PIPELINES_LOCK:
        pipe = _PIPELINES.get(key)
        if pipe is None:
            pipe = StableDiffusionPipeline.from_pretrained(
                model_dir,
                local_files_only=True,
                safety_checker=None,
                feature_extractor=None,
                requires_safety_checker=False,
                dtype=torch.float32,
                # accelerate is not a dependency: say so, rather than have diffusers warn per load.
                low_cpu_mem_usage=False,
            )
            check_pipeline_weights(pipe, model_dir)  # every weight from the files, or refused
            pipe.set_progress_bar_config(disable=True)
            _PIPELINES[key] = pipe
        return pipe


def clear_pipeline_cache() -> None:
    """Forget every cached pipeline (tests; a long-running process that swaps models)."""
    with _PIPELINES_LOCK:
        _PIPELINES.clear()
