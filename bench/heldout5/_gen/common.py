"""Shared helpers for the heldout5 generators (stdlib only)."""
import copy
import json

AG2_OK = "exitcode: 0 (execution succeeded)\nCode output: "


def tool(name, args, result):
    """A tool call record. `result` is always stored as a string (JSON text if a dict/list is given)."""
    if not isinstance(result, str):
        result = json.dumps(result, ensure_ascii=False)
    return {"name": name, "args": args, "result": result}


def turn(agent, inp, out, tools=None):
    t = {"agent": agent, "input": inp, "output": out}
    if tools:
        t["tools"] = tools
    return t


def term(output):
    """AG2 Computer_terminal style output."""
    return AG2_OK + output


def clip(text, n=700):
    text = text.strip()
    return text if len(text) <= n else text[:n].rstrip() + " …"


def make_pair(rid, task, agents, prefix, fail_rest, ok_rest, fail_final, ok_final,
              culprit, modes, why_fail, why_ok):
    """Build (failing, clean twin). Both share `prefix` verbatim; the failing run's
    first wrong turn is fail_rest[0], so step == len(prefix)."""
    step = len(prefix)
    assert fail_rest[0]["agent"] == culprit, (rid, fail_rest[0]["agent"], culprit)
    fail = {
        "id": rid,
        "twin_of": None,
        "task": task,
        "agents": agents,
        "turns": copy.deepcopy(prefix) + fail_rest,
        "final_answer": fail_final,
        "label": {
            "outcome": "failure",
            "culprit": culprit,
            "step": step,
            "modes": modes,
            "why": why_fail,
        },
    }
    ok = {
        "id": rid + "-ok",
        "twin_of": rid,
        "task": task,
        "agents": copy.deepcopy(agents),
        "turns": copy.deepcopy(prefix) + ok_rest,
        "final_answer": ok_final,
        "label": {
            "outcome": "success",
            "culprit": None,
            "step": None,
            "modes": [],
            "why": why_ok,
        },
    }
    return fail, ok


def m1_ledger(satisfied, loop, progress, speaker, instruction):
    """Magentic-One style progress ledger. Each argument is (reason, answer)."""
    led = {
        "is_request_satisfied": {"reason": satisfied[0], "answer": satisfied[1]},
        "is_in_loop": {"reason": loop[0], "answer": loop[1]},
        "is_progress_being_made": {"reason": progress[0], "answer": progress[1]},
        "next_speaker": {"reason": speaker[0], "answer": speaker[1]},
        "instruction_or_question": {"reason": instruction[0], "answer": instruction[1]},
    }
    return "Updated Ledger:\n" + json.dumps(led, indent=4, ensure_ascii=False)


M1_TEAM = """WebSurfer: A helpful assistant with access to a web browser. Ask them to perform web searches, open pages, and interact with content (e.g., clicking links, scrolling the viewport, etc., filling in form fields, etc.) It can also summarize the entire page, or answer questions based on the content of the page. It can also be asked to sleep and wait for pages to load, in cases where the pages seem to be taking a while to load.
FileSurfer: An agent that can handle local files.
Coder: A helpful and general-purpose AI assistant that has strong language skills, Python skills, and Linux command line skills.
ComputerTerminal: A computer terminal that performs no other action than running Python scripts (provided to it quoted in ```python code blocks), or sh shell scripts (provided to it quoted in ```sh code blocks)."""

M1_AGENTS = {
    "Orchestrator": "Plans the work, keeps a fact sheet and a progress ledger, chooses the next speaker and instruction each round, re-plans when stalled, and gives the final answer once the request is satisfied.",
    "WebSurfer": "Controls a Chromium browser: runs searches, visits pages, clicks, scrolls and reports what is on screen (with OCR of the viewport).",
    "FileSurfer": "Opens local files and shows them as Markdown previews; can page up and down through long files.",
    "Coder": "Writes Python or shell scripts to process information the team has gathered; does not run them itself.",
    "ComputerTerminal": "Runs the Python or sh code blocks it is given and returns the output.",
}
