"""Shared helpers for the heldout7 generators (stdlib only)."""
import json


def tool(name, args, result):
    if not isinstance(result, str):
        result = json.dumps(result, indent=2)
    return {"name": name, "args": args, "result": result}


def T(agent, inp, out, tools=None):
    d = {"agent": agent, "input": inp, "output": out}
    if tools:
        d["tools"] = tools
    return d


def run(rid, twin_of, task, agents, turns, final, outcome, culprit, step, modes, why):
    return {
        "id": rid,
        "twin_of": twin_of,
        "task": task,
        "agents": agents,
        "turns": turns,
        "final_answer": final,
        "label": {
            "outcome": outcome,
            "culprit": culprit,
            "step": step,
            "modes": modes,
            "why": why,
        },
    }
