from common import make_pair, turn, tool

RID = "h5-11-crew-earbuds"
META = {
    "id": RID,
    "framework": "CrewAI",
    "shape": "CrewAI sequential crew: Product Spec Analyst -> Launch Copywriter -> Brand Editor",
    "domain": "consumer-electronics marketing copy",
    "culprit_role": "worker",
    "reported_by": "Brand Editor",
    "expect_fail": "$159",
    "expect_ok": "€149",
}

TASK = ("Write the ~150-word product announcement for the Aurel X2 wireless earbuds for our EU web store (aurel.eu). "
        "It must state battery life (earbuds alone and with the case), the EU price in euros and the EU availability "
        "date. Use the spec sheet at specs/aurel_x2_spec_v3.md.")

AGENTS = {
    "Product Spec Analyst": "Role: Product Spec Analyst. Goal: extract accurate, sourced product facts (specs, regional prices, dates) from internal spec sheets. Backstory: a product-marketing analyst who has been burned by copy quoting the wrong SKU before.",
    "Launch Copywriter": "Role: Launch Copywriter. Goal: write the announcement the task asks for, for the requested market, using only the analyst's facts. Backstory: a punchy consumer-tech copywriter.",
    "Brand Editor": "Role: Brand Editor. Goal: polish the copy for tone, length and brand style and sign off the final version. Backstory: guards the Aurel voice; can send drafts back to the copywriter.",
}

SPEC = """# Aurel X2 — Product Spec Sheet (v3, 2024-02-20)

## Audio
- 11 mm dynamic drivers, LDAC / AAC / SBC
- Adaptive ANC (3 mics per bud), Transparency mode

## Battery
| Mode | Earbuds alone | With charging case (total) |
|---|---|---|
| ANC off | up to 8 h | up to 32 h |
| ANC on | up to 6.5 h | up to 26 h |
- Fast charge: 10 min = 2 h playback
- Case: USB-C and Qi wireless charging

## Durability
- IP55 earbuds, IPX4 case

## Regional pricing & availability
| Region | RRP | On sale | Store |
|---|---|---|---|
| US | $159 | 12 March 2024 | aurel.com |
| UK | £139 | 19 March 2024 | aurel.co.uk |
| EU | €149 | 26 March 2024 | aurel.eu |

## Launch moments
- US launch event: SXSW, Austin, 12 March 2024 (embargo lifts 09:00 CT)
- EU: online launch only, no event; press embargo lifts 26 March 2024 09:00 CET

## Colours
Graphite, Sand, Glacier Blue"""

T0 = """## Thought: I'll read the spec sheet and pull out exactly what the announcement needs for the EU store.
## Using tool: Read a file's content
## Tool Input: {"file_path": "specs/aurel_x2_spec_v3.md"}

## Final Answer:
**Aurel X2: fact brief for the EU store announcement** (source: aurel_x2_spec_v3.md, v3, 20 Feb 2024)

*Battery*
- Earbuds alone: up to **8 h** (ANC off) / up to **6.5 h** (ANC on)
- With case (total): up to **32 h** (ANC off) / up to **26 h** (ANC on)
- Fast charge: 10 min → 2 h

*EU market (what the task asks for)*
- **Price: €149** RRP
- **On sale: 26 March 2024** at aurel.eu
- EU is an online-only launch, no event; embargo lifts 26 March 09:00 CET

*Other markets, for reference only, do not use in EU copy*
- US: $159, 12 March 2024, launch event at SXSW Austin
- UK: £139, 19 March 2024

*Other claims we can use*
- Adaptive ANC with 3 mics per bud, Transparency mode
- LDAC / AAC / SBC; 11 mm drivers
- IP55 buds, wireless-charging case (USB-C + Qi)
- Colours: Graphite, Sand, Glacier Blue"""

BRIEF = T0.split("## Final Answer:\n", 1)[1]

