"""Names a package exports but loads on first use (PEP 562 ``__getattr__``), so importing one
module of a package does not import all of it. A package lists them in ``_EXPORTS`` (name -> its
module, relative to the package), which ``selectivity.code_inputs`` also reads."""

from __future__ import annotations

from importlib import import_module
from typing import Callable


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], object]:
    """The package's ``__getattr__``: ``name`` loads ``package.<exports[name]>`` and returns its
    attribute ``name``."""

    def __getattr__(name: str):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f".{exports[name]}", package), name)

    return __getattr__


def resolve(reference: str):
    """The object a registry's lazy ``"package.module:name"`` reference names (imported now).
    ``selectivity.code_inputs`` reads such strings as imports of the module that holds them."""
    module, _, name = reference.partition(":")
    if not module or not name:
        raise ValueError(f"{reference!r}: need 'module:name'")
    return getattr(import_module(module), name)
