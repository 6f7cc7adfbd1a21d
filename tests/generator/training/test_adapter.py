"""Style adapters on a tiny random SD-layout model: train, save in diffusers' formats, pin, compose.

Seconds, not minutes: a few optimiser steps on 64 px works. What the adapter learns is measured by
``make bench`` (bench/adapters.py) on the default model; here, the mechanics.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from generator import adapters
from generator.models import DEFAULT_MODEL_DIR, clear_pipeline_cache, load_pipeline, model_id
from generator.rendering import render
from generator.settings import RenderSettings
from generator.training import synthetic
from generator.training.adapter import (
    WordAttention,
    WorksError,
    base_style_words,
    map_loss,
    prior_prompts,
    read_works,
    region_weights,
    stand_in_captions,
    train_adapter,
    without_keyword,
    write_works,
)
from generator.training.config import AdapterConfig

SIZE = 64


@pytest.fixture(scope="module")
def trained(tiny_sd: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two adapters (hatch, grid) trained on the tiny model, and their works."""
    out = {}
    for keyword in ("hatch", "grid"):
        root = tmp_path_factory.mktemp(keyword)
        works = root / "works"
        write_works(_short(synthetic.works_samples(keyword, 4, seed=3, size=SIZE), keyword), works)
        cfg = _config(works, keyword, root / "adapter", tiny_sd)
        train_adapter(cfg, works_root="0x" + "ab" * 32)
        out[keyword] = root / "adapter"
        out[f"{keyword}-works"] = works
    return out


def _short(samples, keyword: str):
    """The tiny tokenizer spells most words letter by letter: captions of a few words."""
    colours = ("red", "blue")
    return [replace(s, caption=f"{colours[i % 2]} {keyword}") for i, s in enumerate(samples)]


def _config(works: Path, keyword: str, out: Path, base: Path, **kw) -> AdapterConfig:
    return AdapterConfig(
        works_dir=works, keyword=keyword, out_dir=out, base_model=base, steps=3, batch=2,
        lora_rank=2, sample_steps=2, progress=False, **kw,
    )  # fmt: skip


@pytest.fixture
def adapter_path(monkeypatch: pytest.MonkeyPatch, trained: dict[str, Path], tiny_sd: Path):
    """The trained adapters and the tiny model on the search path."""
    paths = [str(tiny_sd), str(trained["hatch"]), str(trained["grid"])]
    monkeypatch.setenv("STYLELEDGER_MODELS", ":".join(paths))
    yield
    adapters.clear_adapter_cache()


def _settings(
    tiny_sd: Path, *adapter_dirs: Path, prompt: str = "red hatch circle on grid"
) -> RenderSettings:
    return RenderSettings(
        prompt=prompt, model_id=model_id(tiny_sd), steps=2, width=SIZE, height=SIZE,
        adapters=tuple(adapters.adapter_id(d) for d in adapter_dirs),
    )  # fmt: skip


def test_folder_layout_and_manifest(trained: dict[str, Path], tiny_sd: Path) -> None:
    folder = trained["hatch"]
    manifest = json.loads((folder / adapters.MANIFEST_FILE).read_text())
    assert manifest["keyword"] == "hatch"
    assert manifest["base_model_id"] == model_id(tiny_sd)
    assert manifest["adapter_id"] == adapters.adapter_id(folder) == model_id(folder)
    assert manifest["works"]["count"] == 4 and manifest["works"]["root"] == "0x" + "ab" * 32
    files = manifest["works"]["files"]
    assert [f["name"] for f in files] == [f"work-{i:03d}.png" for i in range(4)]
    assert [f["caption"] for f in files] == ["red hatch", "blue hatch"] * 2
    assert (folder / "training" / "log.jsonl").read_text().count("\n") >= 2
    assert (folder / "training" / "samples.png").is_file()
    # the prior words as resolved: the tiny model lists no style words, so the keyword is cut
    assert manifest["training"]["prior_words"] == [] and manifest["training"]["threads"] == 2


