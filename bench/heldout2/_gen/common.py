"""Shared helpers for the hand-written held-out scenarios."""
import json


def tool(name, args, result):
    """A tool call record; result is always serialised to a JSON string."""
    return {"name": name, "args": args, "result": json.dumps(result, ensure_ascii=False)}


def turn(agent, inp, out, tools=None):
    t = {"agent": agent, "input": inp, "output": out}
    if tools:
        t["tools"] = tools
    return t


def run(base_id, fail, task, agents, turns, final_answer, fail_label):
    """Assemble a run. fail_label = (culprit, step, modes, why) for the failing variant."""
    if fail:
        culprit, step, modes, why = fail_label
        label = {"outcome": "failure", "culprit": culprit, "step": step, "modes": modes, "why": why}
        return {"id": base_id, "twin_of": None, "task": task, "agents": agents, "turns": turns,
                "final_answer": final_answer, "label": label}
    label = {"outcome": "success", "culprit": None, "step": None, "modes": [],
             "why": f"Clean twin of {base_id}: identical up to turn {fail_label[1]}, where {fail_label[0]} acts "
                    "correctly; every later turn and the final answer are consistent with the task, instructions "
                    "and tool results. No fault."}
    return {"id": base_id + "-ok", "twin_of": base_id, "task": task, "agents": agents, "turns": turns,
            "final_answer": final_answer, "label": label}
