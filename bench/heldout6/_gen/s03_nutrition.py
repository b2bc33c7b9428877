"""AG2 expert group chat -- nutrition labelling (calories per slice)."""
from common import ag2_chat, ok_exec, frame_noindex, make_run

RID = "h6-03-recipe-calories"

TASK = """I'm putting a calorie count on the menu card for our café's banana-walnut bread. Recipe for one loaf:
- 250 g all-purpose flour
- 150 g granulated sugar
- 113 g unsalted butter
- 2 large eggs (100 g without shell)
- 350 g ripe bananas (peeled)
- 60 g walnuts
- 5 g baking soda
- 3 g salt

Each loaf is cut into 12 slices. Using the kcal values in nutrition_table.csv, how many kcal are in one slice? Round to the nearest kcal."""

AGENTS = {
    "Planning_Expert": "Task manager. Turns the request into a plan, coordinates the experts and posts the final answer after verification.",
    "Nutrition_Expert": "Food-composition specialist. Matches recipe ingredients to the right rows of a nutrient table and flags unit or preparation issues.",
    "DataAnalysis_Expert": "Writes Python to compute nutrient totals and per-portion values from the matched table rows.",
    "Verification_Expert": "Re-checks every number in the computation against the task and the table before the group concludes; replies TERMINATE when satisfied.",
    "Computer_terminal": "Executes posted code blocks and returns the exit code and output.",
}

INGR = [  # recipe item, table row, grams, kcal/100g
    ("flour", "Flour, wheat, all-purpose", 250, 364),
    ("sugar", "Sugar, granulated", 150, 387),
    ("butter", "Butter, unsalted", 113, 717),
    ("eggs", "Egg, whole, raw", 100, 143),
    ("bananas", "Banana, raw", 350, 89),
    ("walnuts", "Walnuts, English", 60, 654),
    ("baking_soda", "Leavening, baking soda", 5, 0),
    ("salt", "Salt, table", 3, 0),
]
TABLE = [
    ("Banana, raw", 89, 1.1, 0.3, 22.8), ("Butter, salted", 717, 0.9, 81.1, 0.1),
    ("Butter, unsalted", 717, 0.9, 81.1, 0.1), ("Egg, whole, raw", 143, 12.6, 9.5, 0.7),
    ("Flour, wheat, all-purpose", 364, 10.3, 1.0, 76.3), ("Flour, wheat, whole-grain", 340, 13.2, 2.5, 72.0),
    ("Honey", 304, 0.3, 0.0, 82.4), ("Leavening, baking soda", 0, 0.0, 0.0, 0.0),
    ("Oats, rolled", 379, 13.2, 6.5, 67.7), ("Salt, table", 0, 0.0, 0.0, 0.0),
    ("Sugar, brown", 380, 0.1, 0.0, 98.1), ("Sugar, granulated", 387, 0.0, 0.0, 100.0),
    ("Walnuts, English", 654, 15.2, 65.2, 13.7),
]
KCAL = {k: g * c / 100 for (k, _, g, c) in INGR}
TOTAL = sum(KCAL.values())
PER12 = TOTAL / 12
PER10 = TOTAL / 10

PLAN = """You are given: (1) a task and advice from your manager with a specific plan and (2) a general task.
Collect information from the general task, follow the suggestions from manager to solve the task.

# General Task
{task}

# Task and suggestions from manager
## Task description
Compute kcal per slice of the banana-walnut bread from the recipe quantities and nutrition_table.csv.

## Plan for solving the task
1. Nutrition_Expert maps each ingredient to the correct row of nutrition_table.csv.
2. DataAnalysis_Expert computes kcal per ingredient (grams x kcal/100 g / 100), the loaf total, and the per-slice value for the number of slices stated in the task.
3. Verification_Expert re-checks the mapping, each product, the total and the per-slice division.

## Output format
kcal per slice (integer), with the loaf total for reference.

## Constraints and conditions for completion
- Use only the values in nutrition_table.csv.
- Per-slice value must use the slice count given in the task.
""".format(task=TASK)