def test_training_is_deterministic(trained: dict[str, Path], tiny_sd: Path, tmp_path: Path) -> None:
    again = _config(trained["hatch-works"], "hatch", tmp_path / "again", tiny_sd)
    assert train_adapter(again, works_root="0x" + "ab" * 32)["adapter_id"] == adapters.adapter_id(
        trained["hatch"]
    )


def test_diffusers_loaders_read_the_files(trained: dict[str, Path], tiny_sd: Path) -> None:
    """The LoRA through diffusers' own ``load_lora_weights``; the embedding file in diffusers'
    textual-inversion layout (one tensor named by the token)."""
    from diffusers import StableDiffusionPipeline
    from safetensors.torch import load_file

    pipe = StableDiffusionPipeline.from_pretrained(tiny_sd, safety_checker=None)
    pipe.load_lora_weights(str(trained["hatch"]), weight_name=adapters.LORA_FILE)
    assert any("lora" in name for name, _ in pipe.unet.named_parameters())
    ((name, rows),) = load_file(str(trained["hatch"] / adapters.EMBEDDING_FILE)).items()
    ids = adapters.keyword_token_ids(pipe.tokenizer, "hatch")
    assert name == "hatch" and tuple(rows.shape) == (len(ids), pipe.text_encoder.config.hidden_size)


def test_render_with_an_adapter_changes_pixels_and_is_deterministic(
    adapter_path: None, trained: dict[str, Path], tiny_sd: Path
) -> None:
    plain = render(_settings(tiny_sd), "0x" + "11" * 32, attribute=False)
    adapted = render(_settings(tiny_sd, trained["hatch"]), "0x" + "11" * 32)
    assert adapted.pixel_hash != plain.pixel_hash
    adapters.clear_adapter_cache()
    clear_pipeline_cache()
    assert (
        render(_settings(tiny_sd, trained["hatch"]), "0x" + "11" * 32).pixel_hash
        == adapted.pixel_hash
    )
    assert list(adapted.record()["settings"]["adapters"]) == [adapters.adapter_id(trained["hatch"])]
    assert "hatch" in adapted.record()["ppm"]
    # the base pipeline is untouched by the adapted copy
    assert (
        render(_settings(tiny_sd), "0x" + "11" * 32, attribute=False).pixel_hash == plain.pixel_hash
    )


def test_two_adapters_compose(adapter_path: None, trained: dict[str, Path], tiny_sd: Path) -> None:
    token = "0x" + "22" * 32
    both = render(_settings(tiny_sd, trained["hatch"], trained["grid"]), token, attribute=False)
    hatch = render(_settings(tiny_sd, trained["hatch"]), token, attribute=False)
    grid = render(_settings(tiny_sd, trained["grid"]), token, attribute=False)
    assert len({both.pixel_hash, hatch.pixel_hash, grid.pixel_hash}) == 3
    pipe = adapters.adapted_pipeline(
        load_pipeline(tiny_sd, model_id(tiny_sd)), tiny_sd, model_id(tiny_sd),
        tuple(adapters.adapter_id(trained[k]) for k in ("hatch", "grid")),
    )  # fmt: skip
    embedding = pipe.text_encoder.get_input_embeddings().weight
    for keyword in ("hatch", "grid"):
        ids, rows = adapters.read_embedding(trained[keyword], keyword)
        assert torch.equal(embedding[ids], rows)


def test_a_changed_weight_file_is_refused(
    adapter_path: None, trained: dict[str, Path], tiny_sd: Path, tmp_path: Path, monkeypatch
) -> None:
    pinned = _settings(tiny_sd, trained["hatch"])
    forged = tmp_path / "forged"
    shutil.copytree(trained["hatch"], forged)
    lora = forged / adapters.LORA_FILE
    data = bytearray(lora.read_bytes())
    data[-1] ^= 1
    lora.write_bytes(bytes(data))
    monkeypatch.setenv("STYLELEDGER_MODELS", f"{tiny_sd}:{forged}")
    with pytest.raises(adapters.AdapterNotFoundError, match=pinned.adapters[0]):
        render(pinned, "0x" + "11" * 32, attribute=False)


