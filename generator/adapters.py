"""Style adapters: an artist's style learned from their own works, on a pinned base model.

DESIGN.md, "Style adapters". An adapter folder holds:

``learned_embeds.safetensors``
    the learned input embedding of the keyword's tokens, in diffusers' textual-inversion format
    (one tensor, ``(n_tokens, hidden)``, named by the keyword); the tokenizer's own ids of the
    keyword are in the file's metadata (``token_ids``).
``pytorch_lora_weights.safetensors`` (optional)
    a LoRA on the UNet, in diffusers' format (what ``save_lora_weights`` writes and
    ``load_lora_weights`` reads; rank and alpha in the file's metadata).
``styleledger-adapter.json``
    the manifest: keyword, base model id, the works (file name, sha256, caption) and their
    Merkle root, the training settings and figures.

The **adapter id** is the model-id rule over the folder's weight files
(``generator.models.model_id``): the bytes of both files, metadata included, so the token ids and
the LoRA's scale are pinned with the weights. A project pins adapter ids; :func:`adapted_pipeline`
finds each folder by id, refuses one whose weights hash differently or that was trained on
another base model, and applies them in the project's order.

Why the embedding is not loaded with ``pipe.load_textual_inversion``: diffusers adds a *new*
token and refuses one already in the vocabulary, and a keyword (``hatch``) is already a token
of CLIP's vocabulary. The adapter learns the rows of the keyword's own tokens instead, so the
prompt is read exactly as the words rule reads it (docs/words.md), and :func:`apply_embedding`
writes those rows into the text encoder. The LoRA goes through diffusers' own loader, and is
fused into the weights (``fuse_lora``), so an adapted render costs what a plain one does.
"""

from __future__ import annotations

import copy
import json
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from generator.models import (
    DEFAULT_MODEL_DIR,
    ModelIdMismatchError,
    _cached_model_id,
    default_search_paths,
    normalize_model_id,
)

MANIFEST_FILE = "styleledger-adapter.json"
EMBEDDING_FILE = "learned_embeds.safetensors"
LORA_FILE = "pytorch_lora_weights.safetensors"
MANIFEST_FORMAT = "styleledger-adapter-v1"
SHIPPED_ADAPTERS_DIR = DEFAULT_MODEL_DIR.with_name("shipped_adapters")  # the demo's adapter


class AdapterNotFoundError(LookupError):
    """No adapter folder on the search paths holds weights with the requested id."""


class AdapterMismatchError(ValueError):
    """An adapter that cannot be applied as pinned (other base model, broken folder)."""


@dataclass(frozen=True)
class AdapterManifest:
    """What ``styleledger-adapter.json`` says (the parts rendering needs)."""

    keyword: str
    base_model_id: str
    has_lora: bool
    raw: dict

    @classmethod
    def read(cls, folder: Path) -> AdapterManifest:
        path = Path(folder) / MANIFEST_FILE
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            raise AdapterMismatchError(
                f"{folder} is not an adapter folder: no {MANIFEST_FILE}"
            ) from None
        except json.JSONDecodeError as exc:
            raise AdapterMismatchError(f"{path} is not valid JSON: {exc}") from exc
        if raw.get("format") != MANIFEST_FORMAT:
            raise AdapterMismatchError(
                f"{path}: format {raw.get('format')!r}, expected {MANIFEST_FORMAT!r}"
            )
        return cls(
            keyword=str(raw["keyword"]),
            base_model_id=normalize_model_id(raw["base_model_id"]),
            has_lora=(Path(folder) / LORA_FILE).is_file(),
            raw=raw,
        )


def adapter_id(folder: str | Path) -> str:
    """The adapter id: the model-id rule over the adapter folder's weight files."""
    from generator.models import model_id

    return model_id(folder)


def canonical_header(path: Path) -> None:
    """Rewrite a safetensors file's JSON header with sorted keys, in place (same length).

    safetensors keeps the header's metadata in a hash map, so two saves of the same tensors and
    metadata may order its keys differently, and the file's sha256 (hence the adapter id) with
    them. Sorting makes the bytes a function of the contents; the data offsets do not move.
    """
    data = bytearray(Path(path).read_bytes())
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    if len(text) > size:
        raise ValueError(f"{path}: canonical header longer than the original")
    data[8 : 8 + size] = text.ljust(size, b" ")
    Path(path).write_bytes(bytes(data))


def is_adapter_folder(path: Path) -> bool:
    return (path / MANIFEST_FILE).is_file() and (path / EMBEDDING_FILE).is_file()


def adapter_search_paths() -> list[Path]:
    """Where adapters are looked for: the model search path (``STYLELEDGER_MODELS``), then the
    shipped adapters; each entry is an adapter folder or a folder of adapter folders."""
    paths = [p for p in default_search_paths() if p != DEFAULT_MODEL_DIR]
    return [*paths, SHIPPED_ADAPTERS_DIR]


def adapter_folders(path: Path) -> list[Path]:
    """The adapter folders a search-path entry stands for: itself, or the adapter folders in it."""
    if is_adapter_folder(path):
        return [path]
    if path.is_dir():
        return sorted(p for p in path.iterdir() if is_adapter_folder(p))
    return []


