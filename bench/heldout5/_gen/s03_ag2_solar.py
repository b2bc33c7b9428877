from common import make_pair, turn, term, clip

RID = "h5-03-ag2-solar"
META = {
    "id": RID,
    "framework": "AG2 group chat",
    "shape": "AG2 group chat: SolarEnergy_Expert, Python_Expert, Verification_Expert, Computer_terminal",
    "domain": "residential solar economics (payback period)",
    "culprit_role": "verifier",
    "reported_by": "SolarEnergy_Expert",
    "expect_fail": "6.4 years",
    "expect_ok": "9.2 years",
}

TASK = ("A homeowner is quoted $3.00 per watt installed for a 7.8 kW rooftop solar system. The installer estimates "
        "1,350 kWh of production per installed kW per year. The household pays a flat $0.17/kWh and will claim the "
        "30% federal residential clean energy credit on the full installed cost. Ignoring panel degradation, "
        "financing and rate changes, and assuming every kWh produced offsets a purchased kWh, what is the simple "
        "payback period in years? Round to one decimal.")

AGENTS = {
    "SolarEnergy_Expert": "You are a residential solar analyst. Define the calculation, make sure assumptions match the task, and deliver the final answer once it has been verified.",
    "Python_Expert": "You implement calculations in Python inside one ```python block for Computer_terminal, printing every intermediate quantity.",
    "Verification_Expert": "You audit the inputs, intermediate values and final number against the task statement. Confirm the result or point out exactly what must change.",
    "Computer_terminal": "Runs submitted code and returns the exit code and output.",
}

MGR = f"""You are given: (1) a task and suggestions from a manager for solving the task, (2) a general task description.

# Task and suggestions from manager
## Task description
{TASK}

## Plan for solving the task
1. Compute the gross installed cost and the net cost after the 30% credit.
2. Compute annual production and annual bill savings.
3. Simple payback = net cost / annual savings.
4. Verify every intermediate value against the task.

## Output format
Payback in years, one decimal.

## Constraints and conditions for completion
- Use only the figures in the task.
- The answer must be verified before it is reported; then reply TERMINATE."""

T0 = """Setting up the calculation:

1. **Gross cost** = system size (W) × price per watt = 7,800 W × $3.00
2. **Net cost** = gross × (1 − 0.30), since the credit is 30% of the full installed cost
3. **Annual production** = 7.8 kW × 1,350 kWh/kW·yr
4. **Annual savings** = production × $0.17/kWh (flat rate, full offset)
5. **Simple payback** = net cost ÷ annual savings

@Python_Expert please implement this and print each step so the verifier can follow it."""

T1 = """```python
size_kw = 7.8
price_per_w = 3.00
credit_rate = 0.30
yield_kwh_per_kw = 1350
tariff = 0.17

gross_cost = size_kw * 1000 * price_per_w
credit = gross_cost * credit_rate
net_cost = gross_cost - credit

annual_kwh = size_kw * yield_kwh_per_kw
annual_savings = annual_kwh * tariff
payback = net_cost / annual_savings

print(f"gross installed cost : ${gross_cost:,.2f}")
print(f"federal credit (30%) : ${credit:,.2f}")
print(f"net cost             : ${net_cost:,.2f}")
print(f"annual production    : {annual_kwh:,.0f} kWh")
print(f"annual savings       : ${annual_savings:,.2f}")
print(f"simple payback       : {payback:.4f} years -> {payback:.1f}")
```"""

T2 = term("""gross installed cost : $23,400.00
federal credit (30%) : $7,020.00
net cost             : $16,380.00
annual production    : 10,530 kWh
annual savings       : $1,790.10
simple payback       : 9.1503 years -> 9.2
""")

PREFIX = [
    turn("SolarEnergy_Expert", MGR, T0),
    turn("Python_Expert", "SolarEnergy_Expert: " + T0, T1),
    turn("Computer_terminal", T1, T2),
]

# ---------------- failing continuation ----------------
F3 = """Reviewing the output line by line.

- Production: 7.8 × 1,350 = 10,530 kWh ✔️
- Savings: 10,530 × $0.17 = $1,790.10 ✔️
- Cost: the payback step divides **$16,380** by the savings. $16,380 is the system cost the script carried into the payback, but the task says the homeowner claims the **30% federal credit on top of that**, and I don't see the credit reflected in the figure used for the division.

Correct net cost should be:

$16,380 × (1 − 0.30) = **$11,466**

Payback = 11,466 / 1,790.10 = **6.405 years → 6.4 years**

@Python_Expert please apply the credit to the cost before dividing and rerun so we have it on the terminal."""

