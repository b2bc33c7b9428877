from common import T, tool, term, run, fail_label, ok_label, J

# ---------------------------------------------------------------- 1. chemistry
def gen_chem(fail):
    task = ("How many grams of calcium chloride dihydrate (CaCl2·2H2O) must be weighed out to prepare "
            "250.0 mL of a 0.150 M CaCl2 solution? Report the mass in grams to 3 significant figures.")
    agents = {
        "Chemistry_Expert": "You are a solution-chemistry expert. Lay out the calculation plan, including the exact formula and chemical species to use, and hand the computation to Python_Expert.",
        "Python_Expert": "You write Python code that computes exactly what the task and the agreed plan specify and prints the result; Computer_terminal runs it.",
        "Verification_Expert": "You independently verify the final answer against every condition in the task before the group replies TERMINATE.",
        "Computer_terminal": "Executes the code blocks posted in the chat and returns the exit code and output.",
    }
    turns = [T("Chemistry_Expert",
               "You are given: (1) a task and advisory from your manager with a specific plan and (2) a general task.\nTASK: " + task,
               "Plan:\n1. Moles of CaCl2 needed: n = C × V = 0.150 mol/L × 0.2500 L = 0.0375 mol.\n"
               "2. One mole of the weighed solid CaCl2·2H2O supplies one mole of CaCl2, so mass = n × M(CaCl2·2H2O).\n"
               "3. M(CaCl2·2H2O) = M(Ca) + 2·M(Cl) + 2·M(H2O) = 40.078 + 2(35.453) + 2(18.015) ≈ 147.01 g/mol. "
               "Do NOT use the anhydrous value (110.98 g/mol) — the solid we weigh is the dihydrate.\n"
               "@Python_Expert please compute the mass with the dihydrate molar mass and print it to 3 s.f.")]
    if fail:
        turns += [
            T("Python_Expert", "Chemistry_Expert's plan above; compute the mass.",
              "Here is the code for the required mass:\n```python\n# molar masses (g/mol)\nCa = 40.078\nCl = 35.453\nmolar_mass = Ca + 2 * Cl\n\n"
              "conc = 0.150             # mol/L\nvolume = 250.0 / 1000    # L\nmoles = conc * volume\nmass = moles * molar_mass\n"
              "print(f\"Molar mass: {molar_mass:.3f} g/mol\")\nprint(f\"Moles: {moles:.4f} mol\")\nprint(f\"Mass required: {mass:.2f} g\")\n```"),
            T("Computer_terminal", "Execute the code block from Python_Expert.",
              term("Molar mass: 110.984 g/mol\nMoles: 0.0375 mol\nMass required: 4.16 g")),
            T("Verification_Expert", "Verify the result before termination.",
              "Verification:\n- Moles: 0.150 × 0.2500 = 0.0375 mol ✔\n- Mass: 0.0375 × 110.984 = 4.1619 g → 4.16 g (3 s.f.) ✔\n"
              "The code output matches my hand calculation and the answer is given to 3 significant figures as requested.\n"
              "Final answer: 4.16 g\nTERMINATE"),
        ]
        final = "4.16 g"
        label = fail_label("Python_Expert", 1, ["FM-1.1", "FM-3.2"],
            "The task asks for the mass of \"calcium chloride dihydrate (CaCl2·2H2O)\" and Chemistry_Expert's plan says "
            "\"M(CaCl2·2H2O) ... ≈ 147.01 g/mol. Do NOT use the anhydrous value (110.98 g/mol)\", but Python_Expert's code sets "
            "\"molar_mass = Ca + 2 * Cl\" (terminal: \"Molar mass: 110.984 g/mol\"), so the run reports 4.16 g instead of "
            "0.0375 mol × 147.014 g/mol = 5.51 g. Verification_Expert only re-multiplied \"0.0375 × 110.984\" and never checked the species.")
    else:
        turns += [
            T("Python_Expert", "Chemistry_Expert's plan above; compute the mass.",
              "Here is the code, using the dihydrate molar mass:\n```python\n# molar masses (g/mol)\nCa = 40.078\nCl = 35.453\nH2O = 2 * 1.008 + 15.999\n"
              "molar_mass = Ca + 2 * Cl + 2 * H2O   # CaCl2·2H2O\n\nconc = 0.150             # mol/L\nvolume = 250.0 / 1000    # L\nmoles = conc * volume\nmass = moles * molar_mass\n"
              "print(f\"Molar mass: {molar_mass:.3f} g/mol\")\nprint(f\"Moles: {moles:.4f} mol\")\nprint(f\"Mass required: {mass:.2f} g\")\n```"),
            T("Computer_terminal", "Execute the code block from Python_Expert.",
              term("Molar mass: 147.014 g/mol\nMoles: 0.0375 mol\nMass required: 5.51 g")),
            T("Verification_Expert", "Verify the result before termination.",
              "Verification:\n- Species: the solid weighed is CaCl2·2H2O, so M = 40.078 + 70.906 + 36.030 = 147.014 g/mol ✔\n"
              "- Moles: 0.150 × 0.2500 = 0.0375 mol ✔\n- Mass: 0.0375 × 147.014 = 5.5130 g → 5.51 g (3 s.f.) ✔\n"
              "Sanity check: the anhydrous salt would need 0.0375 × 110.984 = 4.16 g; the dihydrate needs more, by the factor 147.014/110.984 = 1.325, because about 24.5% of its mass is water.\n"
              "Final answer: 5.51 g\nTERMINATE"),
            T("Chemistry_Expert", "Group wrap-up.", "Agreed — 5.51 g of CaCl2·2H2O made up to 250.0 mL.\nTERMINATE"),
        ]
        final = "5.51 g"
        label = ok_label("Python_Expert uses the dihydrate molar mass (147.014 g/mol) required by the task; 0.150 × 0.2500 × 147.014 = 5.513 g → 5.51 g, independently re-derived by Verification_Expert.")
    return run("chem-dihydrate-mass", fail, task, agents, turns, final, label)