def find_adapter(wanted: str, search_paths: list[Path] | None = None) -> Path:
    """The first adapter folder on ``search_paths`` whose weights hash to ``wanted``."""
    wanted = normalize_model_id(wanted)
    paths = adapter_search_paths() if search_paths is None else [Path(p) for p in search_paths]
    for path in paths:
        for candidate in adapter_folders(path):
            if _cached_model_id(candidate) == wanted:
                return candidate
    searched = ", ".join(str(p) for p in paths) or "(none)"
    raise AdapterNotFoundError(
        f"no style adapter with id {wanted} on the search paths [{searched}]; add its folder "
        "to STYLELEDGER_MODELS"
    )


def keyword_token_ids(tokenizer, keyword: str) -> list[int]:
    """The tokenizer's ids of ``keyword`` alone (no start or end token)."""
    return list(tokenizer(keyword, add_special_tokens=False).input_ids)


def read_embedding(folder: Path, keyword: str):
    """(token ids, rows (n, hidden) float32) from an adapter's embedding file."""
    from safetensors import safe_open

    path = Path(folder) / EMBEDDING_FILE
    with safe_open(str(path), framework="pt") as fh:
        metadata = fh.metadata() or {}
        if keyword not in fh.keys():  # noqa: SIM118 (safe_open has no __contains__)
            raise AdapterMismatchError(f"{path} holds no embedding named {keyword!r}")
        rows = fh.get_tensor(keyword).float()
    ids = json.loads(metadata.get("token_ids", "[]"))
    if rows.ndim != 2 or len(ids) != rows.shape[0]:
        raise AdapterMismatchError(
            f"{path}: {rows.shape[0] if rows.ndim == 2 else '?'} rows for token ids {ids}"
        )
    return ids, rows


def apply_embedding(pipe, folder: Path, keyword: str) -> None:
    """Write the adapter's learned rows into the text encoder's token embedding."""
    import torch

    ids, rows = read_embedding(folder, keyword)
    expected = keyword_token_ids(pipe.tokenizer, keyword)
    if ids != expected:
        raise AdapterMismatchError(
            f"adapter {folder} learned token ids {ids} for {keyword!r}, but this tokenizer "
            f"spells it {expected}: it was trained with another tokenizer"
        )
    weight = pipe.text_encoder.get_input_embeddings().weight
    if rows.shape[1] != weight.shape[1]:
        raise AdapterMismatchError(
            f"adapter {folder}: embedding width {rows.shape[1]}, text encoder {weight.shape[1]}"
        )
    with torch.no_grad():
        weight[torch.tensor(ids)] = rows.to(weight.dtype)


@contextmanager
def _quiet_diffusers() -> Iterator[None]:
    from diffusers.utils import logging as diffusers_logging

    level = diffusers_logging.get_verbosity()
    diffusers_logging.set_verbosity_error()
    try:
        yield
    finally:
        diffusers_logging.set_verbosity(level)


def apply_adapters(pipe, folders: list[Path], model_id: str) -> None:
    """Apply adapters to ``pipe`` in place: each one's embedding rows, then all LoRAs together
    (``load_lora_weights`` per adapter, ``set_adapters`` at weight 1, fused)."""
    lora_names = []
    for index, folder in enumerate(folders):
        manifest = AdapterManifest.read(folder)
        if manifest.base_model_id != normalize_model_id(model_id):
            raise AdapterMismatchError(
                f"adapter {folder} was trained on base model {manifest.base_model_id}, "
                f"not on the project's model {normalize_model_id(model_id)}"
            )
        apply_embedding(pipe, folder, manifest.keyword)
        if manifest.has_lora:
            name = f"adapter{index}"
            with _quiet_diffusers(), warnings.catch_warnings():
                # diffusers says the text encoder has no LoRA (none is meant), peft that a second
                # adapter joins the first (composition is meant)
                warnings.filterwarnings("ignore", message="Already found a `peft_config`")
                pipe.load_lora_weights(str(folder), weight_name=LORA_FILE, adapter_name=name)
            lora_names.append(name)
    if lora_names:
        pipe.set_adapters(lora_names, adapter_weights=[1.0] * len(lora_names))
        pipe.fuse_lora(components=["unet"], adapter_names=lora_names)
        pipe.unload_lora_weights()  # the fused weights stay; the LoRA layers go


_ADAPTED: dict[tuple[str, str, tuple[str, ...]], object] = {}
_ADAPTED_LOCK = threading.Lock()
MAX_CACHED = 8  # adapted pipelines kept in memory (one per distinct adapter set)


def adapted_pipeline(base_pipe, model_dir: Path, model_id: str, adapter_ids: tuple[str, ...]):
    """A copy of ``base_pipe`` (the pinned base model, as ``load_pipeline`` loaded it) with the
    adapters ``adapter_ids`` applied; cached per (model, folder, adapters). Each adapter folder is
    found by id (``find_adapter``), so a changed weight file is refused like a changed model."""
    key = (normalize_model_id(model_id), str(Path(model_dir).resolve()), tuple(adapter_ids))
    folders = [find_adapter(a) for a in adapter_ids]
    for wanted, folder in zip(adapter_ids, folders, strict=True):
        actual = _cached_model_id(folder)
        if actual != normalize_model_id(wanted):  # changed between find and use
            raise ModelIdMismatchError(wanted, actual, folder)
    with _ADAPTED_LOCK:
        pipe = _ADAPTED.get(key)
        if pipe is None:
            pipe = copy.deepcopy(base_pipe)
            apply_adapters(pipe, folders, model_id)
            if len(_ADAPTED) >= MAX_CACHED:
                _ADAPTED.pop(next(iter(_ADAPTED)))
            _ADAPTED[key] = pipe
        return pipe


def clear_adapter_cache() -> None:
    with _ADAPTED_LOCK:
        _ADAPTED.clear()
