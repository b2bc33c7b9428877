#!/usr/bin/env python3
"""Checks that module dependencies point one way in the Rust crates (no import circles).

For each crate (core/src, pg_agenttrace/src, ingress/src) it reads every `crate::...` and
`super::...` path in the code (comments, strings and test modules left out), resolves it to the
module it names, and builds two graphs:
  * between the crate's top-level modules (`normalize`, `run`, `analyze`, `store`, ...);
  * between the sibling submodules of each module (`run::tree`, `run::state`, ...), where a
    submodule's use of its parent's re-exports is not an edge.
A circle in either fails the check, listing the modules and one `file:line` per edge. The
top-level modules of core/ and pg_agenttrace/ also have declared layers (LAYERS below, bottom
first): a module may use modules of its own or lower layers only, and a new module must be given
a layer. Run by `scripts/test.sh --quick`.
  scripts/check-layers.py [crate-src-dir ...]
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRATES = ["core/src", "pg_agenttrace/src", "ingress/src"]
# Top-level modules per layer, bottom first (docs/design.md explains each).
LAYERS = {
    "core/src": [
        ["ids", "rng"],
        ["model"],
        ["redact"],
        ["logs"],  # log records and the GenAI content they carry
        ["otlp", "normalize", "runs"],  # decoding; per-span facts; trace stitching
        ["rows"],
        ["replay"],
        ["run"],  # the run model
        ["analyze", "incremental"],  # whole-run analysis and extension by batch, siblings
        ["corpus"],
        ["graph", "mast"],  # analysis of stored runs on demand
    ],
    "pg_agenttrace/src": [
        ["datums", "subxact"],  # SPI helpers
        ["shard_writes"],  # Citus: keyed writes deferred to one command per shard group
        ["columns"],  # set-based statements
        ["settings", "locks", "redact", "shard_apply"],  # shard_apply: those writes on a worker
        ["body", "store"],  # the body loop; writes and reads
        ["graph", "replay", "search", "mast"],  # SQL capabilities over stored rows
        ["logs", "judge"],
        ["ingest"],  # the SQL entry points of the pipeline
    ],
}


def strip(src):
    """The source with comments and string/char literals blanked (newlines kept)."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
            continue
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", "", src[i:j]))
            i = j
            continue
        if c == "r" and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            m = re.match(r'r(#*)"', src[i:i + 10])
            if m:
                end = '"' + m.group(1)
                j = src.find(end, i + len(m.group(0)))
                j = n if j < 0 else j + len(end)
                out.append(re.sub(r"[^\n]", "", src[i:j]))
                i = j
                continue
        if c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append(re.sub(r"[^\n]", "", src[i:j + 1]))
            i = j + 1
            continue
        if c == "'":
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^'\\])'", src[i:i + 12])
            if m:
                i += len(m.group(0))
                continue
        out.append(c)
        i += 1
    return "".join(out)


def drop_test_modules(src):
    """Removes `#[cfg(test)] mod x { ... }` blocks (tests may reach anywhere)."""
    out, pos = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*\{", src):
        if m.start() < pos:
            continue
        depth, j = 1, m.end()
        while j < len(src) and depth:
            depth += {"{": 1, "}": -1}.get(src[j], 0)
            j += 1
        out.append(src[pos:m.start()])
        out.append("\n" * src[m.start():j].count("\n"))
        pos = j
    out.append(src[pos:])
    return "".join(out)


def module_of(root, path):
    parts = os.path.relpath(path, root)[:-3].split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def check(root):
    files = {}
    for dp, _, fns in os.walk(root):
        for f in fns:
            if f.endswith(".rs"):
                p = os.path.join(dp, f)
                files[module_of(root, p)] = p
    modules = set(files)
    # `#[cfg(test)] mod tests;` files are test code.
    test_mods = set()
    for m, p in files.items():
        for t in re.findall(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", open(p).read()):
            test_mods.add(m + (t,))
    edges = {}  # (from, to) -> "file:line"
    for m, p in files.items():
        if any(m[:k] in test_mods for k in range(1, len(m) + 1)):
            continue
        src = drop_test_modules(strip(open(p).read()))
        for lm in re.finditer(r"\b(crate|super|self)((?:\s*::\s*\w+)+)", src):
            base, rest = lm.group(1), [x for x in re.split(r"\s*::\s*", lm.group(2)) if x]
            if base == "crate":
                target = rest
            else:
                # A file's own module is `m`; `self` is m, `super` its parent.
                cur = list(m)
                if base == "super":
                    cur = cur[:-1]
                while rest and rest[0] == "super":
                    cur, rest = cur[:-1], rest[1:]
                target = cur + rest
            # The deepest module the path names (the rest are items).
            k = len(target)
            while k > 0 and tuple(target[:k]) not in modules:
                k -= 1
            t = tuple(target[:k])
            if not t or t == m:
                continue
            line = src.count("\n", 0, lm.start()) + 1
            edges.setdefault((m, t), f"{os.path.relpath(p, ROOT)}:{line}")
    failures = []
    rel = os.path.relpath(root, ROOT)
    if rel in LAYERS:
        rank = {m: k for k, layer in enumerate(LAYERS[rel]) for m in layer}
        for top in sorted({m[:1] for m in modules if m}):
            if top[0] not in rank:
                failures.append(f"  {rel}: module {top[0]} has no layer (add it to LAYERS in scripts/check-layers.py)")
        for (a, b), where in sorted(edges.items()):
            if a and b and a[0] != b[0] and a[0] in rank and b[0] in rank and rank[b[0]] > rank[a[0]]:
                failures.append(f"  {rel}: {a[0]} (layer {rank[a[0]]}) uses {b[0]} (layer {rank[b[0]]}), a higher layer  ({where})")
    graphs = {}
    for (a, b), where in edges.items():
        # Top level: between first components.
        if a[:1] != b[:1]:
            graphs.setdefault((), {}).setdefault(a[:1], {}).setdefault(b[:1], where)
            continue
        # Siblings: below their longest common parent, skipping parent <-> child.
        k = 0
        while k < min(len(a), len(b)) and a[k] == b[k]:
            k += 1
        if k == len(a) or k == len(b):
            continue
        parent = a[:k]
        graphs.setdefault(parent, {}).setdefault(a[:k + 1], {}).setdefault(b[:k + 1], where)
    for parent, g in sorted(graphs.items()):
        for comp in cycles(g):
            names = ["::".join(c) or "crate" for c in comp]
            lines = [f"  circle in {root}{' under ' + '::'.join(parent) if parent else ''}: {' <-> '.join(sorted(names))}"]
            for a in comp:
                for b, where in sorted(g.get(a, {}).items()):
                    if b in comp:
                        lines.append(f"    {'::'.join(a)} -> {'::'.join(b)}  ({where})")
            failures.append("\n".join(lines))
    return failures


def cycles(g):
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for v0 in list(g):
        if v0 in index:
            continue
        work = [(v0, iter(g.get(v0, {})))]
        index[v0] = low[v0] = counter[0]
        counter[0] += 1
        stack.append(v0)
        on.add(v0)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(g.get(w, {}))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(comp)
    return out


def main():
    roots = sys.argv[1:] or CRATES
    failures = []
    for r in roots:
        failures += check(os.path.join(ROOT, r) if not os.path.isabs(r) else r)
    if failures:
        print("module dependencies form circles or point up a layer:\n" + "\n".join(failures))
        sys.exit(1)
    print(f"no import circles and no upward layer dependencies in {', '.join(roots)}")


if __name__ == "__main__":
    main()
