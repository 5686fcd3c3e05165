"""Child process of the crash test: convert a synthetic image, print the result as JSON.

``python -m tests.convert.convert_child DEST CxYxX BUDGET``
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    from imagesteward.convert import ConvertOptions, to_ome_zarr
    from tests.convert.sources import SyntheticSource

    destination, shape_text, budget = sys.argv[1:4]
    shape = tuple(int(n) for n in shape_text.split("x"))
    source = SyntheticSource("CYX", shape, "uint16", physical_size_x=0.5, physical_size_y=0.5)
    result = to_ome_zarr(source, destination, ConvertOptions(memory_bytes=int(budget), workers=2))
    print(
        json.dumps(
            {
                "status": result.status,
                "regions": result.regions,
                "resumed": result.regions_resumed,
                "levels": len(result.series[0].levels),
            }
        )
    )


if __name__ == "__main__":
    main()