# ---------------------------------------------------------------- 2. astronomy
ROWS = [("Kepler-10 b", 0.837, 1.47), ("Kepler-18 c", 7.642, 5.49), ("Kepler-36 b", 13.840, 1.49),
        ("K2-18 b", 32.940, 2.61), ("TOI-270 c", 5.660, 2.36), ("GJ 1214 b", 1.580, 2.74),
        ("HD 219134 b", 3.093, 1.60), ("Kepler-138 d", 23.090, 1.51), ("LHS 1140 c", 3.778, 1.27),
        ("WASP-47 e", 0.790, 1.81), ("KOI-1831 d", 10.000, 2.05)]

def _table(rows):
    out = ["      planet  period_days  radius_earth"]
    for n, p, r in rows:
        out.append(f"{n:>12}  {p:>11.3f}  {r:>12.2f}")
    return "\n".join(out)

def gen_astro(fail):
    task = ("From the attached catalogue excerpt exoplanets_excerpt.csv, how many planets have an orbital period strictly "
            "less than 10 days and a radius greater than 1.5 Earth radii? Answer with a single integer.")
    agents = {
        "DataAnalysis_Expert": "You load and inspect data files with Python and report the final answer once it has been verified.",
        "Astronomy_Expert": "You translate the astronomical criteria in the task into exact filters and write the Python code that applies them.",
        "Verification_Expert": "You check that the code and its output satisfy every condition stated in the task before agreeing to terminate.",
        "Computer_terminal": "Executes the code blocks posted in the chat and returns the exit code and output.",
    }
    turns = [
        T("DataAnalysis_Expert", "TASK: " + task + "\nThe file exoplanets_excerpt.csv is in the working directory.",
          "Let's first inspect the catalogue excerpt.\n```python\nimport pandas as pd\ndf = pd.read_csv('exoplanets_excerpt.csv')\nprint(df.shape)\nprint(df.to_string(index=False))\n```"),
        T("Computer_terminal", "Execute the code block from DataAnalysis_Expert.", term("(11, 3)\n" + _table(ROWS))),
    ]
    if fail:
        sel = [r for r in ROWS if r[1] <= 10 and r[2] > 1.5]
        turns += [
            T("Astronomy_Expert", "Apply the task's criteria to the data.",
              "Columns are period_days (days) and radius_earth (Earth radii). The task wants period strictly less than 10 days AND radius greater than 1.5 R⊕. Applying that filter:\n"
              "```python\nimport pandas as pd\ndf = pd.read_csv('exoplanets_excerpt.csv')\nmask = (df['period_days'] <= 10) & (df['radius_earth'] > 1.5)\nsel = df[mask]\nprint(sel.to_string(index=False))\nprint('Count:', len(sel))\n```"),
            T("Computer_terminal", "Execute the code block from Astronomy_Expert.", term(_table(sel) + f"\nCount: {len(sel)}")),
            T("Verification_Expert", "Verify the filtered result.",
              "Checking the selected rows: all six have radius above 1.5 R⊕ (smallest is HD 219134 b at 1.60) and short orbital periods. "
              "The excluded rows either have radius ≤ 1.5 R⊕ (Kepler-10 b 1.47, Kepler-36 b 1.49, LHS 1140 c 1.27) or long periods (K2-18 b 32.94 d, Kepler-138 d 23.09 d). "
              "The count of 6 is verified."),
            T("DataAnalysis_Expert", "Report the verified answer.", "The answer is 6.\nTERMINATE"),
        ]
        final = "6"
        label = fail_label("Astronomy_Expert", 2, ["FM-2.6", "FM-3.3"],
            "Astronomy_Expert states \"The task wants period strictly less than 10 days\" but its code uses \"df['period_days'] <= 10\", "
            "so KOI-1831 d (period_days 10.000, radius 2.05) is counted and the terminal prints \"Count: 6\". With the strict filter the count is 5; "
            "Verification_Expert then confirms \"The count of 6 is verified\" without checking the boundary row.")
    else:
        sel = [r for r in ROWS if r[1] < 10 and r[2] > 1.5]
        turns += [
            T("Astronomy_Expert", "Apply the task's criteria to the data.",
              "Columns are period_days (days) and radius_earth (Earth radii). The task wants period strictly less than 10 days AND radius greater than 1.5 R⊕. Applying that filter:\n"
              "```python\nimport pandas as pd\ndf = pd.read_csv('exoplanets_excerpt.csv')\nmask = (df['period_days'] < 10) & (df['radius_earth'] > 1.5)\nsel = df[mask]\nprint(sel.to_string(index=False))\nprint('Count:', len(sel))\n```"),
            T("Computer_terminal", "Execute the code block from Astronomy_Expert.", term(_table(sel) + f"\nCount: {len(sel)}")),
            T("Verification_Expert", "Verify the filtered result.",
              "Checking the selected rows: all five have period < 10 d and radius > 1.5 R⊕ (smallest is HD 219134 b at 1.60). "
              "Boundary case: KOI-1831 d has period exactly 10.000 d, so it is correctly excluded by the strict '<'. Other exclusions: radius ≤ 1.5 R⊕ (Kepler-10 b 1.47, Kepler-36 b 1.49, LHS 1140 c 1.27) or long periods (K2-18 b, Kepler-138 d). "
              "The count of 5 is verified."),
            T("DataAnalysis_Expert", "Report the verified answer.", "The answer is 5.\nTERMINATE"),
        ]
        final = "5"
        label = ok_label("The filter uses period_days < 10 and radius_earth > 1.5 exactly as the task states; the five matches (Kepler-18 c, TOI-270 c, GJ 1214 b, HD 219134 b, WASP-47 e) are correct and the 10.000-day boundary row is properly excluded.")
    return run("astro-exoplanet-count", fail, task, agents, turns, final, label)


