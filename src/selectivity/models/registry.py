"""The model registry: name in the config -> ``ModelSpec`` (imports nothing heavy: the Snakefile,
the config schema and the CLI read it). A new model is its module plus one entry here."""

from __future__ import annotations

from dataclasses import dataclass

from ..defaults import MODEL_OPTIONS

# the options every model takes (the config schema fills their defaults in for every experiment)
BASE_OPTIONS = tuple(MODEL_OPTIONS)


@dataclass(frozen=True)
class ModelSpec:
    factory: str  # "module:function", called as function(num_classes=, in_channels=, **options)
    display: str  # the name figures print ("ResNet20", as the paper writes it)
    options: tuple[str, ...] = BASE_OPTIONS  # the model_options it takes (see the config schema)


MODELS: dict[str, ModelSpec] = {
    "resnet20": ModelSpec("selectivity.models.resnet:resnet20", "ResNet20"),
    "vgg16": ModelSpec("selectivity.models.vgg:vgg16", "VGG16"),
    "resnet18": ModelSpec("selectivity.models.resnet_imagenet:resnet18", "ResNet18", BASE_OPTIONS + ("stem",)),
    "resnet50": ModelSpec("selectivity.models.resnet_imagenet:resnet50", "ResNet50", BASE_OPTIONS + ("stem",)),
}


def model_spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}: choose one of {sorted(MODELS)}") from None


def takers(option: str) -> list[str]:
    """The models that take ``option``."""
    return [name for name, spec in MODELS.items() if option in spec.options]


def model_display_name(model: str, model_options: dict | None = None) -> str:
    """"ResNet20", or "ResNet20 (leaky ReLU, b = 0.5)" for a leaky-ReLU variant."""
    name = MODELS[model].display if model in MODELS else model
    options = model_options or {}
    if options.get("activation") == "leaky_relu":
        name += f" (leaky ReLU, b = {options.get('negative_slope', MODEL_OPTIONS['negative_slope']):g})"
    return name