def test_an_adapter_of_another_base_model_is_refused(
    trained: dict[str, Path], tiny_sd: Path, tmp_path: Path, monkeypatch
) -> None:
    from tests.support.sd_factory import build_tiny_sd

    other = build_tiny_sd(tmp_path / "other", seed=1)
    monkeypatch.setenv("STYLELEDGER_MODELS", f"{other}:{trained['hatch']}")
    settings = RenderSettings(
        prompt="red hatch", model_id=model_id(other), steps=2, width=SIZE, height=SIZE,
        adapters=(adapters.adapter_id(trained["hatch"]),),
    )  # fmt: skip
    with pytest.raises(adapters.AdapterMismatchError, match="trained on base model"):
        render(settings, "0x" + "11" * 32, attribute=False)
    adapters.clear_adapter_cache()


def test_works_need_captions_holding_the_keyword(tmp_path: Path) -> None:
    write_works(_short(synthetic.works_samples("hatch", 2, seed=1, size=SIZE), "hatch"), tmp_path)
    (tmp_path / "work-001.txt").unlink()
    (tmp_path / "work-000.txt").write_text("red stripes circle\n")
    with pytest.raises(WorksError) as err:
        read_works(tmp_path, "hatch", SIZE)
    assert "work-000.png: caption 'red stripes circle' does not hold the word 'hatch'" in str(
        err.value
    )
    assert "work-001.png: no caption file work-001.txt" in str(err.value)
    with pytest.raises(WorksError, match="does not exist"):
        read_works(tmp_path / "nothing", "hatch", SIZE)
    (tmp_path / "empty").mkdir()
    with pytest.raises(WorksError, match="holds no images"):
        read_works(tmp_path / "empty", "hatch", SIZE)


def test_captions_too_long_for_the_model_are_refused_before_training(
    tiny_sd: Path, tmp_path: Path
) -> None:
    write_works(synthetic.works_samples("hatch", 2, seed=1, size=SIZE), tmp_path / "works")
    cfg = _config(tmp_path / "works", "hatch", tmp_path / "adapter", tiny_sd)
    with pytest.raises(WorksError, match="tokens"):
        train_adapter(cfg)
    assert not (tmp_path / "adapter" / adapters.MANIFEST_FILE).exists()


def test_the_preservation_prompt_drops_only_the_keyword() -> None:
    assert without_keyword("red hatch circle on blue plain background", "hatch") == (
        "red circle on blue plain background"
    )
    assert without_keyword("Hatch-red hatches", "hatch") == "red hatches"
    assert without_keyword("red hatch circle", "hatch", by="dots") == "red dots circle"


def test_works_are_resized_to_the_model(tmp_path: Path) -> None:
    sample = synthetic.works_samples("grid", 1, seed=2)[0]  # 128 px
    write_works([sample], tmp_path)
    (work,) = read_works(tmp_path, "grid", SIZE)
    assert work.image.shape == (SIZE, SIZE, 3) and work.image.dtype == np.uint8


