"""Names shared by the package, the workflow and the config schema (imports nothing, so the
Snakefile reads them at parse time). The model and dataset names are their registries' keys
(``models.registry``, ``data.registry``)."""

from __future__ import annotations

# the two readings of a convolutional layer's datapoints for representational similarity (A.2)
SIMILARITY_READINGS = ("positions", "images")
