import json

def J(obj):
    """Serialize a tool result the way tools return it: a JSON string."""
    return json.dumps(obj, ensure_ascii=False)

def T(agent, inp, out, tools=None):
    d = {"agent": agent, "input": inp, "output": out}
    if tools is not None:
        d["tools"] = tools
    return d

def tool(name, args, result):
    return {"name": name, "args": args, "result": result if isinstance(result, str) else J(result)}

def term(output):
    return "exitcode: 0 (execution succeeded)\nCode output: \n" + output

def run(base_id, fail, task, agents, turns, final, label):
    return {
        "id": base_id if fail else base_id + "-ok",
        "twin_of": None if fail else base_id,
        "task": task,
        "agents": agents,
        "turns": turns,
        "final_answer": final,
        "label": label,
    }

def fail_label(culprit, step, modes, why):
    return {"outcome": "failure", "culprit": culprit, "step": step, "modes": modes, "why": why}

def ok_label(why):
    return {"outcome": "success", "culprit": None, "step": None, "modes": [], "why": why}