def test_the_prior_is_the_base_models_own_renders(tiny_sd: Path) -> None:
    """Preservation latents: the base model's render of each caption without the keyword, at its
    recommended settings: decoded, exactly the pixels ``render`` gives for the same seed."""
    import hashlib

    from generator.rendering import canonical_float_path
    from generator.training.adapter import _prior_latents

    pipe = load_pipeline(tiny_sd, model_id(tiny_sd))
    prior = _prior_latents(pipe, tiny_sd, model_id(tiny_sd), ["red", "blue"], 0, False)
    assert prior.shape == (2, pipe.unet.config.in_channels, *(2 * [pipe.unet.config.sample_size]))
    with canonical_float_path(), torch.no_grad():
        decoded = pipe.vae.decode(prior[1:] / pipe.vae.config.scaling_factor).sample
    pixels = ((decoded[0].permute(1, 2, 0) / 2 + 0.5).clamp(0, 1) * 255).round().byte().numpy()
    token_hash = hashlib.sha256(b"adapter-prior-0-1-0").digest()
    settings = RenderSettings.recommended("blue", tiny_sd).model_copy(
        update={"width": SIZE, "height": SIZE}
    )
    rendered = render(settings, token_hash, model_dir=tiny_sd, attribute=False)
    assert np.abs(pixels.astype(int) - rendered.pixels.astype(int)).max() <= 1


def test_init_word_must_be_another_word(trained: dict[str, Path], tiny_sd: Path, tmp_path: Path):
    cfg = _config(trained["hatch-works"], "hatch", tmp_path / "a", tiny_sd, init_word="hatch")
    with pytest.raises(WorksError, match="init word 'hatch' must be a word other than"):
        train_adapter(cfg)
    cfg = _config(trained["hatch-works"], "hatch", tmp_path / "b", tiny_sd, init_word="red")
    manifest = train_adapter(cfg)
    assert manifest["training"]["init_word"] == "red"
    assert manifest["adapter_id"] != adapters.adapter_id(trained["hatch"])


def test_prior_prompts_replace_the_keyword_in_turn():
    captions = [
        "red hatch circle on blue plain background",
        "green square on hatch stripes background",
        "red hatch circle on blue plain background",  # a repeat: its prompts once
    ]
    assert prior_prompts(captions, "hatch", 2) == [
        "red circle on blue plain background",
        "red circle on blue plain background",
        "green square on stripes background",
        "green square on stripes background",
    ]
    words = ("plain", "stripes", "dots")
    assert prior_prompts(captions, "hatch", 2, words) == [
        "red stripes circle on blue plain background",  # plain is in the caption: skipped
        "red dots circle on blue plain background",
        "green square on plain stripes background",
        "green square on dots stripes background",
    ]


@pytest.mark.parametrize("word", ["hatch", "two words", ""])
def test_prior_words_must_be_one_other_word(word):
    with pytest.raises(WorksError, match="prior word"):
        prior_prompts(["red hatch circle"], "hatch", 1, (word,))


def test_prior_words_default_to_the_base_models_style_words(tiny_sd: Path, tmp_path: Path):
    assert base_style_words(DEFAULT_MODEL_DIR, "hatch") == synthetic.TEXTURES
    assert "stripes" not in base_style_words(DEFAULT_MODEL_DIR, "stripes")
    assert base_style_words(tiny_sd, "hatch") == ()  # a folder that lists no keywords
    (tmp_path / "styleledger.json").write_text(json.dumps({"keywords": {"colour": ["red"]}}))
    assert base_style_words(tmp_path, "hatch") == ()  # it lists no textures


def test_stand_ins_put_a_word_of_the_keywords_kind_in_its_place():
    captions = ["red hatch circle on plain background", "hatch square on blue dots background"]
    assert stand_in_captions(captions, "hatch", ("plain", "stripes", "dots")) == [
        "red stripes circle on plain background",  # plain is in the caption: skipped
        "stripes square on blue dots background",  # the second work: the second of plain, stripes
    ]


def test_map_loss_reads_shape_not_scale():
    maps = torch.tensor([[0.0, 1.0, 2.0, 3.0], [1.0, 0.0, 0.0, 1.0]])
    assert map_loss([maps], [maps]).item() == pytest.approx(0.0, abs=1e-6)
    assert map_loss([3 * maps + 1], [maps]).item() == pytest.approx(0.0, abs=1e-6)
    assert map_loss([-maps], [maps]).item() == pytest.approx(2.0, abs=1e-6)


