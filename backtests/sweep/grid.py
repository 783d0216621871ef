"""The parameter grid of a sweep: dotted parameter paths and the values each takes.

Requires parameter paths and their values, from an experiment's
``[sweep.parameters]`` table or from the command line
(``--param PATH=START:STOP:STEP``). Produces a :class:`Grid`: every
combination of the values (the first path varies slowest), each variant a
mapping from path to value, and the column index that names a sweep's
variants after their parameters.

A path names one parameter:

- ``signals.<signal>.<field>``: a field of a registered signal
  (``signals.valuation_gap.threshold``);
- ``strategy.<field>``: a parameter of the swept strategy
  (``strategy.growth_weight``).

Values are a list (``[0.1, 0.2]``), a range ``{start, stop, step}`` or, on the
command line, ``START:STOP:STEP`` or ``a,b,c``. A range includes ``stop`` when
it lands on it (within a millionth of a step) and its values are rounded to
12 significant digits, so ``0.04:0.06:0.005`` gives ``0.04, 0.045, ..., 0.06``
and never ``0.045000000000000005``. Values are finite: ``nan``, ``inf`` or a
number too large for a float is refused, as is a range of more than
:data:`MAXIMUM_VARIANTS` values.
"""

from __future__ import annotations

import enum
import itertools
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from macropatch.marketdata.errors import UserError

__all__ = [
    "MAXIMUM_VARIANTS",
    "Grid",
    "ParameterPath",
    "Section",
    "parse_assignment",
    "parse_path",
    "value_range",
]

#: More variants than this is almost surely a typo in a step.
MAXIMUM_VARIANTS = 1_000_000

Value = bool | int | float | str


class Section(enum.Enum):
    """What a parameter path belongs to."""

    SIGNALS = "signals"
    STRATEGY = "strategy"


@dataclass(frozen=True)
class ParameterPath:
    """One parameter: ``signals.<owner>.<field>`` or ``strategy.<field>``."""

    section: Section
    owner: str
    field: str

    def __str__(self) -> str:
        """The dotted path, e.g. ``signals.vix_cheap.threshold``."""
        if self.section is Section.SIGNALS:
            return f"signals.{self.owner}.{self.field}"
        return f"strategy.{self.field}"


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"


def parse_path(text: str) -> ParameterPath:
    """A :class:`ParameterPath` from its dotted text; a :class:`UserError` names a bad one."""
    if match := re.fullmatch(rf"signals\.({_NAME})\.({_NAME})", text):
        return ParameterPath(Section.SIGNALS, match.group(1), match.group(2))
    if match := re.fullmatch(rf"strategy\.({_NAME})", text):
        return ParameterPath(Section.STRATEGY, "", match.group(1))
    raise UserError(
        f"sweep parameter {text!r}: expected signals.<signal>.<field> or strategy.<field>"
    )


def _rounded(value: float) -> float:
    return 0.0 if value == 0 else float(f"{value:.12g}")


def _finite(item: object) -> bool:
    """A number that is finite as a float (an int too large for one is not)."""
    if not isinstance(item, int | float) or isinstance(item, bool):
        return False
    try:
        return math.isfinite(item)
    except OverflowError:
        return False


def value_range(start: float, stop: float, step: float, *, where: str) -> tuple[Value, ...]:
    """``start, start + step, ...`` up to ``stop`` included (see the module docstring)."""
    numbers = (start, stop, step)
    if not all(_finite(item) for item in numbers):
        raise UserError(f"{where}: start, stop and step must be finite numbers")
    if step <= 0:
        raise UserError(f"{where}: step must be above 0, got {step}")
    if stop < start:
        raise UserError(f"{where}: stop {stop} is below start {start}")
    span = (stop - start) / step  # may overflow to inf for a tiny step
    if not span < MAXIMUM_VARIANTS:
        raise UserError(f"{where}: over {MAXIMUM_VARIANTS:,} values; is the step {step} right?")
    count = math.floor(span + 1e-6) + 1
    if all(isinstance(item, int) and not isinstance(item, bool) for item in numbers):
        return tuple(int(start + position * step) for position in range(count))
    return tuple(_rounded(start + position * step) for position in range(count))


