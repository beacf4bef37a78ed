"""Training with the class-selectivity knob: loss = CE - alpha * mu_SI (paper Eq. 2).

- ``config``: ``RunConfig``, the effective configuration of one run, and its hash.
- ``loss``: the regularized loss of one minibatch.
- ``networks``: what is trained -- one run's model or a stack of K seeds -- behind one protocol.
- ``speed``: device, precision, memory format, torch.compile (``Speed``).
- ``loop``: ``train_run`` / ``train_runs``, the loop that writes a run's folder.
- ``checkpoint``: trained models and resume states on disk.
- ``gpu_slots``: which GPU a training process uses.

The names below load their module on first use (``selectivity.lazy``), so ``import
selectivity.training.config`` (the workflow's) does not import the loop.
"""

from ..lazy import lazy_exports

_EXPORTS = {
    "RunConfig": "config", "hashed": "config",
    "train_run": "loop", "train_runs": "loop",
    "load_model": "checkpoint", "save_model": "checkpoint",
    "SeedStack": "networks", "SingleModel": "networks",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
