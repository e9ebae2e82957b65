"""Pausing Python's cyclic garbage collector around bulk work.

Reading thousands of documents builds millions of small objects (YAML nodes, front-matter values,
cache rows), and every 700 new container objects the collector scans the young ones for cycles.
None of them form cycles, and reference counting frees them as they go, so those scans are pure
cost. Measured here: analysing 3,000 documents in one process, 1.55 s of CPU paused against 1.7
to 2.0 s; reading the 1,000 documents of a site, about 7% less. (In the process pool of a cold
run the workers' heaps are small, and no difference showed.)
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """The collector off for the block (and back on after it, if it was on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
