"""Command-line commands of the generator (render, train), mounted on `styleledger`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from generator.models import DEFAULT_MODEL_DIR
from generator.seeding import SCHEDULERS
from generator.training.config import TrainConfig

_TRAIN = TrainConfig()  # the one place of the training defaults

_SETTINGS_HELP = "JSON file with the settings (prompt, model_id, steps, ...); flags override it"


def _settings(
    settings_file: Path | None,
    prompt: str | None,
    model_id: str | None,
    steps: int | None,
    guidance: float | None,
    width: int | None,
    height: int | None,
    scheduler: str | None,
):
    from generator.settings import RenderSettings

    values: dict = {}
    if settings_file is not None:
        values = json.loads(settings_file.read_text())
        values = values.get("settings", values)  # a render record works too
    flags = {
        "prompt": prompt,
        "model_id": model_id,
        "steps": steps,
        "guidance": guidance,
        "width": width,
        "height": height,
        "scheduler": scheduler,
    }
    values.update({k: v for k, v in flags.items() if v is not None})
    if "model_id" not in values and (DEFAULT_MODEL_DIR / "model_index.json").is_file():
        # The shipped default model, with the settings it recommends where none are given.
        recommended = RenderSettings.recommended("default", DEFAULT_MODEL_DIR)
        values = {**recommended.model_dump(exclude={"prompt"}), **values}
    return RenderSettings(**values)


def render_command(
    token_hash: str = typer.Option(..., "--hash", help="token hash, 0x + 64 hex"),
    out: Path = typer.Option(Path("out/render"), "--out", help="output folder"),
    settings_file: Path | None = typer.Option(None, "--settings", help=_SETTINGS_HELP),
    prompt: str | None = typer.Option(None, help="the project's prompt"),
    model_id: str | None = typer.Option(
        None, "--model-id", help="sha256 model id (64 hex); default: the shipped default model"
    ),
    steps: int | None = typer.Option(None, help="denoising steps"),
    guidance: float | None = typer.Option(None, help="classifier-free guidance scale"),
    width: int | None = typer.Option(None, help="image width in pixels"),
    height: int | None = typer.Option(None, help="image height in pixels"),
    scheduler: str | None = typer.Option(None, help=f"one of {', '.join(SCHEDULERS)}"),
    model_dir: Path | None = typer.Option(
        None, "--model-dir", help="model folder (else looked up by id)"
    ),
    attribute: bool = typer.Option(
        True, "--attribute/--no-attribute", help="attribution and heat maps"
    ),
) -> None:
    """Render a token: image.png, record.json and heat maps (heatmap-<word>.png, overlay.png)."""
    from generator.rendering import render

    try:
        settings = _settings(
            settings_file, prompt, model_id, steps, guidance, width, height, scheduler
        )
        result = render(settings, token_hash, model_dir=model_dir, attribute=attribute)
    except (ValueError, LookupError, FileNotFoundError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    result.save(out)
    for word in result.attribution.words if result.attribution is not None else []:
        typer.echo(
            f"  {word.word:<16} ppm {word.ppm:>8,}  area {word.area:.3f}  "
            f"intensity {word.intensity:.3f}"
        )
    typer.echo(f"pixel hash {result.pixel_hash}  ({result.seconds:.2f} s) -> {out}")


def train_command(
    out_dir: Path = typer.Option(_TRAIN.out_dir, "--out", help="model folder"),
    work_dir: Path = typer.Option(
        _TRAIN.work_dir, "--work-dir", help="checkpoint, loss log, samples"
    ),
    max_minutes: float = typer.Option(
        _TRAIN.max_minutes, help="wall-clock budget of the UNet stage (0: none)"
    ),
    steps: int = typer.Option(_TRAIN.steps, help="UNet steps (upper bound)"),
    vae_steps: int = typer.Option(_TRAIN.vae_steps, help="VAE steps"),
    batch: int = typer.Option(_TRAIN.batch, help="UNet batch size"),
    cooldown: float = typer.Option(
        _TRAIN.cooldown, help="fraction of the run at its end over which the learning rate decays"
    ),
    device: str = typer.Option(_TRAIN.device, help="auto, cpu or cuda"),
    threads: int = typer.Option(_TRAIN.threads, help="CPU threads"),
    tiny: bool = typer.Option(False, "--tiny", help="a tiny model (tests, smoke runs)"),
) -> None:
    """Train the default model on the synthetic style set (resumes from --work-dir)."""
    from generator.training.train import train

    cfg = TrainConfig(
        out_dir=out_dir,
        work_dir=work_dir,
        max_minutes=max_minutes,
        steps=steps,
        vae_steps=vae_steps,
        batch=batch,
        cooldown=cooldown,
        device=device,
        threads=threads,
        tiny=tiny,
    )
    model_id = train(cfg)
    typer.echo(f"model id {model_id} -> {out_dir}")


def register(app: typer.Typer) -> None:
    """Add the generator's commands to the `styleledger` application (``verify`` is the
    indexer's: it checks a token from chain data, or a record file)."""
    app.command("render")(render_command)
    app.command("train")(train_command)
