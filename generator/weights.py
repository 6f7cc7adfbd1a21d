"""Strict loading: a pipeline's components hold exactly the weights in the model folder's files.

``from_pretrained`` forgives: a weight the library expects but does not find is left as it was
initialised (randomly), a saved one it does not expect is dropped, each with at most a log line.
So a library that builds or names a model otherwise loads a model folder *silently wrong*:
diffusers 0.21 to 0.29 give the shipped model's VAE a mid-block attention it does not have
(randomly initialised), transformers 4.x to 5.5 leave its whole text encoder random (its keys
have no ``text_model.`` prefix). Images change; nothing says why.

:func:`check_pipeline_weights` runs after ``from_pretrained`` (``generator.models.load_pipeline``)
on every ``torch.nn.Module`` component of the pipeline (unet, vae, text_encoder: the base model,
before any style adapter is applied) against the safetensors files in that component's folder,
those its loader reads (``<name>.safetensors.index.json``'s shards, else
``diffusion_pytorch_model.safetensors`` or ``model.safetensors``, else the folder's one
``*.safetensors``):

* every parameter and persistent buffer of the module is a tensor of the files, and every tensor
  of the files is one of them (a saved tensor may also fill a non-persistent buffer, as old
  checkpoints' ``position_ids`` do);
* names match exactly, or up to one leading dotted prefix the library adds or strips on load
  (transformers 5 loads ``text_model.*`` keys into its flat CLIP text model);
* shapes match, and values are bitwise equal (after a cast to the module's dtype), so a weight
  the library re-initialised after loading is caught too.

Anything else raises :class:`WeightsMismatchError`, naming the component and the keys. Reading
is lazy (one tensor at a time, ``safetensors.safe_open``); torch is imported only here.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# What the project supports (pyproject.toml's lower bounds; README, "Strict loading"): tried on
# the shipped model, diffusers before 0.30 build its VAE a random mid-block attention and
# transformers before 5.6 leave its text encoder random, which this check refuses.
MIN_VERSIONS = {"diffusers": "0.35", "transformers": "5.6"}
WEIGHT_FILES = ("diffusion_pytorch_model.safetensors", "model.safetensors")
_SHOWN = 5  # keys named per kind in an error message


class WeightsMismatchError(ValueError):
    """A pipeline component does not hold exactly the weights of its files on disk."""

    def __init__(
        self,
        component: str,
        folder: Path,
        missing: list[str],
        unexpected: list[str],
        mismatched: list[str],
    ) -> None:
        self.component, self.folder = component, folder
        self.missing, self.unexpected, self.mismatched = missing, unexpected, mismatched
        parts = []
        for what, keys in (
            ("missing from the files (left as initialised)", missing),
            ("in the files but not loaded", unexpected),
            ("loaded with another shape or value", mismatched),
        ):
            if keys:
                more = f" and {len(keys) - _SHOWN} more" if len(keys) > _SHOWN else ""
                parts.append(f"{len(keys)} {what}: {', '.join(keys[:_SHOWN])}{more}")
        super().__init__(
            f"refusing model at {folder.parent}: its {component} does not hold exactly the "
            f"weights in {folder}: " + "; ".join(parts) + f". The installed {_versions()} build "
            f"or name it otherwise; StyleLedger supports {_supported()}"
        )


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in MIN_VERSIONS:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return " / ".join(found) + " may"


def _supported() -> str:
    return ", ".join(f"{name} >= {v}" for name, v in MIN_VERSIONS.items())


def weight_files(folder: Path) -> list[Path]:
    """The safetensors files a component's loader reads from ``folder`` (module docstring)."""
    indexes = sorted(folder.glob("*.safetensors.index.json"))
    if indexes:
        try:
            weight_map = json.loads(indexes[0].read_text())["weight_map"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problem = f"{indexes[0].name} cannot be read ({exc})"
            raise WeightsMismatchError(folder.name, folder, [], [], [problem]) from exc
        return sorted({folder / name for name in weight_map.values()})
    for name in WEIGHT_FILES:
        if (folder / name).is_file():
            return [folder / name]
    return sorted(folder.glob("*.safetensors"))


@dataclass
class _Pairing:
    """File keys paired with module keys (module key -> file key)."""

    pairs: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)


def _strip(key: str) -> str | None:
    _, dot, rest = key.partition(".")
    return rest if dot else None


def _pair(expected: set[str], optional: set[str], saved: set[str]) -> _Pairing:
    """Exact names first, then names up to one leading prefix (either side); ``optional``
    (non-persistent buffers) may take a saved key but need none."""
    known = expected | optional
    pairs = {k: k for k in known & saved}
    free_saved = saved - set(pairs.values())
    free_known = known - set(pairs)
    by_stripped_saved = {s: k for k in free_saved if (s := _strip(k)) is not None}
    for key in sorted(free_known):
        if key in by_stripped_saved:  # the file has a prefix the module lacks
            pairs[key] = by_stripped_saved.pop(key)
        elif (stripped := _strip(key)) is not None and stripped in free_saved:
            pairs[key] = stripped  # the module has a prefix the file lacks
        else:
            continue
        free_saved.discard(pairs[key])
    missing = sorted(k for k in expected if k not in pairs)
    return _Pairing(pairs, missing, sorted(free_saved - set(pairs.values())))


def check_component(name: str, module: Any, folder: Path) -> None:
    """Raise :class:`WeightsMismatchError` unless ``module`` holds exactly the weights of its
    files in ``folder`` (module docstring)."""
    import torch
    from safetensors import safe_open

    files = weight_files(folder)
    state = module.state_dict()
    buffers = dict(module.named_buffers())
    optional = {k for k in buffers if k not in state}
    if not files:
        raise WeightsMismatchError(name, folder, sorted(state), [], [])
    where: dict[str, Any] = {}
    with ExitStack() as stack:
        for path in files:
            handle = stack.enter_context(safe_open(str(path), framework="pt"))
            for key in handle.keys():  # noqa: SIM118 (a safe_open handle is no dict)
                where[key] = handle
        pairing = _pair(set(state), optional, set(where))
        missing, unexpected, mismatched = pairing.missing, pairing.unexpected, []
        for key, saved_key in sorted(pairing.pairs.items()):
            held = state[key] if key in state else buffers[key]
            handle = where[saved_key]
            shape = list(handle.get_slice(saved_key).get_shape())
            same = shape == list(held.shape) and torch.equal(
                handle.get_tensor(saved_key).to(dtype=held.dtype), held.detach().to("cpu")
            )
            if same:
                continue
            if key != saved_key:  # names a prefix apart, other tensors: not what was loaded
                if key in state:
                    missing.append(key)
                unexpected.append(saved_key)
            elif shape != list(held.shape):
                mismatched.append(f"{key} (shape {shape} on disk, {list(held.shape)} held)")
            else:
                mismatched.append(f"{key} (values differ from the file's)")
    if missing or unexpected or mismatched:
        raise WeightsMismatchError(name, folder, sorted(missing), sorted(unexpected), mismatched)


def check_pipeline_weights(pipe: Any, model_dir: Path) -> None:
    """:func:`check_component` for every module component of ``pipe`` loaded from
    ``model_dir`` (the pipeline's ``components``: unet, vae, text_encoder)."""
    import torch

    for name, component in pipe.components.items():
        if isinstance(component, torch.nn.Module):
            check_component(name, component, Path(model_dir) / name)
