"""Child process of the memory test: convert a synthetic image far larger than its budget.

Prints one JSON line: RSS after every import (baseline), peak RSS (``VmHWM``), and what the
source served. Run as ``python -m tests.convert.memory_child DEST SHAPE DTYPE BUDGET LIMIT``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import psutil


def main() -> None:
    destination, shape_text, dtype, budget, limit = sys.argv[1:6]
    # Everything a conversion imports, before the baseline is taken.
    import ome_types
    import ome_zarr_models.v05.image
    import zarr

    import imagesteward.convert
    from imagesteward.convert import ConvertOptions, to_ome_zarr
    from tests.convert.sources import SyntheticSource

    del ome_types, ome_zarr_models, zarr, imagesteward
    shape = tuple(int(n) for n in shape_text.split("x"))
    source = SyntheticSource("CYX", shape, dtype)
    source.limit = int(limit)
    baseline = psutil.Process().memory_info().rss
    result = to_ome_zarr(source, destination, ConvertOptions(memory_bytes=int(budget), workers=2))
    # VmHWM: the peak of this process image. (ru_maxrss would carry over the RSS of the
    # forked parent - the test runner - across exec.)
    status = Path("/proc/self/status").read_text()
    line = next(entry for entry in status.splitlines() if entry.startswith("VmHWM:"))
    peak = int(line.split()[1]) * 1024
    print(
        json.dumps(
            {
                "baseline": baseline,
                "peak": peak,
                "image_bytes": source.nbytes,
                "bytes_read": source.bytes_read,
                "largest_read": source.largest_read,
                "calls": source.calls,
                "workers": result.workers,
                "regions": result.regions,
                "levels": [list(level) for level in result.series[0].levels],
                "chunks": list(result.series[0].chunks),
            }
        )
    )


if __name__ == "__main__":
    main()
