"""`make bench`: run every benchmark module in bench/ (or those named: python -m bench store admin)."""

import importlib
import pkgutil
import sys

import bench


def main(names):
    available = sorted(
        m.name[len("bench_") :] for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")
    )
    unknown = sorted(set(names) - set(available))
    if unknown:
        sys.exit(f"Unknown benchmark(s) {unknown}; available: {available}")
    for name in names or available:
        print(f"\n=== bench_{name} ===", flush=True)
        importlib.import_module(f"bench.bench_{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