def _number(text: str, where: str) -> Value:
    if re.fullmatch(r"[+-]?[0-9]+", text):  # ASCII digits: int() also reads other scripts
        return int(text)
    if re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", text):
        number = float(text)
        if not math.isfinite(number):
            raise UserError(f"{where}: {text!r} is too large a number")
        return number
    if text.lower() in ("nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"):
        raise UserError(f"{where}: {text!r} is not a finite number")
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        return text
    raise UserError(f"{where}: {text!r} is not a number or a name")


def parse_assignment(text: str) -> tuple[ParameterPath, tuple[Value, ...]]:
    """``PATH=START:STOP:STEP`` or ``PATH=a,b,c`` from the command line."""
    path_text, equals, values_text = text.partition("=")
    if not equals or not values_text.strip():
        raise UserError(f"--param {text!r}: expected PATH=START:STOP:STEP or PATH=a,b,c")
    path = parse_path(path_text.strip())
    where = f"--param {path}"
    parts = [part.strip() for part in values_text.split(":")]
    if len(parts) == 3:
        start, stop, step = (_number(part, where) for part in parts)
        if not all(isinstance(item, int | float) for item in (start, stop, step)):
            raise UserError(f"{where}: START:STOP:STEP must be numbers")
        return path, value_range(start, stop, step, where=where)  # type: ignore[arg-type]
    if len(parts) != 1:
        raise UserError(f"--param {text!r}: expected PATH=START:STOP:STEP or PATH=a,b,c")
    values = tuple(_number(part.strip(), where) for part in values_text.split(","))
    return path, values


@dataclass(frozen=True)
class Grid:
    """Every combination of the values of some parameters.

    Attributes
    ----------
    axes
        ``(path, values)`` pairs, in order; each path once, each with at
        least one value and no value twice.
    """

    axes: tuple[tuple[ParameterPath, tuple[Value, ...]], ...]

    def __post_init__(self) -> None:
        """Refuse an empty grid, a path given twice, or an axis without values or with a repeat."""
        if not self.axes:
            raise UserError("a sweep needs at least one parameter with values")
        paths = [str(path) for path, _ in self.axes]
        for path, values in self.axes:
            if paths.count(str(path)) > 1:
                raise UserError(f"sweep parameter {path} is given twice")
            if not values:
                raise UserError(f"sweep parameter {path} has no values")
            numbers = [value for value in values if isinstance(value, int | float)]
            if any(not _finite(value) for value in numbers if not isinstance(value, bool)):
                raise UserError(f"sweep parameter {path}: values must be finite numbers")
            if len(set(values)) != len(values):
                raise UserError(f"sweep parameter {path} repeats a value")
        if len(self) > MAXIMUM_VARIANTS:
            raise UserError(f"the sweep has {len(self)} variants, above {MAXIMUM_VARIANTS}")

    @classmethod
    def from_mapping(cls, parameters: Mapping[str, Sequence[Value]]) -> Grid:
        """A grid from ``{"signals.x.threshold": [values], ...}``."""
        return cls(tuple((parse_path(key), tuple(values)) for key, values in parameters.items()))

    def merged(self, overrides: Sequence[tuple[ParameterPath, tuple[Value, ...]]]) -> Grid:
        """The grid with ``overrides`` replacing (or adding) the values of their paths."""
        replaced = dict(self.axes)
        replaced.update(dict(overrides))
        return Grid(tuple(replaced.items()))

    def __len__(self) -> int:
        """How many variants: the product of the axes' lengths."""
        return math.prod(len(values) for _, values in self.axes)

    @property
    def names(self) -> list[str]:
        """The paths as text: the names of the column levels."""
        return [str(path) for path, _ in self.axes]

    def variants(self) -> Iterator[dict[ParameterPath, Value]]:
        """Every combination, the first path varying slowest."""
        paths = [path for path, _ in self.axes]
        for combination in itertools.product(*(values for _, values in self.axes)):
            yield dict(zip(paths, combination, strict=True))

    def columns(self) -> pd.MultiIndex:
        """One column per variant, levels named after the paths (in :meth:`variants` order)."""
        return pd.MultiIndex.from_product(
            [list(values) for _, values in self.axes], names=self.names
        )

    def describe(self) -> str:
        """``signals.x.threshold (5 values) x strategy.y (3 values) = 15 variants``."""
        parts = " x ".join(f"{path} ({len(values)} values)" for path, values in self.axes)
        return f"{parts} = {len(self)} variants"
