"""The base model each style adapter fits, as this service finds the adapter (issue 14).

``GET /styles`` says, per style, which base model its adapter was trained on
(``adapter_base_model_id``: the manifest's ``base_model_id``), or null when this service does not
hold the adapter's files, so the app offers a project only the adapters of its model (a render
refuses the others: ``generator.adapters.AdapterMismatchError``).

Finding an adapter by id (``generator.adapters.find_adapter``) hashes each candidate folder's
weights once per process (``generator.models._cached_model_id``, by size and mtime), but each call
still walks every candidate folder of the search path and stats its weight files. A page of styles
would do that per style and per request, so the answer is cached per (search path, adapter id):

* an adapter held, with its folder's stamp (the sizes and mtimes of its weight files and
  manifest): a hit costs a few stats of that one folder; a folder whose files changed is
  searched for again;
* an adapter not held, with the stamp of everything the search saw (each candidate folder and its
  stamp), taken once per lookup of a page: it is searched for again only when that changes (a
  training job finished, a folder added under ``STYLELEDGER_MODELS``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from generator.adapters import (
    EMBEDDING_FILE,
    LORA_FILE,
    MANIFEST_FILE,
    AdapterManifest,
    AdapterMismatchError,
    AdapterNotFoundError,
    adapter_folders,
    adapter_search_paths,
    find_adapter,
)
from generator.models import normalize_model_id

Stamp = tuple[tuple[str, int, int], ...]

# (search path, adapter id) -> (folder, its stamp, base model id) / the search path's stamp
_HELD: dict[tuple[tuple[str, ...], str], tuple[Path, Stamp, str]] = {}
_MISSING: dict[tuple[tuple[str, ...], str], tuple] = {}
_LOCK = threading.Lock()


def _folder_stamp(folder: Path) -> Stamp:
    """Sizes and mtimes of what a lookup reads in an adapter folder (``OSError`` if it went)."""
    files = [folder / MANIFEST_FILE, folder / EMBEDDING_FILE, folder / LORA_FILE]
    files += [p for p in folder.rglob("*.safetensors") if p not in files]
    stamp = []
    for path in files:
        try:
            st = path.stat()
        except FileNotFoundError:
            if path.name == LORA_FILE:  # optional
                continue
            raise
        stamp.append((path.relative_to(folder).as_posix(), st.st_size, st.st_mtime_ns))
    return tuple(sorted(stamp))


def _search_stamp(paths: list[Path]) -> tuple | None:
    """Every candidate adapter folder on ``paths`` with its stamp; None when one changed while
    being read (then nothing is cached as missing)."""
    seen = []
    try:
        for path in paths:
            seen += [(str(f), _folder_stamp(f)) for f in adapter_folders(path)]
    except OSError:
        return None
    return tuple(seen)


def clear_cache() -> None:
    with _LOCK:
        _HELD.clear()
        _MISSING.clear()


def adapter_base_models(adapter_ids: Iterable[str | None]) -> dict[str, str | None]:
    """Each adapter id (64 hex, any case, ``0x`` or not; None skipped) -> ``"0x"`` + the base
    model id its manifest names, or None when no folder on the search path holds it (or its
    manifest is unreadable). Keys: the ids as given."""
    paths = adapter_search_paths()
    where = tuple(str(p) for p in paths)
    search: list[tuple | None] = []  # the search path's stamp, taken once when needed
    out: dict[str, str | None] = {}
    for given in adapter_ids:
        if not given or given in out:
            continue
        try:
            wanted = normalize_model_id(given)
        except ValueError:
            out[given] = None
            continue
        key = (where, wanted)
        with _LOCK:
            held, missing = _HELD.get(key), _MISSING.get(key)
        if held is not None:
            folder, stamp, base = held
            try:
                if _folder_stamp(folder) == stamp:
                    out[given] = "0x" + base
                    continue
            except OSError:
                pass
        if not search:
            search.append(_search_stamp(paths))
        if missing is not None and missing == search[0]:
            out[given] = None
            continue
        out[given] = _look_up(key, paths, search[0])
    return out


def _look_up(
    key: tuple[tuple[str, ...], str], paths: list[Path], search: tuple | None
) -> str | None:
    try:
        folder = find_adapter(key[1], paths)
        stamp = _folder_stamp(folder)
        base = AdapterManifest.read(folder).base_model_id
    except (AdapterNotFoundError, AdapterMismatchError, KeyError, TypeError, ValueError, OSError):
        with _LOCK:
            _HELD.pop(key, None)
            if search is not None:
                _MISSING[key] = search
        return None
    with _LOCK:
        _HELD[key] = (folder, stamp, base)
        _MISSING.pop(key, None)
    return "0x" + base
