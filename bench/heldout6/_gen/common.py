"""Shared helpers for the heldout6 generators (stdlib only)."""
import json
import re


def tool(name, args, result):
    """A tool call record; result is always stored as text (JSON text for dict/list)."""
    if not isinstance(result, str):
        result = json.dumps(result, ensure_ascii=False)
    return {"name": name, "args": args, "result": result}


def turn(agent, inp, out, tools=None):
    d = {"agent": agent, "input": inp, "output": out}
    if tools:
        d["tools"] = tools
    return d


def make_run(rid, twin_of, task, agents, turns, final_answer, outcome, culprit, step, modes, why):
    return {
        "id": rid,
        "twin_of": twin_of,
        "task": task,
        "agents": agents,
        "turns": turns,
        "final_answer": final_answer,
        "label": {
            "outcome": outcome,
            "culprit": culprit,
            "step": step,
            "modes": modes,
            "why": why,
        },
    }


# ---------------------------------------------------------------- AG2 helpers
_CODE = re.compile(r"```(?:python|py|sh|bash)?\n(.*?)```", re.S)


def _snip(text, n=520):
    text = text.strip()
    return text if len(text) <= n else text[:n].rstrip() + " [...]"


def ag2_chat(task, msgs):
    """msgs: list of (agent, output). Inputs are derived from the group-chat history,
    so identical message prefixes give byte-identical turn prefixes."""
    turns = []
    for i, (agent, out) in enumerate(msgs):
        if i == 0:
            inp = "New task for the group chat:\n" + task
        else:
            prev_agent, prev_out = msgs[i - 1]
            if agent == "Computer_terminal":
                blocks = _CODE.findall(prev_out)
                code = "\n\n".join(b.rstrip() for b in blocks)
                inp = ("Run the code block(s) from the latest message (" + prev_agent + "):\n```python\n"
                       + code + "\n```")
            else:
                inp = ("Group chat history: " + str(i) + " message(s). Latest, from " + prev_agent
                       + ":\n" + _snip(prev_out))
        turns.append(turn(agent, inp, out))
    return turns


def ok_exec(output):
    return "exitcode: 0 (execution succeeded)\nCode output: " + output


def frame(columns, rows, index=None, floatfmt=None):
    """Render rows like pandas DataFrame.to_string()."""
    cells = []
    for r in rows:
        row = []
        for v in r:
            if isinstance(v, float) and floatfmt:
                row.append(floatfmt.format(v))
            else:
                row.append(str(v))
        cells.append(row)
    idx = [str(i) for i in (index if index is not None else range(len(rows)))]
    iw = max([len(s) for s in idx] + [0])
    widths = []
    for j, c in enumerate(columns):
        w = max([len(c)] + [len(r[j]) for r in cells])
        widths.append(w)
    lines = [" " * iw + "".join("  " + c.rjust(widths[j]) for j, c in enumerate(columns))]
    for k, r in enumerate(cells):
        lines.append(idx[k].ljust(iw) + "".join("  " + r[j].rjust(widths[j]) for j in range(len(columns))))
    return "\n".join(lines)


def frame_noindex(columns, rows):
    cells = [[str(v) for v in r] for r in rows]
    widths = [max([len(c)] + [len(r[j]) for r in cells]) for j, c in enumerate(columns)]
    lines = [" ".join(c.rjust(widths[j]) for j, c in enumerate(columns))]
    for r in cells:
        lines.append(" ".join(r[j].rjust(widths[j]) for j in range(len(columns))))
    return "\n".join(lines)