MAP = """Let me look at the table first so the mapping is explicit.

```python
import pandas as pd
tbl = pd.read_csv("nutrition_table.csv")
print(tbl.to_string(index=False))
```"""

MAP_OUT = ok_exec(frame_noindex(["food", "kcal_per_100g", "protein_g", "fat_g", "carb_g"], TABLE) + "\n")

MAPPING = """Mapping (step 1):

| Recipe item | Table row | g | kcal/100 g |
|---|---|---|---|
""" + "\n".join("| {} | {} | {} | {} |".format(k.replace("_", " "), row, g, c) for (k, row, g, c) in INGR) + """

Notes:
- The recipe says **unsalted** butter; salted has the same kcal in this table anyway (717), so no ambiguity there.
- Eggs: the task already gives the edible weight (100 g without shell), so no refuse factor needed.
- Bananas are given peeled, so "Banana, raw" applies directly.
- Baking soda and salt contribute 0 kcal.
- Water lost during baking doesn't change the energy content of the loaf, so we can sum raw ingredients.

Over to @DataAnalysis_Expert for step 2."""

FAIL_CALC = """Computing step 2. kcal for each ingredient is grams x (kcal per 100 g) / 100, summed for the loaf; then we divide the loaf total by the 12 slices the loaf is cut into.

```python
ingredients = {
    # name: (grams, kcal_per_100g)
    "flour":       (250, 364),
    "sugar":       (150, 387),
    "butter":      (113, 717),
    "eggs":        (100, 143),
    "bananas":     (350, 89),
    "walnuts":     (60, 654),
    "baking_soda": (5, 0),
    "salt":        (3, 0),
}
n_slices = 10

kcal = {k: g * c / 100 for k, (g, c) in ingredients.items()}
for k, v in kcal.items():
    print(f"{k:12s} {v:8.2f}")
total = sum(kcal.values())
print(f"Loaf total: {total:.2f} kcal")
print(f"Calories per slice: {total / n_slices:.2f} kcal")
```"""


def _calc_out(per):
    lines = ["{:12s} {:8.2f}".format(k, v) for k, v in KCAL.items()]
    return ok_exec("\n".join(lines) + "\nLoaf total: {:.2f} kcal\nCalories per slice: {:.2f} kcal\n".format(TOTAL, per))


def _products():
    return "\n".join("- {}: {} g x {} / 100 = {:.2f} ✓".format(k.replace("_", " "), g, c, g * c / 100)
                     for (k, _, g, c) in INGR if c)


FAIL_VERIFY = """Verification (step 3):

Mapping matches Nutrition_Expert's table, all values are from nutrition_table.csv.

Per-ingredient products:
{prod}
- baking soda, salt: 0 ✓

Sum: 910.00 + 580.50 + 810.21 + 143.00 + 311.50 + 392.40 = **{tot:.2f} kcal** ✓ (matches the code).

Per-slice result {per:.2f} kcal -> **{r} kcal**. That's within the usual range for a slice of banana-walnut bread, so it passes the sanity check too.

TERMINATE""".format(prod=_products(), tot=TOTAL, per=PER10, r=round(PER10))

FAIL_FINAL = """**Banana-walnut bread: {} kcal per slice** (loaf total {:.0f} kcal).

TERMINATE""".format(round(PER10), TOTAL)

OK_CALC = """Step 2. kcal per ingredient = grams x (kcal per 100 g) / 100; sum for the loaf, then divide by the 12 slices from the task.

```python
ingredients = {
    # name: (grams, kcal_per_100g)
    "flour":       (250, 364),
    "sugar":       (150, 387),
    "butter":      (113, 717),
    "eggs":        (100, 143),
    "bananas":     (350, 89),
    "walnuts":     (60, 654),
    "baking_soda": (5, 0),
    "salt":        (3, 0),
}
n_slices = 12

kcal = {k: g * c / 100 for k, (g, c) in ingredients.items()}
for k, v in kcal.items():
    print(f"{k:12s} {v:8.2f}")
total = sum(kcal.values())
print(f"Loaf total: {total:.2f} kcal")
print(f"Calories per slice: {total / n_slices:.2f} kcal")
```"""