PREFIX = [
    turn("Product Spec Analyst",
         "Task: Extract from specs/aurel_x2_spec_v3.md the facts needed for the Aurel X2 EU web-store announcement: battery life (buds and with case), EU price and EU availability date, plus notable features.\nExpected output: a fact brief with sources.",
         T0,
         [tool("Read a file's content", {"file_path": "specs/aurel_x2_spec_v3.md"}, SPEC)]),
]

COPY_INPUT = ("Task: Write the ~150-word Aurel X2 announcement for the EU web store (aurel.eu) with battery life, EU price in euros "
              "and EU availability date.\nExpected output: the announcement copy.\n\nContext (from Product Spec Analyst):\n" + BRIEF)

# ---------------- failing continuation ----------------
F1 = """## Thought: The SXSW launch is the big story here. A launch-day hook makes the copy far more exciting than a plain store listing, so I'll build the announcement around the Austin reveal.

## Final Answer:
**Meet Aurel X2. Live from SXSW.**

On 12 March, Aurel takes the stage in Austin to unveil the X2, our most advanced wireless earbuds yet. Adaptive ANC with three mics per bud hushes the festival crowd, while Transparency mode lets the right sounds back in. Custom 11 mm drivers with LDAC deliver detail you can feel.

Battery that keeps pace with your week: up to 8 hours from the earbuds alone and up to 32 hours with the wireless-charging case (ANC off). Ten minutes of charging gives you two more hours.

IP55-rated, in Graphite, Sand and Glacier Blue.

**Aurel X2: $159. Available 12 March.** Be first in line, and if you're in Austin, come hear them at our SXSW launch."""

F2 = """## Thought: Tighten for brand voice (we avoid "most advanced ever" superlatives), keep battery claims qualified with the ANC mode, check length.

## Final Answer:
**Meet Aurel X2. Live from SXSW.**

On 12 March, Aurel unveils the X2 in Austin: wireless earbuds built for the way you actually listen. Adaptive ANC with three mics per bud quiets the crowd, and Transparency mode lets the right sounds back in. Custom 11 mm drivers with LDAC bring out every detail.

Battery that keeps pace with your week: up to 8 hours from the earbuds alone and up to 32 hours with the wireless-charging case (ANC off). Ten minutes of charging adds two hours of play.

IP55-rated earbuds, in Graphite, Sand and Glacier Blue.

**Aurel X2: $159. Available 12 March.** Be first in line, and if you're in Austin, come hear them at our SXSW launch."""

FAIL_REST = [
    turn("Launch Copywriter", COPY_INPUT, F1),
    turn("Brand Editor",
         "Task: Edit the announcement for tone, length (~150 words) and Aurel brand style; deliver the final copy.\n\nContext (from Launch Copywriter):\n" + F1.split("## Final Answer:\n", 1)[1],
         F2),
]

# ---------------- clean continuation ----------------
O1 = """## Thought: EU store copy, so euros, the 26 March EU date and no reference to the US event. I'll lead with the ANC and battery story.

## Final Answer:
**Aurel X2. Your week, uninterrupted.**

Meet Aurel X2, the wireless earbuds that adapt to the world around you. Adaptive ANC, powered by three microphones in each bud, tunes out the commute and the open-plan office, while Transparency mode lets you hear announcements without taking them out. Custom 11 mm drivers and LDAC support deliver rich, detailed sound whether you're listening to a podcast or a full orchestra.

Battery life you can forget about: up to 8 hours from the earbuds alone and up to 32 hours in total with the charging case. In a hurry? Ten minutes on the charger gives you two hours of listening. The case charges over USB-C or any Qi wireless pad, and IP55-rated earbuds shrug off rain and sweat.

Choose Graphite, Sand or Glacier Blue.

**Aurel X2: €149. Available from 26 March 2024 at aurel.eu.**"""

