#!/usr/bin/env python3
"""Checks that no function in the crates' sources is longer than a newcomer reads in one sitting.

Counts the lines of every `fn` body in core/src, pg_agenttrace/src and ingress/src (tests, benches
and fuzz targets are not checked; `#[cfg(test)]` modules inside sources are) and fails listing
those over the limit (150 lines; `--limit N` to change it). Data tables are `const`/`static`
items, not functions, so they are not counted. Run by `scripts/test.sh --quick`.
  scripts/check-fn-length.py [--limit N] [dir ...]
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from importlib import import_module

strip = import_module("check-layers").strip
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIRS = ["core/src", "pg_agenttrace/src", "ingress/src"]
FN = re.compile(r'\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?(extern\s+"C"\s+)?fn\s+(\w+)')


def long_functions(path, limit):
    lines = strip(open(path).read()).split("\n")
    out = []
    for i, line in enumerate(lines):
        m = FN.match(line)
        if not m:
            continue
        depth, started, j = 0, False, i
        while j < len(lines):
            for ch in lines[j]:
                if ch == "{":
                    depth, started = depth + 1, True
                elif ch == "}":
                    depth -= 1
            if started and depth <= 0:
                break
            if not started and lines[j].rstrip().endswith(";"):
                break
            j += 1
        if j - i + 1 > limit:
            out.append((j - i + 1, f"{os.path.relpath(path, ROOT)}:{i + 1}", m.group(7)))
    return out


def main():
    args = sys.argv[1:]
    limit = 150
    if args[:1] == ["--limit"]:
        limit, args = int(args[1]), args[2:]
    found = []
    for d in args or DIRS:
        for dp, _, fns in os.walk(os.path.join(ROOT, d)):
            for f in sorted(fns):
                if f.endswith(".rs"):
                    found += long_functions(os.path.join(dp, f), limit)
    if found:
        print(f"functions over {limit} lines (split them by responsibility):")
        for n, where, name in sorted(found, reverse=True):
            print(f"  {n:4} lines  {name}  {where}")
        sys.exit(1)
    print(f"no function over {limit} lines in {', '.join(args or DIRS)}")


if __name__ == "__main__":
    main()
