from common import T, run

RID = "h7-01-parcel-dimweight"
SHAPE = "AG2 group chat (UserProxy executor + Coder + Checker)"
DOMAIN = "parcel shipping / dimensional weight"

TASK = (
    "We're shipping 4 cartons tomorrow via RapidFreight Ground. Our RapidFreight contract uses a DIM divisor of 139 "
    "(cubic inches per lb) and bills each carton at the greater of actual weight and dimensional weight, both rounded "
    "UP to the next whole lb. Give me billable weight per carton and the total.\n"
    "A: 24x18x16 in, 32 lb\nB: 20x20x12 in, 18 lb\nC: 30x12x10 in, 22 lb\nD: 16x12x8 in, 15 lb"
)

AGENTS = {
    "Admin": "UserProxyAgent. Relays the user's request and executes any Python code blocks posted in the chat, returning the console output.",
    "Coder": "AssistantAgent. Writes self-contained Python to answer the request; use exactly the parameters given by the user. Post code in a ```python block.",
    "Checker": "AssistantAgent. Reviews the Coder's code and the execution output against the user's request before anything is returned. Reply TERMINATE only when the result is correct.",
}

t0 = T("Admin", "Initial message from user", TASK)

code_fail = '''```python
import math

# standard domestic DIM divisor
DIM_DIVISOR = 166

cartons = {
    "A": (24, 18, 16, 32),
    "B": (20, 20, 12, 18),
    "C": (30, 12, 10, 22),
    "D": (16, 12, 8, 15),
}

total = 0
print(f"{'Carton':<7}{'Cube(in3)':>10}{'DIM lb':>8}{'Actual':>8}{'Billable':>10}")
for name, (l, w, h, actual) in cartons.items():
    cube = l * w * h
    dim_lb = math.ceil(cube / DIM_DIVISOR)
    billable = max(dim_lb, math.ceil(actual))
    total += billable
    print(f"{name:<7}{cube:>10}{dim_lb:>8}{actual:>8}{billable:>10}")
print(f"TOTAL billable: {total} lb")
```'''

code_ok = code_fail.replace("# standard domestic DIM divisor\nDIM_DIVISOR = 166", "# contract DIM divisor from the user's message\nDIM_DIVISOR = 139")

t1_fail = T("Coder", "Write code for the user's request.",
            "Here's a script that computes the dimensional weight for each carton, takes the greater of DIM vs actual (both ceiled to the next pound) and sums them.\n\n" + code_fail)

t2_fail = T("Admin", "Execute the code block above.",
            "exitcode: 0 (execution succeeded)\nCode output: \n"
            "Carton  Cube(in3)  DIM lb  Actual  Billable\n"
            "A           6912      42      32        42\n"
            "B           4800      29      18        29\n"
            "C           3600      22      22        22\n"
            "D           1536      10      15        15\n"
            "TOTAL billable: 108 lb\n")

t3_fail = T("Checker", "Review the code and output.",
            "Reviewed:\n- `math.ceil` applied to both DIM and actual weight ✔\n- `max()` picks the greater per carton ✔\n- All four cartons present, dimensions match the request ✔\n- Script ran cleanly, total sums correctly (42+29+22+15 = 108) ✔\n\nLooks good to me.\n\nTERMINATE")

t4_fail = T("Coder", "Summarize the result for the user.",
            "**Billable weights (RapidFreight Ground)**\n\n| Carton | DIM wt | Actual | Billable |\n|---|---|---|---|\n| A | 42 lb | 32 lb | **42 lb** |\n| B | 29 lb | 18 lb | **29 lb** |\n| C | 22 lb | 22 lb | **22 lb** |\n| D | 10 lb | 15 lb | **15 lb** |\n\n**Total billable weight: 108 lb.** Cartons A and B are billed on dimensional weight; D on actual weight; C is a tie.")

FINAL_FAIL = "Billable weights: A 42 lb, B 29 lb, C 22 lb, D 15 lb. Total billable weight for the shipment: 108 lb."

