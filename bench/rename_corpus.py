#!/usr/bin/env python3
"""Copies the labelled semantic captures with every agent and tool renamed, to check that the
failure analysis keys on no agent's or tool's name.

  python3 bench/rename_corpus.py [--src DIR] [--dst DIR]
  AGENTTRACE_CORPUS=/tmp/agenttrace-renamed-corpus cargo run --release -p agenttrace-bench --bin semantic_eval

Default source: ../shared/otlp-corpus beside the repository; default destination:
/tmp/agenttrace-renamed-corpus (replaced). Every `sem_*` capture is copied with each name found
in its spans (agent, graph node, tool, handoff and message-author attributes) and each labelled
culprit replaced, case by case, everywhere in the request bytes, attribute values and text alike,
by a made-up word of the same length: "BillingAgent" becomes e.g. "Tivomucexolu". Same length
keeps the protobuf length prefixes valid, so the bodies are decoded as they were captured.

A name is renamed as one word wherever it occurs, with its separators free (`supplier_quote_lookup`
and CrewAI's "Supplier Quote Lookup" get the same letters), and a name that contains another one
(`transfer_to_billing` around `billing`) is left to the inner one, as the framework would derive
it from the renamed agent. Not renamed: instrumentation constants that name no agent of the app
("OpenAI Agent" on every model span of openinference's OpenAI Agents instrumentation, LangGraph's
`__start__`), and words shorter than 4 letters. The labels file is rewritten with the renamed
culprits.
"""
import argparse
import glob
import json
import os
import pathlib
import random
import re
import shutil

HERE = pathlib.Path(__file__).resolve().parent
NAME_KEYS = re.compile(
    r"(^|\.)(agent\.name|gen_ai\.agent\.name|graph\.node\.id|tool\.name|gen_ai\.tool\.name|function\.name|"
    r"langgraph_node|tool\.agent_role|handoff\.from_agent|handoff\.to_agent|message\.name)$"
)
NOT_APP_NAMES = {"openai agent", "__start__", "__end__", "agent", "tools", "assistant", "user", "system", "langgraph", "tool", "model"}


def norm(x):
    return re.sub(r"[^a-z0-9]", "", x.lower())


def names_in(capture_dir, culprits):
    names = set(culprits)
    for f in glob.glob(f"{capture_dir}/*.otlp.json"):
        stack = [json.load(open(f, encoding="utf-8"))]
        while stack:
            o = stack.pop()
            if isinstance(o, dict):
                if "key" in o and isinstance(o.get("value"), dict) and NAME_KEYS.search(o["key"]):
                    v = o["value"].get("stringValue")
                    if v:
                        names.add(v)
                stack.extend(o.values())
            elif isinstance(o, list):
                stack.extend(o)
    names = {n.strip("'\"") for n in names}
    names = {n for n in names if len(n) >= 4 and n.lower() not in NOT_APP_NAMES}
    # a name around another one is derived from it: rename the inner one only
    return {n for n in names if not any(o != n and o.lower() in n.lower() for o in names)}


def made_up(name):
    """A made-up word for a name, the same for every spelling of it (seeded by its letters)."""
    key = norm(name)
    rnd = random.Random(key)
    letters = iter("".join(rnd.choice("bcdfghjklmnpqrstvwxz" if i % 2 == 0 else "aeiouy") for i in range(len(key))))
    return "".join(next(letters) if c.isalnum() else c for c in name.lower())


def renamer(names):
    table = sorted(((n.lower(), made_up(n)) for n in names), key=lambda p: -len(p[0]))

    def rename(text):
        for old, new in table:
            pattern = "".join(re.escape(c) if c.isalnum() else r"[ _\-]" for c in old)

            def one(m, new=new):
                return "".join((n.upper() if o.isupper() else n) if o.isalnum() else o for o, n in zip(m.group(0), new))

            text = re.sub(pattern, one, text, flags=re.I)
        return text

    return rename


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", default=str(HERE.parent.parent / "shared" / "otlp-corpus"))
    ap.add_argument("--dst", default="/tmp/agenttrace-renamed-corpus")
    args = ap.parse_args()
    labels = json.load(open(f"{args.src}/semantic-labels.json", encoding="utf-8"))
    if os.path.exists(args.dst):
        shutil.rmtree(args.dst)
    os.makedirs(args.dst)
    new_labels, renamed = {}, 0
    for d in sorted(glob.glob(f"{args.src}/sem_*")):
        capture = os.path.basename(d)
        label = labels.get(capture)
        culprits = (label or {}).get("culprit_any_of") or []
        names = names_in(d, culprits)
        rename = renamer(names)
        out = f"{args.dst}/{capture}"
        shutil.copytree(d, out)
        for b in glob.glob(f"{out}/*.bin"):
            text = open(b, "rb").read().decode("latin-1")  # byte for byte; names are ASCII
            new = rename(text)
            assert len(new) == len(text)
            open(b, "wb").write(new.encode("latin-1"))
        for j in glob.glob(f"{out}/*.otlp.json"):
            os.remove(j)  # the renamed bodies are the .bin files; these would disagree
        if label is not None:
            label = dict(label)
            if culprits:
                label["culprit_any_of"] = [rename(next((n for n in names if norm(n) == norm(c)), c)).lower() for c in culprits]
            new_labels[capture] = label
        renamed += len(names)
    json.dump(new_labels, open(f"{args.dst}/semantic-labels.json", "w", encoding="utf-8"), indent=1)
    print(f"{len(new_labels)} labelled captures, {renamed} names renamed, in {args.dst}")


if __name__ == "__main__":
    main()
