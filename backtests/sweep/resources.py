"""What a sweep will need, measured against what the machine has, before any work starts.

Requires the number of variants and trading days. Produces a
:class:`Footprint` (disk for the batch files, memory to assemble every
variant's returns at the end) and :func:`check_footprint`,
which refuses with a :class:`macropatch.marketdata.errors.UserError` what cannot fit:
more disk than is free where the batches go, or an assembly larger than the
memory budget. :func:`physical_memory` is the machine's memory, or the
container's limit when that is lower; a memory budget above it is refused
by :func:`check_memory_budget`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from macropatch.marketdata.errors import UserError

__all__ = [
    "ASSEMBLY_BASELINE_BYTES",
    "ASSEMBLY_COPIES",
    "Footprint",
    "check_footprint",
    "check_memory_budget",
    "free_disk",
    "physical_memory",
]

_BYTES = 8
#: The variants x days matrices the end of a sweep holds at once: the returns, the active
#: returns over the twins and the metrics' temporaries. Measured: a sweep of 10,400
#: variants x 6,685 days (0.56 GB of returns) peaked 1.6 GB above its 0.41 GB before the
#: batches, 2.9 copies.
ASSEMBLY_COPIES = 3
#: What a sweep holds before its results: libraries, prices, signals (0.41 GB measured).
ASSEMBLY_BASELINE_BYTES = 512 * 2**20
#: Of the free disk, what the batch files may take.
DISK_SHARE = 0.9


def _gib(size: float) -> str:
    """A size in GiB, or in MiB below one GiB (a 10 MB budget is not "0.0 GiB")."""
    return f"{size / 2**30:.1f} GiB" if size >= 2**30 else f"{size / 2**20:.0f} MiB"


@dataclass(frozen=True, kw_only=True)
class Footprint:
    """What a sweep of ``variants`` over ``days`` trading days needs."""

    variants: int
    days: int

    @property
    def disk_bytes(self) -> int:
        """The batch files: daily returns and turnover of every variant, plus their headers."""
        return self.variants * ((self.days + 1) * _BYTES + 64) + 2**16

    @property
    def assembly_bytes(self) -> int:
        """Memory the calling process needs at the end: its baseline and every variant's
        numbers in :data:`ASSEMBLY_COPIES` copies.
        """
        return ASSEMBLY_BASELINE_BYTES + ASSEMBLY_COPIES * self.variants * self.days * _BYTES


def physical_memory() -> int | None:
    """Bytes of memory this process can have: the machine's, or its cgroup's limit."""
    sizes = []
    with contextlib.suppress(ValueError, OSError, AttributeError):
        sizes.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:
            sizes.append(int(text))
    return min(sizes) if sizes else None


def free_disk(folder: Path) -> int | None:
    """Free bytes on the file system that holds (or would hold) ``folder``."""
    existing = next((path for path in (folder, *folder.parents) if path.exists()), None)
    if existing is None:
        return None
    try:
        return shutil.disk_usage(existing).free
    except OSError:
        return None


def check_memory_budget(max_memory: int) -> None:
    """Refuse a memory budget above what the machine has."""
    memory = physical_memory()
    if memory is not None and max_memory > memory:
        raise UserError(
            f"--max-memory: {_gib(max_memory)} is more than this machine's memory "
            f"({_gib(memory)}); give at most that"
        )


def check_footprint(footprint: Footprint, *, folder: Path, max_memory: int) -> None:
    """Refuse a sweep whose batches would not fit the free disk under ``folder``, or whose
    final assembly would not fit ``max_memory``.
    """
    shape = f"{footprint.variants:,} variants x {footprint.days:,} days"
    free = free_disk(folder)
    if free is not None and footprint.disk_bytes > DISK_SHARE * free:
        raise UserError(
            f"the sweep's batches ({shape}) need about {_gib(footprint.disk_bytes)} of disk, "
            f"and {folder} has {_gib(free)} free: sweep fewer variants or choose another --out"
        )
    if footprint.assembly_bytes > max_memory:
        memory = physical_memory()
        room = f" (this machine has {_gib(memory)})" if memory else ""
        raise UserError(
            f"--max-memory: the sweep's results ({shape}) need about "
            f"{_gib(footprint.assembly_bytes)} of memory to assemble, above the budget of "
            f"{_gib(max_memory)}{room}: raise --max-memory or sweep fewer variants"
        )
