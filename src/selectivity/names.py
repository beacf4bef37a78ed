"""Names shared by the package, the workflow and the config schema (imports nothing heavy, so
the Snakefile reads them at parse time). A test checks that the schema agrees."""

from __future__ import annotations

DATASETS = ("cifar10", "fashion_mnist", "tiny_imagenet", "digits", "synthetic")

# the two readings of a convolutional layer's datapoints for representational similarity (A.2)
SIMILARITY_READINGS = ("positions", "images")

# model name in the config -> the name figures print ("ResNet20", as the paper writes it)
MODELS = {"resnet20": "ResNet20", "vgg16": "VGG16", "resnet18": "ResNet18", "resnet50": "ResNet50"}


def model_display_name(model: str, model_options: dict | None = None) -> str:
    """"ResNet20", or "ResNet20 (leaky ReLU, b = 0.5)" for a leaky-ReLU variant."""
    name = MODELS.get(model, model)
    options = model_options or {}
    if options.get("activation") == "leaky_relu":
        name += f" (leaky ReLU, b = {options.get('negative_slope', 0.01):g})"
    return name