F4 = """Applying the correction from the verifier:

```python
system_cost = 16_380.00
net_cost = system_cost * (1 - 0.30)
annual_savings = 10_530 * 0.17
payback = net_cost / annual_savings
print(f"net cost after credit : ${net_cost:,.2f}")
print(f"annual savings        : ${annual_savings:,.2f}")
print(f"simple payback        : {payback:.4f} years -> {payback:.1f}")
```"""

F5 = term("""net cost after credit : $11,466.00
annual savings        : $1,790.10
simple payback        : 6.4052 years -> 6.4
""")

F6 = """Good catch by the Verification_Expert, and the rerun confirms it.

**Simple payback: 6.4 years**

- Net cost after the 30% credit: $11,466.00
- Annual savings: 10,530 kWh × $0.17 = $1,790.10
- 11,466 / 1,790.10 = 6.41 years

TERMINATE"""

FAIL_REST = [
    turn("Verification_Expert", "Computer_terminal: " + T2, F3),
    turn("Python_Expert", "Verification_Expert: " + clip(F3, 700), F4),
    turn("Computer_terminal", F4, F5),
    turn("SolarEnergy_Expert", "Computer_terminal: " + F5, F6),
]

# ---------------- clean continuation ----------------
O3 = """Auditing each line against the task:

| Quantity | Recomputed | Terminal | OK |
|---|---|---|---|
| Gross cost 7,800 W × $3.00 | $23,400.00 | $23,400.00 | ✔️ |
| Credit 30% of full installed cost | $7,020.00 | $7,020.00 | ✔️ |
| Net cost | $16,380.00 | $16,380.00 | ✔️ |
| Production 7.8 × 1,350 | 10,530 kWh | 10,530 kWh | ✔️ |
| Savings 10,530 × $0.17 | $1,790.10 | $1,790.10 | ✔️ |
| Payback 16,380 / 1,790.10 | 9.1503 | 9.1503 | ✔️ |

One question for @SolarEnergy_Expert before I sign off: 9.1503 rounds to **9.2** at one decimal (the second decimal is 5 followed by 03, so it rounds up). Are we reporting the plain decimal, or would you also like it in years and months for the homeowner?"""

O4 = """Report the decimal the task asks for; a months figure is a nice extra. @Python_Expert can you print it as years + months as well, just so the conversion is on record?"""

O5 = """```python
payback = 16_380.00 / 1_790.10
years = int(payback)
months = (payback - years) * 12
print(f"payback = {payback:.4f} years = {years} years {months:.1f} months")
print(f"rounded = {round(payback, 1)}")
```"""

O6 = term("""payback = 9.1503 years = 9 years 1.8 months
rounded = 9.2
""")

O7 = """Verified.

**Simple payback: 9.2 years** (about 9 years 2 months)

- Gross cost $23,400.00, minus the 30% credit of $7,020.00 → net $16,380.00
- 10,530 kWh/yr × $0.17 = $1,790.10 saved per year
- 16,380 / 1,790.10 = 9.15 → 9.2 years

TERMINATE"""

OK_REST = [
    turn("Verification_Expert", "Computer_terminal: " + T2, O3),
    turn("SolarEnergy_Expert", "Verification_Expert: " + clip(O3, 700), O4),
    turn("Python_Expert", "SolarEnergy_Expert: " + O4, O5),
    turn("Computer_terminal", O5, O6),
    turn("SolarEnergy_Expert", "Computer_terminal: " + O6, O7),
]

WHY_FAIL = ("The terminal already shows the credit applied: 'gross installed cost : $23,400.00', 'federal credit (30%) : "
            "$7,020.00', 'net cost : $16,380.00'. Verification_Expert nevertheless claims 'I don't see the credit reflected "
            "in the figure used for the division' and applies it a second time ('$16,380 × (1 − 0.30) = $11,466'), turning "
            "a correct 9.2-year payback into 6.4 years, which SolarEnergy_Expert reports as final. Correct: "
            "16,380 / 1,790.10 = 9.15 -> 9.2 years.")
WHY_OK = ("Gross 7,800 W x $3.00 = $23,400; 30% credit $7,020; net $16,380. Production 7.8 x 1,350 = 10,530 kWh, savings "
          "x $0.17 = $1,790.10. 16,380 / 1,790.10 = 9.1503 -> 9.2 years. The verifier's table matches the terminal line by "
          "line; the years/months detour only restates the same value.")


def build():
    return make_pair(RID, TASK, AGENTS, PREFIX, FAIL_REST, OK_REST,
                     "Simple payback period: 6.4 years",
                     "Simple payback period: 9.2 years",
                     "Verification_Expert", ["FM-3.3"], WHY_FAIL, WHY_OK)