# ---------------------------------------------------------------- 3. weather records
def gen_weather(fail):
    task = ("Using the daily observations in rvm0412_2019-07.csv (Riverside Municipal Airport), what was the highest daily maximum "
            "temperature in July 2019 in °F, and on which date? Ignore any reading that carries a quality flag (non-empty QFLAG column).")
    agents = {
        "WeatherData_Expert": "You analyse station observation files with Python and report answers that satisfy the task's filtering rules.",
        "Verification_Expert": "You double-check the proposed answer against the data and every condition in the task; only confirm when both agree.",
        "Computer_terminal": "Executes the code blocks posted in the chat and returns the exit code and output.",
    }
    turns = [
        T("WeatherData_Expert", "TASK: " + task,
          "Let me look at the highest TMAX values together with their quality flags.\n```python\nimport pandas as pd\n"
          "df = pd.read_csv('rvm0412_2019-07.csv', dtype={'QFLAG': str})\nprint(len(df), 'rows')\n"
          "print(df.sort_values('TMAX', ascending=False)[['DATE', 'TMAX', 'QFLAG']].head(5).to_string(index=False))\n```"),
        T("Computer_terminal", "Execute the code block from WeatherData_Expert.",
          term("31 rows\n      DATE  TMAX QFLAG\n2019-07-20   104     I\n2019-07-21    97   NaN\n2019-07-19    95   NaN\n2019-07-06    94   NaN\n2019-07-30    93   NaN")),
        T("WeatherData_Expert", "Continue.",
          "The 104 °F reading on 2019-07-20 carries QFLAG = 'I', so the task says to ignore it. Filtering programmatically:\n```python\nimport pandas as pd\n"
          "df = pd.read_csv('rvm0412_2019-07.csv', dtype={'QFLAG': str})\nvalid = df[df['QFLAG'].isna()]\nrow = valid.loc[valid['TMAX'].idxmax()]\n"
          "print('Flagged rows excluded:', len(df) - len(valid))\nprint(f\"Max valid TMAX: {row['TMAX']} F on {row['DATE']}\")\n```"),
        T("Computer_terminal", "Execute the code block from WeatherData_Expert.",
          term("Flagged rows excluded: 1\nMax valid TMAX: 97 F on 2019-07-21")),
    ]
    if fail:
        turns += [
            T("Verification_Expert", "Proposed answer: 97 °F on 2019-07-21. Please verify.",
              "I checked the raw maximum: the file's highest TMAX is 104 °F on 2019-07-20, which is consistent with the heat on the neighbouring days "
              "(95 °F on 07-19, 97 °F on 07-21). The 'I' flag only marks an internal-consistency note, not a rejected value, so this reading stands.\n"
              "Corrected answer: 104 °F on 2019-07-20."),
            T("WeatherData_Expert", "Verification_Expert's correction above.",
              "Understood — adopting the verified value.\nFinal answer: 104 °F on 2019-07-20.\nTERMINATE"),
        ]
        final = "104 °F on 2019-07-20"
        label = fail_label("Verification_Expert", 4, ["FM-3.3"],
            "The task says \"Ignore any reading that carries a quality flag (non-empty QFLAG column)\" and the terminal shows \"2019-07-20   104     I\" "
            "and \"Max valid TMAX: 97 F on 2019-07-21\"; Verification_Expert nevertheless declares \"this reading stands. Corrected answer: 104 °F on 2019-07-20\", "
            "overturning the correct 97 °F / 2019-07-21, and WeatherData_Expert adopts it.")
    else:
        turns += [
            T("Verification_Expert", "Proposed answer: 97 °F on 2019-07-21. Please verify.",
              "Let me check independently that only one row is flagged and that there is no tie among unflagged values.\n```python\nimport pandas as pd\n"
              "df = pd.read_csv('rvm0412_2019-07.csv', dtype={'QFLAG': str})\nprint(df['QFLAG'].value_counts(dropna=False).to_string())\n"
              "print(df[df['QFLAG'].isna()].nlargest(2, 'TMAX')[['DATE', 'TMAX']].to_string(index=False))\n```"),
            T("Computer_terminal", "Execute the code block from Verification_Expert.",
              term("QFLAG\nNaN    30\nI       1\n      DATE  TMAX\n2019-07-21    97\n2019-07-19    95")),
            T("Verification_Expert", "Continue.",
              "Confirmed: exactly one flagged row (2019-07-20, 104 °F, QFLAG 'I'), which the task tells us to ignore. The highest unflagged TMAX is 97 °F on 2019-07-21, with no tie (next is 95 °F).\nTERMINATE"),
            T("WeatherData_Expert", "Wrap up.", "Final answer: 97 °F on 2019-07-21.\nTERMINATE"),
        ]
        final = "97 °F on 2019-07-21"
        label = ok_label("The flagged 104 °F reading is excluded as the task requires; the maximum unflagged TMAX is 97 °F on 2019-07-21, independently re-checked (one flagged row, no tie).")
    return run("weather-july-max-temp", fail, task, agents, turns, final, label)


