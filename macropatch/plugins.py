"""Plugins: a user's signals and strategies, from files, modules or installed packages.

Requires the entries of an experiment's ``plugins`` list (a ``.py`` file,
relative to the experiment file, or an importable module name) and the
entry points of installed packages (groups ``macropatch.signals`` and
``macropatch.strategies``). Produces a :class:`Registry`: the built-in signals
and strategies plus every :class:`~macropatch.signals.base.Signal` and
:class:`~macropatch.strategies.base.Strategy` subclass the plugins define
(concrete, with a ``name``), by name.

Refused, as one-line errors naming the culprit: a file or module that cannot
be imported; a name that collides with a built-in or with another plugin's
(naming both); a signal whose inputs the catalog lacks; a signal that reads
ahead (:func:`~macropatch.signals.lookahead.check_no_lookahead`, run on every
plugin signal when it is loaded).

A file is imported as a top-level module named after it, its folder put last on
``sys.path``, so that sweep workers (other processes) import the same classes
by the same name; a file whose name another module already has is refused.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import inspect
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from macropatch.marketdata.catalog import Catalog
from macropatch.marketdata.errors import UserError
from macropatch.signals.base import Signal
from macropatch.signals.lookahead import check_no_lookahead
from macropatch.signals.registry import SIGNALS
from macropatch.strategies.base import Strategy
from macropatch.strategies.registry import STRATEGIES

__all__ = ["ENTRY_POINT_GROUPS", "Registry", "load_plugins"]

#: The entry-point groups an installed package registers its classes under.
ENTRY_POINT_GROUPS = {"signal": "macropatch.signals", "strategy": "macropatch.strategies"}


@dataclass(frozen=True, kw_only=True)
class Registry:
    """Signals and strategies by name, and where each plugin's came from."""

    signals: Mapping[str, type[Signal]] = field(default_factory=lambda: dict(SIGNALS))
    strategies: Mapping[str, type[Strategy]] = field(default_factory=lambda: dict(STRATEGIES))
    origins: Mapping[str, str] = field(default_factory=dict)
    """``"signal name"`` or ``"strategy name"`` -> the plugin it came from."""
    modules: tuple[str, ...] = ()
    """The plugin modules, in load order (sweep workers import them first)."""


def _origin_of(
    kind: str, name: str, registry: dict[str, dict[str, type]], origins: dict[str, str]
) -> str:
    if f"{kind} {name}" in origins:
        return origins[f"{kind} {name}"]
    cls = registry[kind][name]
    return f"the built-in {kind} ({cls.__module__}.{cls.__qualname__})"


def _import_file(path: Path, entry: str) -> ModuleType:
    """Import the plugin file ``path`` (``entry`` as the experiment wrote it) as a top-level
    module named after it.
    """
    if not path.is_file():
        raise UserError(f"plugin {entry}: no such file ({path})")
    name = path.stem
    if not name.isidentifier():
        raise UserError(f"plugin {entry}: {name!r} is not a Python module name (rename the file)")
    loaded = sys.modules.get(name)
    if loaded is not None:
        if Path(getattr(loaded, "__file__", "") or "").resolve() == path.resolve():
            return loaded
        raise UserError(
            f"plugin {entry}: the module name {name!r} is taken by "
            f"{getattr(loaded, '__file__', name)} (rename the file)"
        )
    found = importlib.util.find_spec(name)
    if found is not None and found.origin and Path(found.origin).resolve() != path.resolve():
        raise UserError(
            f"plugin {entry}: the module name {name!r} is taken by {found.origin} (rename the file)"
        )
    folder = str(path.parent.resolve())
    if folder not in sys.path:
        # last, so the folder's other files never shadow a module of the standard library or
        # an installed package, here or in the processes this one starts
        sys.path.append(folder)
    return _import_module(name, shown=entry)