OK_VERIFY = """Verification (step 3):

Mapping matches the table rows listed by Nutrition_Expert.

Per-ingredient products:
{prod}
- baking soda, salt: 0 ✓

Sum: 910.00 + 580.50 + 810.21 + 143.00 + 311.50 + 392.40 = **{tot:.2f} kcal** ✓

Slice count: the task says "Each loaf is cut into 12 slices" and the code uses `n_slices = 12` ✓. {tot:.2f} / 12 = **{per:.2f}** -> {r} kcal.

One question for @Nutrition_Expert before I close: should the menu figure be rounded to the nearest 5 or 10 kcal, as some labelling rules require?""".format(
    prod=_products(), tot=TOTAL, per=PER12, r=round(PER12))

OK_NUTR = """Good question, but the user explicitly asked for "Round to the nearest kcal", so {r} is what we report. If they later want to follow a labelling regulation that rounds to 5 or 10 kcal increments, that would be a separate presentation choice on their side.""".format(r=round(PER12))

OK_VERIFY2 = """Agreed - reporting {r} kcal per slice as requested. All checks passed.

TERMINATE""".format(r=round(PER12))

OK_FINAL = """**Banana-walnut bread: {} kcal per slice** (loaf total {:.2f} kcal, 12 slices).

TERMINATE""".format(round(PER12), TOTAL)


def build():
    prefix = [
        ("Planning_Expert", PLAN),
        ("Nutrition_Expert", MAP),
        ("Computer_terminal", MAP_OUT),
        ("Nutrition_Expert", MAPPING),
    ]
    fail_msgs = prefix + [
        ("DataAnalysis_Expert", FAIL_CALC),
        ("Computer_terminal", _calc_out(PER10)),
        ("Verification_Expert", FAIL_VERIFY),
        ("Planning_Expert", FAIL_FINAL),
    ]
    ok_msgs = prefix + [
        ("DataAnalysis_Expert", OK_CALC),
        ("Computer_terminal", _calc_out(PER12)),
        ("Verification_Expert", OK_VERIFY),
        ("Nutrition_Expert", OK_NUTR),
        ("Verification_Expert", OK_VERIFY2),
        ("Planning_Expert", OK_FINAL),
    ]
    fail = make_run(
        RID, None, TASK, AGENTS, ag2_chat(TASK, fail_msgs),
        "Banana-walnut bread: {} kcal per slice (loaf total {:.0f} kcal).".format(round(PER10), TOTAL),
        "failure", "DataAnalysis_Expert", 4, ["FM-2.6", "FM-3.2"],
        "DataAnalysis_Expert writes 'we divide the loaf total by the 12 slices the loaf is cut into' but its code sets "
        "'n_slices = 10', so the terminal prints 'Calories per slice: {:.2f} kcal' (= {:.2f}/10) instead of {:.2f} (= {:.2f}/12, "
        "i.e. {} kcal). The task states 'Each loaf is cut into 12 slices'. Verification_Expert re-checks every ingredient product "
        "and the sum but never the division, accepting '{:.2f} kcal -> {} kcal' on a 'usual range' sanity check.".format(
            PER10, TOTAL, PER12, TOTAL, round(PER12), PER10, round(PER10)),
    )
    ok = make_run(
        RID + "-ok", RID, TASK, AGENTS, ag2_chat(TASK, ok_msgs),
        "Banana-walnut bread: {} kcal per slice (loaf total {:.2f} kcal, 12 slices).".format(round(PER12), TOTAL),
        "success", None, None, [],
        "Loaf total {:.2f} kcal from the table values (910 + 580.5 + 810.21 + 143 + 311.5 + 392.4), divided by the 12 slices "
        "stated in the task = {:.2f} -> {} kcal. The verifier checks the products, the sum and the slice count; the rounding "
        "question is answered from the task's 'Round to the nearest kcal'.".format(TOTAL, PER12, round(PER12)),
    )
    return fail, ok