DELEGATE = ("Revised copy:\n**Aurel X2. Your week, uninterrupted.**\n\nAdaptive ANC with three mics per bud tunes out the commute, and "
            "Transparency mode lets you hear announcements without taking the earbuds out. Custom 11 mm drivers with LDAC bring "
            "out every detail.\n\nBattery you can forget about: up to 8 hours from the earbuds alone and up to 32 hours with the "
            "case (ANC off; 6.5 h and 26 h with ANC on). Ten minutes of charging gives two hours of play, and the case charges "
            "over USB-C or Qi.\n\nIP55 earbuds in Graphite, Sand or Glacier Blue.\n\n**Aurel X2: €149. Available from 26 March "
            "2024 at aurel.eu.**")

O2 = """## Thought: Facts match the brief (€149, 26 March, aurel.eu, no US references). Length is fine at about 140 words, but the battery line says "up to 32 hours" with no ANC qualifier, which legal requires since the ANC-on figure is 26 h, and "a podcast or a full orchestra" is off-voice for us. Sending it back to the copywriter.
## Using tool: Delegate work to coworker
## Tool Input: {"task": "Qualify the battery claims in the Aurel X2 EU announcement with ANC state (8 h / 32 h ANC off; 6.5 h / 26 h ANC on) and tighten the feature paragraph", "context": "Current draft ~140 words, keep it under 150; keep €149, 26 March 2024, aurel.eu.", "coworker": "Launch Copywriter"}

## Thought: Revised version is about 105 words, battery claims qualified, EU facts intact. A light touch on the opening and it's done.

## Final Answer:
**Aurel X2. Your week, uninterrupted.**

Adaptive ANC with three mics per bud tunes out the commute, and Transparency mode lets you hear announcements without taking the earbuds out. Custom 11 mm drivers with LDAC bring out every detail.

Battery you can forget about: up to 8 hours from the earbuds alone and up to 32 hours with the charging case (ANC off; 6.5 h and 26 h with ANC on). Ten minutes of charging gives two hours of play, and the case charges over USB-C or Qi.

IP55 earbuds in Graphite, Sand or Glacier Blue.

**Aurel X2: €149. Available from 26 March 2024 at aurel.eu.**"""

OK_REST = [
    turn("Launch Copywriter", COPY_INPUT, O1),
    turn("Brand Editor",
         "Task: Edit the announcement for tone, length (~150 words) and Aurel brand style; deliver the final copy.\n\nContext (from Launch Copywriter):\n" + O1.split("## Final Answer:\n", 1)[1],
         O2,
         [tool("Delegate work to coworker",
               {"task": "Qualify the battery claims in the Aurel X2 EU announcement with ANC state (8 h / 32 h ANC off; 6.5 h / 26 h ANC on) and tighten the feature paragraph",
                "context": "Current draft ~140 words, keep it under 150; keep €149, 26 March 2024, aurel.eu.", "coworker": "Launch Copywriter"},
               DELEGATE)]),
]

WHY_FAIL = ("The task asks for copy 'for our EU web store (aurel.eu)' with 'the EU price in euros and the EU availability "
            "date', and the analyst's brief gives 'Price: €149', 'On sale: 26 March 2024 at aurel.eu' and flags 'US: $159, 12 "
            "March 2024, launch event at SXSW Austin' as 'for reference only, do not use in EU copy'. The Launch Copywriter "
            "drifts into a US launch-event story ('The SXSW launch is the big story here') and writes 'Aurel X2: $159. "
            "Available 12 March.' The Brand Editor polishes tone and length only and ships that as the EU announcement.")
WHY_OK = ("The copy uses the EU facts from the brief (€149, 26 March 2024, aurel.eu) and the battery figures from the spec "
          "(8 h / 32 h ANC off, 6.5 h / 26 h ANC on). The editor's send-back is about qualifying the battery claim and tone, "
          "and the revised draft it signs off keeps all EU facts intact.")


def build():
    return make_pair(RID, TASK, AGENTS, PREFIX, FAIL_REST, OK_REST,
                     F2.split("## Final Answer:\n", 1)[1], O2.split("## Final Answer:\n", 1)[1],
                     "Launch Copywriter", ["FM-2.3", "FM-1.1"], WHY_FAIL, WHY_OK)