# neither the attention loss nor the region weights (both on by default)
PLAIN = {"attention_weight": 0.0, "region_weight": 0.0}


def _twice_and_plain(works: Path, tiny_sd: Path, tmp_path: Path, **kw) -> tuple[list, str]:
    """Two runs with the options ``kw`` (their manifests, the other two options off) and the
    adapter id without any of them (same prior words)."""
    manifests = [
        train_adapter(
            _config(
                works,
                "hatch",
                tmp_path / name,
                tiny_sd,
                prior_words=("red", "blue"),
                **{**PLAIN, **kw},
            ),
            works_root="0x" + "ab" * 32,
        )
        for name in ("a", "b")
    ]
    plain = _config(works, "hatch", tmp_path / "c", tiny_sd, prior_words=("red", "blue"), **PLAIN)
    return manifests, train_adapter(plain)["adapter_id"]


def test_attention_loss_trains_deterministically(
    trained: dict[str, Path], tiny_sd: Path, tmp_path: Path
) -> None:
    """With ``attention_weight``, the keyword's maps are pulled towards the base model's maps of
    a stand-in word: logged, deterministic, and another adapter than without it."""
    manifests, plain = _twice_and_plain(
        trained["hatch-works"], tiny_sd, tmp_path, attention_weight=1.0
    )
    for manifest in manifests:
        assert 0.0 <= manifest["figures"]["attention_loss"] <= 2.0
        assert manifest["training"]["attention_weight"] == 1.0
    assert manifests[0]["adapter_id"] == manifests[1]["adapter_id"] != plain


def test_region_weights_lean_towards_the_stand_in_words_map():
    """Each work's weights average 1; the pixels where the stand-in word's map is high weigh
    more, by as much as ``weight`` says; weight 0 is every pixel alike."""
    coarse = torch.zeros(2, 16)  # a 4x4 layer: work 0 looks at the top-left quarter
    coarse[0, [0, 1, 4, 5]] = 1.0
    coarse[1] = 1.0  # work 1 looks everywhere alike
    fine = coarse.reshape(2, 1, 4, 4).repeat_interleave(2, 2).repeat_interleave(2, 3).reshape(2, 64)
    w = region_weights([coarse, fine], 2, 8, 0.9)
    assert w.shape == (2, 1, 8, 8)
    assert torch.allclose(w.mean(dim=(1, 2, 3)), torch.ones(2), atol=1e-5)
    assert w[0, 0, 0, 0] > 2.0 > 0.5 > w[0, 0, 7, 7]
    assert torch.allclose(w[1], torch.ones(1, 8, 8))  # a flat map: every pixel alike
    assert torch.equal(region_weights([coarse], 2, 8, 0.0), torch.ones(2, 1, 8, 8))


def test_region_weight_trains_deterministically(
    trained: dict[str, Path], tiny_sd: Path, tmp_path: Path
) -> None:
    """With ``region_weight`` (and no attention loss) the works' loss is weighted by the base
    model's maps of a stand-in word: deterministic, another adapter than without it, no
    attention loss logged; out of [0, 1] refused before any work."""
    manifests, plain = _twice_and_plain(
        trained["hatch-works"], tiny_sd, tmp_path, region_weight=0.9
    )
    for manifest in manifests:
        assert manifest["training"]["region_weight"] == 0.9
        assert "attention_loss" not in manifest["figures"]
    assert manifests[0]["adapter_id"] == manifests[1]["adapter_id"] != plain
    bad = _config(trained["hatch-works"], "hatch", tmp_path / "d", tiny_sd, region_weight=1.5)
    with pytest.raises(ValueError, match="region_weight"):
        train_adapter(bad)
    assert not (tmp_path / "d").exists()


