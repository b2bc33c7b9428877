#!/usr/bin/env python3
"""Regenerates fuzz_targets/vocab.rs from the literals in core/src/normalize/*.rs."""
import glob
import os
import re

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
src = "".join(open(f).read() for f in sorted(glob.glob(os.path.join(root, "core/src/normalize/*.rs"))))
keys = sorted(set(re.findall(r'k!\("([^"]+)"\)', src)) | set(re.findall(r'"([a-z_]+(?:\.[a-z_0-9]+)+)"', src)))
keys = [k for k in keys if not k.endswith(".")]
skip = {"Option::is_none", "Vec::is_empty", "snake_case", "a string key", "any valid JSON value"}
words = sorted(v for v in set(re.findall(r'"([A-Za-z_][A-Za-z0-9_ .:/()-]{1,40})"', src)) if v not in skip)


def arr(name, xs):
    out, line = f"pub const {name}: &[&str] = &[\n", "   "
    for x in xs:
        item = ' "' + x.replace("\\", "\\\\").replace('"', '\\"') + '",'
        if len(line) + len(item) > 110:
            out += line + "\n"
            line = "   "
        line += item
    return out + line + "\n];\n"


hdr = (
    "//! Vocabulary of the normalizers, for the structured fuzz target: attribute keys and string\n"
    "//! literals they look at. Generated from core/src/normalize/*.rs by `fuzz/gen_vocab.py`;\n"
    "//! regenerate when a vocabulary file changes (a stale list only lowers coverage).\n\n"
)
with open(os.path.join(root, "fuzz/fuzz_targets/vocab.rs"), "w") as f:
    f.write(hdr + arr("KEYS", keys) + "\n" + arr("WORDS", words))
print(f"{len(keys)} keys, {len(words)} words")