t1_ok = T("Coder", "Write code for the user's request.",
          "Here's a script that computes the dimensional weight for each carton using your contract divisor, takes the greater of DIM vs actual (both ceiled to the next pound) and sums them.\n\n" + code_ok)

t2_ok = T("Admin", "Execute the code block above.",
          "exitcode: 0 (execution succeeded)\nCode output: \n"
          "Carton  Cube(in3)  DIM lb  Actual  Billable\n"
          "A           6912      50      32        50\n"
          "B           4800      35      18        35\n"
          "C           3600      26      22        26\n"
          "D           1536      12      15        15\n"
          "TOTAL billable: 126 lb\n")

t3_ok = T("Checker", "Review the code and output.",
          "Mostly good. One request before I sign off: the DIM column only shows the ceiled value, so I can't see how close D is. Can you print the raw cube/139 too? I want to make sure nothing is sitting exactly on a boundary.")

code_ok2 = '''```python
import math
DIM_DIVISOR = 139
cartons = {"A": (24, 18, 16, 32), "B": (20, 20, 12, 18), "C": (30, 12, 10, 22), "D": (16, 12, 8, 15)}
total = 0
for name, (l, w, h, actual) in cartons.items():
    raw = l * w * h / DIM_DIVISOR
    billable = max(math.ceil(raw), math.ceil(actual))
    total += billable
    print(f"{name}: raw DIM {raw:.2f} -> {math.ceil(raw)} lb | actual {actual} lb | billable {billable} lb")
print("TOTAL", total)
```'''

t4_ok = T("Coder", "Checker asked for raw DIM values.", "Sure, same logic with the raw value printed:\n\n" + code_ok2)

t5_ok = T("Admin", "Execute the code block above.",
          "exitcode: 0 (execution succeeded)\nCode output: \n"
          "A: raw DIM 49.73 -> 50 lb | actual 32 lb | billable 50 lb\n"
          "B: raw DIM 34.53 -> 35 lb | actual 18 lb | billable 35 lb\n"
          "C: raw DIM 25.90 -> 26 lb | actual 22 lb | billable 26 lb\n"
          "D: raw DIM 11.05 -> 12 lb | actual 15 lb | billable 15 lb\n"
          "TOTAL 126\n")

t6_ok = T("Checker", "Review the updated output.",
          "Thanks. Divisor is the contract 139 as the user specified, nothing lands on an exact integer, and D is the only carton billed on actual weight (15 > 12). 50+35+26+15 = 126 ✔\n\nTERMINATE")

FINAL_OK = ("Billable weights at RapidFreight's DIM divisor of 139: A 50 lb (DIM), B 35 lb (DIM), C 26 lb (DIM), "
            "D 15 lb (actual). Total billable weight: 126 lb.")


def build():
    fail = run(RID, None, TASK, AGENTS, [t0, t1_fail, t2_fail, t3_fail, t4_fail], FINAL_FAIL,
               "failure", "Coder", 1, ["FM-1.1", "FM-3.2"],
               "The task states 'Our RapidFreight contract uses a DIM divisor of 139', but the Coder hard-coded "
               "'DIM_DIVISOR = 166  # standard domestic DIM divisor'. Every DIM weight is understated (A 42 instead of 50, "
               "B 29 instead of 35, C 22 instead of 26), giving 108 lb instead of 126 lb. The Checker only confirmed that "
               "ceil/max were applied and the script 'ran cleanly' without checking the divisor against the request.")
    ok = run(RID + "-ok", RID, TASK, AGENTS, [t0, t1_ok, t2_ok, t3_ok, t4_ok, t5_ok, t6_ok], FINAL_OK,
             "success", None, None, [],
             "Coder uses the contract divisor 139 from the task; 6912/139=49.73->50, 4800/139=34.53->35, 3600/139=25.90->26, "
             "1536/139=11.05->12 (actual 15 governs). Total 50+35+26+15=126 lb. The Checker's extra request is harmless.")
    return fail, ok, SHAPE, DOMAIN
