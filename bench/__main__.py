"""`python -m bench [NAME…]`: run the named benchmarks (all when none is named); `--list` lists them."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import bench


def _discover() -> None:
    """Import every module of the package, so each one's @register runs."""
    for info in pkgutil.iter_modules(bench.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"bench.{info.name}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run Zhili's benchmarks. Each prints one line: NAME: ratio=R (zhili X s, baseline Y s) …",
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement; the best is kept (default 5)")
    parser.add_argument(
        "--min-time",
        type=float,
        default=0.2,
        metavar="SECONDS",
        help="iterations per run grow until one run lasts this long (default 0.2)",
    )
    for b in bench.REGISTRY.values():
        if b.arguments:
            b.arguments(parser.add_argument_group(b.name))
    return parser


def main(argv: list[str] | None = None) -> int:
    _discover()
    parser = _parser()
    args = parser.parse_args(argv)
    if args.list:
        for b in bench.REGISTRY.values():
            print(f"{b.name}: {b.help}")
        return 0
    unknown = [n for n in args.names if n not in bench.REGISTRY]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(bench.REGISTRY)}")
    selected = [bench.REGISTRY[n] for n in (args.names or bench.REGISTRY)]
    try:
        if any(b.database for b in selected):
            bench.configure_django()
        for b in selected:
            if b.database:
                with bench.throwaway_database():
                    report = b.run(args)
            else:
                report = b.run(args)
            for line in bench.format_report(b.name, report):
                print(line, flush=True)
    finally:
        bench.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