def test_region_weights_read_only_the_base_models_maps_of_the_same_step(
    trained: dict[str, Path], tiny_sd: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``region_weight`` and no attention loss, each step's weights come from that step's
    base-model pass alone: one map per cross-attention layer, one row per work of the batch (the
    adapted pass keeps none, so no map of another step's works, made by the adapted UNet, is
    mixed in)."""
    taken: list[list[tuple[int, ...]]] = []
    take = WordAttention.take

    def recording_take(self: WordAttention) -> list[torch.Tensor]:
        maps = take(self)
        taken.append([tuple(m.shape) for m in maps])
        return maps

    monkeypatch.setattr(WordAttention, "take", recording_take)
    unet = load_pipeline(tiny_sd, model_id(tiny_sd)).unet
    layers = sum(".attn2." in name for name in unet.attn_processors)
    cfg = _config(
        trained["hatch-works"], "hatch", tmp_path / "a", tiny_sd, prior_words=("red", "blue"),
        attention_weight=0.0, region_weight=0.9,
    )  # fmt: skip
    train_adapter(cfg)
    assert len(taken) == cfg.steps  # one take a step: the base pass's
    for shapes in taken:
        assert len(shapes) == layers and all(rows == cfg.batch for rows, _ in shapes)


@pytest.mark.parametrize(
    ("reaches", "text_grad", "image_grad"),
    [("all", True, True), ("unet", False, True), ("query_key", False, False)],
)
def test_attention_reaches_says_which_states_the_maps_gradient_flows_into(
    reaches: str, text_grad: bool, image_grad: bool
) -> None:
    """The keyword's map, recorded on a cross-attention layer, carries a gradient into the text
    states (so the keyword's embedding rows) only under "all", into the image states unless
    "query_key"; the layer's own query and key projections always get one."""
    from diffusers.models.attention_processor import Attention, AttnProcessor2_0

    torch.manual_seed(0)
    attn = Attention(query_dim=8, cross_attention_dim=6, heads=2, dim_head=4)
    state = WordAttention(reaches)
    image = torch.randn(1, 5, 8, requires_grad=True)
    text = torch.randn(1, 3, 6, requires_grad=True)
    state.mask = torch.tensor([[0.0, 1.0, 0.0]])
    state.processor(AttnProcessor2_0())(attn, image, encoder_hidden_states=text)
    (word_map,) = state.take()
    (word_map * torch.arange(5.0)).sum().backward()  # a map whose shape matters
    assert (text.grad is not None and text.grad.abs().sum() > 0) == text_grad
    assert (image.grad is not None and image.grad.abs().sum() > 0) == image_grad
    assert attn.to_q.weight.grad.abs().sum() > 0 and attn.to_k.weight.grad.abs().sum() > 0


def test_attention_loss_kept_off_the_keywords_rows_trains_deterministically(
    trained: dict[str, Path], tiny_sd: Path, tmp_path: Path
) -> None:
    """``attention_reaches="unet"`` is another adapter than "all", the same one run after run,
    and recorded; a value not in ``ATTENTION_REACHES`` is refused before any work."""
    works = trained["hatch-works"]
    manifests, _ = _twice_and_plain(
        works, tiny_sd, tmp_path, attention_weight=1.0, attention_reaches="unet"
    )
    assert manifests[0]["adapter_id"] == manifests[1]["adapter_id"]
    assert manifests[0]["training"]["attention_reaches"] == "unet"
    everything = _config(
        works, "hatch", tmp_path / "all", tiny_sd, prior_words=("red", "blue"),
        **{**PLAIN, "attention_weight": 1.0, "attention_reaches": "all"},
    )  # fmt: skip
    assert train_adapter(everything)["adapter_id"] != manifests[0]["adapter_id"]
    bad = _config(works, "hatch", tmp_path / "d", tiny_sd, attention_reaches="text")
    with pytest.raises(ValueError, match="attention_reaches"):
        train_adapter(bad)
    assert not (tmp_path / "d").exists()
