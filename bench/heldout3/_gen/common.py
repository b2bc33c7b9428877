import json

def tool(name, args, result):
    return {"name": name, "args": args, "result": json.dumps(result, ensure_ascii=False)}

def T(agent, inp, out, tools=None):
    d = {"agent": agent, "input": inp, "output": out}
    if tools:
        d["tools"] = tools
    return d

def run(id_, fail, task, agents, turns, final_answer, label):
    return {"id": id_ if fail else id_ + "-ok", "twin_of": None if fail else id_,
            "task": task, "agents": agents, "turns": turns,
            "final_answer": final_answer, "label": label}

OK_LABEL = lambda why: {"outcome": "success", "culprit": None, "step": None, "modes": [], "why": why}
