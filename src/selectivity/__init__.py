"""Class-selectivity regularization (Leavitt & Morcos, "Selectivity considered harmful", ICLR 2021).

The pieces a researcher uses on their own models:

- ``selectivity.metrics.class_selectivity``: the class selectivity index of Eq. 1, per unit.
- ``selectivity.metrics.mean_selectivity``: mu_SI of Eq. 3 (mean over layers of the mean over units).
- ``selectivity.units.UnitRecorder``: records spatially averaged unit activations of chosen layers.
- ``selectivity.models.build_model``: ResNet20, VGG16, ResNet18 and ResNet50 with their unit layers marked.
- ``selectivity.training.train_run``: the regularized training loop (loss = CE - alpha * mu_SI);
  ``train_runs`` trains several seeds of one alpha as one stack (``selectivity.training.networks``).
- ``selectivity.similarity``: representational distances on [datapoints, neurons] arrays: PWCCA (Morcos et
  al. 2018, the paper's), linear CKA (Kornblith et al. 2019) and orthogonal Procrustes (Ding et al. 2021).
- ``selectivity.analysis``: activation dumps, precision, dead units, per-unit tables.
"""

__version__ = "0.1.0"