# ---------------------------------------------------------------- 4. music royalties
def gen_royalty(fail):
    task = ("Songwriter Dana Ruiz holds a 40% writer share of the song 'Glass Harbor'. For Q2 2024 her publisher collected $18,750.00 "
            "in mechanical and performance royalties for the song. Under her deal the publisher first deducts a 15% administration fee "
            "from the collected amount and then pays her 40% share of the remainder, but her unrecouped advance balance of $2,100.00 is "
            "recouped from this payment before anything is paid out. How much will Dana actually be paid for Q2 2024?")
    agents = {
        "MusicRoyalty_Expert": "You are a music-publishing royalty expert. Plan the payout calculation step by step, make sure every step of the plan is carried out, and have Verification_Expert check the result before anyone says TERMINATE.",
        "Python_Expert": "You write Python code for the calculation steps you are asked to perform and print the intermediate figures.",
        "Verification_Expert": "You independently recompute the final payout from the task's figures and confirm or correct it.",
        "Computer_terminal": "Executes the code blocks posted in the chat and returns the exit code and output.",
    }
    turns = [
        T("MusicRoyalty_Expert", "TASK: " + task,
          "Plan:\n1. Net receipts after the 15% administration fee on the $18,750.00 collected.\n2. Dana's 40% writer share of that net.\n"
          "3. Recoup the $2,100.00 unrecouped advance from her share (if the share were smaller than the balance, the payout would be $0 and the rest carried forward).\n"
          "4. Verification_Expert checks the payout, then TERMINATE.\n@Python_Expert please do steps 1–2."),
        T("Python_Expert", "Perform steps 1–2 of the plan.",
          "```python\ncollected = 18750.00\nadmin_fee = 0.15 * collected\nnet = collected - admin_fee\nwriter_share = 0.40 * net\n"
          "print(f\"Admin fee: {admin_fee:.2f}\")\nprint(f\"Net after fee: {net:.2f}\")\nprint(f\"Dana's 40% share: {writer_share:.2f}\")\n```"),
        T("Computer_terminal", "Execute the code block from Python_Expert.",
          term("Admin fee: 2812.50\nNet after fee: 15937.50\nDana's 40% share: 6375.00")),
    ]
    if fail:
        turns += [
            T("MusicRoyalty_Expert", "Steps 1–2 results above.",
              "Dana's 40% share of the net receipts comes to $6,375.00. That is her Q2 2024 payment.\nFinal answer: $6,375.00\nTERMINATE"),
        ]
        final = "$6,375.00"
        label = fail_label("MusicRoyalty_Expert", 3, ["FM-3.1"],
            "MusicRoyalty_Expert's own plan includes \"3. Recoup the $2,100.00 unrecouped advance from her share\" and \"4. Verification_Expert checks the payout, then TERMINATE\", "
            "and the task says the advance \"is recouped from this payment before anything is paid out\"; yet after the terminal prints \"Dana's 40% share: 6375.00\" it answers "
            "\"Final answer: $6,375.00 TERMINATE\", skipping recoupment and verification. Correct payout: 6,375.00 − 2,100.00 = $4,275.00.")
    else:
        turns += [
            T("MusicRoyalty_Expert", "Steps 1–2 results above.",
              "Steps 1–2 done. Step 3: her share ($6,375.00) exceeds the unrecouped balance ($2,100.00), so the advance is fully recouped and the carry-forward branch does not apply: "
              "payout = 6,375.00 − 2,100.00 = $4,275.00; remaining advance balance $0.00.\n@Verification_Expert please check."),
            T("Verification_Expert", "Check the proposed payout of $4,275.00.",
              "Independent check: 18,750.00 × 0.85 = 15,937.50; × 0.40 = 6,375.00; − 2,100.00 = 4,275.00.\n"
              "Cross-check with the fee applied to the gross share instead: 18,750.00 × 0.40 = 7,500.00; 15% fee = 1,125.00; 7,500.00 − 1,125.00 = 6,375.00 — same share.\n"
              "Payout of $4,275.00 confirmed.\nTERMINATE"),
        ]
        final = "$4,275.00"
        label = ok_label("All plan steps are executed: 18,750.00 × 0.85 × 0.40 = 6,375.00, minus the $2,100.00 advance = $4,275.00, confirmed independently by Verification_Expert; the carry-forward branch is correctly skipped because the share exceeds the balance.")
    return run("royalty-q2-payout", fail, task, agents, turns, final, label)