def _import_module(name: str, *, shown: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except UserError:
        raise
    except Exception as error:  # a plugin's own bug: name the plugin, keep it to one line
        raise UserError(
            f"plugin {shown}: importing it failed: {type(error).__name__}: {error}"
        ) from None


def _defined_in(module: ModuleType) -> Iterable[type]:
    for _, cls in inspect.getmembers(module, inspect.isclass):
        if (
            cls.__module__ == module.__name__
            and not inspect.isabstract(cls)
            and issubclass(cls, (Signal, Strategy))
            and bool(vars(cls).get("name") or getattr(cls, "name", None))
        ):
            yield cls


def _entry_point_classes() -> Iterable[tuple[type, str]]:
    for group in ENTRY_POINT_GROUPS.values():
        for point in importlib.metadata.entry_points(group=group):
            try:
                loaded = point.load()
            except Exception as error:
                raise UserError(
                    f"entry point {point.name!r} ({point.value}, group {group}): loading it "
                    f"failed: {type(error).__name__}: {error}"
                ) from None
            yield loaded, f"entry point {point.name!r} ({point.value})"


def load_plugins(
    entries: Sequence[str],
    *,
    base: Path,
    catalog: Catalog,
    entry_points: bool = True,
    extra: Registry | None = None,
) -> Registry:
    """The built-ins plus the classes of ``entries`` (files relative to ``base``, or module
    names), of installed packages' entry points and of ``extra`` (classes given from
    Python), each checked (see the module).
    """
    registry: dict[str, dict[str, type]] = {"signal": dict(SIGNALS), "strategy": dict(STRATEGIES)}
    origins: dict[str, str] = {}
    modules: list[str] = []
    found: list[tuple[type, str]] = []
    for entry in entries:
        if entry.endswith(".py") or "/" in entry or "\\" in entry:
            path = (base / entry).expanduser()
            module = _import_file(path, entry)
            shown = f"plugin {entry}"
        else:
            module = _import_module(entry, shown=entry)
            shown = f"plugin {entry}"
        modules.append(module.__name__)
        classes = list(_defined_in(module))
        if not classes:
            raise UserError(f"{shown}: defines no Signal or Strategy subclass with a name")
        found.extend((cls, shown) for cls in classes)
    if entry_points:
        found.extend(_entry_point_classes())
    if extra is not None:
        for kind, known in (("signal", extra.signals), ("strategy", extra.strategies)):
            builtin = SIGNALS if kind == "signal" else STRATEGIES
            found.extend(
                (cls, extra.origins.get(f"{kind} {name}", f"{cls.__module__}.{cls.__qualname__}"))
                for name, cls in known.items()
                if builtin.get(name) is not cls
            )
    for cls, shown in found:
        if not (isinstance(cls, type) and issubclass(cls, (Signal, Strategy))):
            raise UserError(f"{shown}: {cls!r} is not a Signal or Strategy subclass")
        kind = "signal" if issubclass(cls, Signal) else "strategy"
        name = str(cls.name)
        if name in registry[kind]:
            if registry[kind][name] is cls:
                continue  # the same class reached twice (a module and its entry point)
            raise UserError(
                f"{shown}: {kind} {name!r} collides with "
                f"{_origin_of(kind, name, registry, origins)}"
            )
        if issubclass(cls, Signal):
            _check_signal(cls, shown, catalog)
        registry[kind][name] = cls
        origins[f"{kind} {name}"] = shown
    return Registry(
        signals=registry["signal"],
        strategies=registry["strategy"],
        origins=origins,
        modules=tuple(modules),
    )


def _check_signal(cls: type[Signal], shown: str, catalog: Catalog) -> None:
    """A plugin signal builds with its defaults, reads catalog series, and never reads ahead."""
    try:
        signal = cls()
    except (TypeError, ValueError) as error:
        raise UserError(
            f"{shown}: signal {cls.name!r} cannot be built with its defaults: {error}"
        ) from None
    unknown = [series for series in signal.inputs if series not in catalog]
    if unknown:
        raise UserError(
            f"{shown}: signal {cls.name!r} reads {unknown[0]!r}, which is not a catalog series"
        )
    try:
        check_no_lookahead(signal, catalog=catalog)
    except UserError as error:
        raise UserError(f"{shown}: {error}") from None
