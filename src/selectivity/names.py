"""Names shared by the package, the workflow and the config schema (imports nothing heavy, so
the Snakefile reads them at parse time). A test checks that the schema agrees. The model and
dataset names are their registries' keys (``models.registry``, ``data.registry``)."""

from __future__ import annotations

from .defaults import ANALYSIS, MODEL_OPTIONS
from .models.registry import MODELS

# the two readings of a convolutional layer's datapoints for representational similarity (A.2):
# "positions" and "images", both of them the default
SIMILARITY_READINGS = ANALYSIS["similarity_readings"]


def model_display_name(model: str, model_options: dict | None = None) -> str:
    """"ResNet20", or "ResNet20 (leaky ReLU, b = 0.5)" for a leaky-ReLU variant."""
    name = MODELS[model].display if model in MODELS else model
    options = model_options or {}
    if options.get("activation") == "leaky_relu":
        name += f" (leaky ReLU, b = {options.get('negative_slope', MODEL_OPTIONS['negative_slope']):g})"
    return name
