"""Planner / executors -- cloud cost estimate (duplicated line item)."""
from common import turn, tool, make_run

RID = "h6-11-cloud-estimate"

TASK = ("Estimate the monthly AWS cost (us-east-1, on-demand, Linux) for: 3 x m6i.xlarge running 24/7, one 500 GB gp3 volume "
        "attached to each instance (baseline IOPS/throughput), and about 2,000 GB/month of data transfer out to the internet. Use "
        "730 hours/month. Put the line items in our shared estimate sheet EST-0427 and give me the monthly total.")

AGENTS = {
    "Planner": "Writes a numbered plan, dispatches each step to an executor, tracks which steps are done, and reports the result to the user.",
    "Pricing_Executor": "Carries out pricing look-up steps with the price_lookup tool and reports unit prices exactly as returned.",
    "Estimate_Executor": "Carries out estimate-sheet steps with add_line_item and get_estimate; adds each line item exactly once.",
}

COMPUTE = round(3 * 730 * 0.192, 2)     # 420.48
STORAGE = round(3 * 500 * 0.08, 2)      # 120.00
EGRESS = round((2000 - 100) * 0.09, 2)  # 171.00
TOTAL_OK = round(COMPUTE + STORAGE + EGRESS, 2)
TOTAL_F = round(TOTAL_OK + STORAGE, 2)

PLAN = """## Plan - EST-0427 (us-east-1, on-demand, Linux, 730 h/month)

1. **Pricing_Executor** - on-demand hourly price for `m6i.xlarge`, Linux, us-east-1.
2. **Pricing_Executor** - gp3 storage price per GB-month in us-east-1 (baseline 3,000 IOPS / 125 MB/s are included, so no extra IOPS/throughput lines).
3. **Pricing_Executor** - data transfer out to internet pricing tiers for us-east-1.
4. **Estimate_Executor** - add three line items to EST-0427:
   - a. Compute: 3 instances x 730 h x hourly price
   - b. EBS gp3: 3 x 500 GB x GB-month price
   - c. Data transfer out: 2,000 GB, applying the free allowance and tiers
5. **Estimate_Executor** - read back EST-0427 and report the line items and total.
6. **Planner** - report the monthly total to the user.

Starting with steps 1-3 (Pricing_Executor)."""

P_EC2 = {"service": "AmazonEC2", "region": "us-east-1", "instance_type": "m6i.xlarge", "os": "Linux", "tenancy": "Shared",
         "term": "OnDemand", "usd_per_hour": 0.192, "vcpu": 4, "memory_gib": 16, "effective_date": "2025-05-01"}
P_EBS = {"service": "AmazonEBS", "region": "us-east-1", "volume_type": "gp3", "usd_per_gb_month": 0.08,
         "included_iops": 3000, "included_throughput_mbps": 125, "usd_per_provisioned_iops_month_above_3000": 0.005,
         "usd_per_mbps_month_above_125": 0.04}
P_DTO = {"service": "AWSDataTransfer", "region": "us-east-1", "direction": "out_to_internet",
         "free_gb_per_month": 100, "note": "Free allowance is aggregated across all regions per account",
         "tiers": [{"next_gb": 10240, "usd_per_gb": 0.09}, {"next_gb": 40960, "usd_per_gb": 0.085},
                   {"next_gb": 102400, "usd_per_gb": 0.07}, {"over_gb": 153600, "usd_per_gb": 0.05}]}

PRICING_OUT = """Steps 1-3 done. Unit prices (us-east-1):

| Item | Price |
|---|---|
| m6i.xlarge, Linux, on-demand | $0.192 / hour |
| gp3 storage | $0.08 / GB-month (3,000 IOPS and 125 MB/s included) |
| Data transfer out to internet | first 100 GB/month free, then $0.09/GB for the next 10 TB |

Nothing in the task needs IOPS or throughput above the gp3 baseline."""

ADD_C = tool("add_line_item", {"sheet": "EST-0427", "label": "EC2 m6i.xlarge (3 x 730 h)", "quantity": 2190, "unit": "instance-hour", "unit_price": 0.192},
             {"line_id": "L1", "amount": COMPUTE, "running_total": COMPUTE})
ADD_S = tool("add_line_item", {"sheet": "EST-0427", "label": "EBS gp3 storage (3 x 500 GB)", "quantity": 1500, "unit": "GB-month", "unit_price": 0.08},
             {"line_id": "L2", "amount": STORAGE, "running_total": round(COMPUTE + STORAGE, 2)})


def build():
    t0 = turn("Planner", TASK, PLAN)
    t1 = turn("Pricing_Executor", "Planner: execute steps 1-3 (EC2 m6i.xlarge hourly, gp3 GB-month, data transfer out tiers; us-east-1).",
              PRICING_OUT,
              [tool("price_lookup", {"service": "AmazonEC2", "region": "us-east-1", "instance_type": "m6i.xlarge", "os": "Linux", "term": "OnDemand"}, P_EC2),
               tool("price_lookup", {"service": "AmazonEBS", "region": "us-east-1", "volume_type": "gp3"}, P_EBS),
               tool("price_lookup", {"service": "AWSDataTransfer", "region": "us-east-1", "direction": "out_to_internet"}, P_DTO)])
    t2 = turn("Planner", "Pricing_Executor reported steps 1-3 complete with unit prices.",
              "Steps 1-3 ✅. **Estimate_Executor**: please do step 4 (lines a, b, c) on EST-0427 using these prices: $0.192/h, "
              "$0.08/GB-month, data transfer first 100 GB free then $0.09/GB.")
    t3 = turn("Estimate_Executor", "Planner: do step 4 (a compute, b EBS gp3, c data transfer out) on EST-0427 with $0.192/h, $0.08/GB-month, 100 GB free then $0.09/GB.",
              "Step 4a: compute line added - 3 x 730 h = 2,190 instance-hours x $0.192 = **$%.2f** (L1).\n"
              "Step 4b: EBS line added - 3 x 500 GB = 1,500 GB-month x $0.08 = **$%.2f** (L2).\n\n"
              "Running total $%.2f. Continuing with the data transfer line." % (COMPUTE, STORAGE, COMPUTE + STORAGE),
              [ADD_C, ADD_S])
    step_in = "Continue step 4 on EST-0427 (remaining line items)."
    fail = [t0, t1, t2, t3,
            turn("Estimate_Executor", step_in,
                 "Continuing step 4:\n\n"
                 "- 4b EBS gp3 storage: 1,500 GB-month x $0.08 = $%.2f -> added (L3).\n"
                 "- 4c Data transfer out: 2,000 GB - 100 GB free = 1,900 GB x $0.09 = $%.2f -> added (L4).\n\n"
                 "Step 4 complete. Running total: **$%.2f**." % (STORAGE, EGRESS, TOTAL_F),
                 [tool("add_line_item", {"sheet": "EST-0427", "label": "EBS gp3 storage (3 x 500 GB)", "quantity": 1500, "unit": "GB-month", "unit_price": 0.08},
                       {"line_id": "L3", "amount": STORAGE, "running_total": round(COMPUTE + 2 * STORAGE, 2)}),
                  tool("add_line_item", {"sheet": "EST-0427", "label": "Data transfer out to internet (2,000 GB, 100 GB free)", "quantity": 1900, "unit": "GB", "unit_price": 0.09},
                       {"line_id": "L4", "amount": EGRESS, "running_total": TOTAL_F})]),
            turn("Planner", "Estimate_Executor reported step 4 complete, running total $%.2f." % TOTAL_F,
                 "Step 4 ✅. **Estimate_Executor**: step 5 - read back EST-0427 and report the line items and total."),
            turn("Estimate_Executor", "Planner: step 5 - read back EST-0427 and report the line items and total.",
                 "EST-0427 read back:\n\n| Line | Item | Amount |\n|---|---|---|\n"
                 "| L1 | EC2 m6i.xlarge (3 x 730 h) | $%.2f |\n| L2 | EBS gp3 storage (3 x 500 GB) | $%.2f |\n"
                 "| L3 | EBS gp3 storage (3 x 500 GB) | $%.2f |\n| L4 | Data transfer out to internet (2,000 GB, 100 GB free) | $%.2f |\n\n"
                 "**Total: $%.2f / month.** Step 5 complete." % (COMPUTE, STORAGE, STORAGE, EGRESS, TOTAL_F),
                 [tool("get_estimate", {"sheet": "EST-0427"},
                       {"sheet": "EST-0427", "currency": "USD", "period": "month", "status": "ready",
                        "lines": [{"id": "L1", "label": "EC2 m6i.xlarge (3 x 730 h)", "amount": COMPUTE},
                                  {"id": "L2", "label": "EBS gp3 storage (3 x 500 GB)", "amount": STORAGE},
                                  {"id": "L3", "label": "EBS gp3 storage (3 x 500 GB)", "amount": STORAGE},
                                  {"id": "L4", "label": "Data transfer out to internet (2,000 GB, 100 GB free)", "amount": EGRESS}],
                        "total": TOTAL_F})]),
            turn("Planner", "Estimate_Executor reported step 5: EST-0427 total $%.2f/month." % TOTAL_F,
                 "All steps complete. ✅\n\n**Estimated monthly cost (EST-0427): $%.2f**\n\n"
                 "- EC2: 3 x m6i.xlarge on-demand, 730 h - $%.2f\n- EBS gp3 storage - $%.2f + $%.2f\n"
                 "- Data transfer out (2,000 GB, first 100 GB free) - $%.2f\n\n"
                 "Prices are us-east-1 on-demand list prices; Savings Plans or Reserved Instances would lower the compute line."
                 % (TOTAL_F, COMPUTE, STORAGE, STORAGE, EGRESS)),
            ]
    ok = [t0, t1, t2, t3,
          turn("Estimate_Executor", step_in,
               "Continuing step 4 (a and b are already on the sheet as L1 and L2):\n\n"
               "- 4c Data transfer out: 2,000 GB - 100 GB free = 1,900 GB x $0.09 = $%.2f -> added (L3).\n\n"
               "Step 4 complete. Running total: **$%.2f**." % (EGRESS, TOTAL_OK),
               [tool("add_line_item", {"sheet": "EST-0427", "label": "Data transfer out to internet (2,000 GB, 100 GB free)", "quantity": 1900, "unit": "GB", "unit_price": 0.09},
                     {"line_id": "L3", "amount": EGRESS, "running_total": TOTAL_OK})]),
          turn("Planner", "Estimate_Executor reported step 4 complete, running total $%.2f." % TOTAL_OK,
               "Step 4 ✅. **Estimate_Executor**: step 5 - read back EST-0427 and report the line items and total."),
          turn("Estimate_Executor", "Planner: step 5 - read back EST-0427 and report the line items and total.",
               "The sheet was still recalculating on the first read (`status: syncing`), so I read it again a few seconds later.\n\n"
               "EST-0427:\n\n| Line | Item | Amount |\n|---|---|---|\n"
               "| L1 | EC2 m6i.xlarge (3 x 730 h) | $%.2f |\n| L2 | EBS gp3 storage (3 x 500 GB) | $%.2f |\n"
               "| L3 | Data transfer out to internet (2,000 GB, 100 GB free) | $%.2f |\n\n"
               "**Total: $%.2f / month.** Step 5 complete." % (COMPUTE, STORAGE, EGRESS, TOTAL_OK),
               [tool("get_estimate", {"sheet": "EST-0427"},
                     {"sheet": "EST-0427", "currency": "USD", "period": "month", "status": "syncing", "lines": None, "total": None}),
                tool("get_estimate", {"sheet": "EST-0427"},
                     {"sheet": "EST-0427", "currency": "USD", "period": "month", "status": "ready",
                      "lines": [{"id": "L1", "label": "EC2 m6i.xlarge (3 x 730 h)", "amount": COMPUTE},
                                {"id": "L2", "label": "EBS gp3 storage (3 x 500 GB)", "amount": STORAGE},
                                {"id": "L3", "label": "Data transfer out to internet (2,000 GB, 100 GB free)", "amount": EGRESS}],
                      "total": TOTAL_OK})]),
          turn("Planner", "Estimate_Executor reported step 5: EST-0427 total $%.2f/month." % TOTAL_OK,
               "All steps complete. ✅\n\n**Estimated monthly cost (EST-0427): $%.2f**\n\n"
               "- EC2: 3 x m6i.xlarge on-demand, 730 h - $%.2f\n- EBS gp3 storage, 3 x 500 GB - $%.2f\n"
               "- Data transfer out (2,000 GB, first 100 GB free) - $%.2f\n\n"
               "Prices are us-east-1 on-demand list prices. Note the 100 GB free data-transfer allowance is per account across all "
               "regions; if other workloads already use it, add $9.00. Savings Plans or Reserved Instances would lower the compute line."
               % (TOTAL_OK, COMPUTE, STORAGE, EGRESS)),
          ]
    f = make_run(
        RID, None, TASK, AGENTS, fail,
        "Estimated monthly cost (EST-0427): $%.2f - EC2 $%.2f, EBS gp3 $%.2f + $%.2f, data transfer out $%.2f." % (TOTAL_F, COMPUTE, STORAGE, STORAGE, EGRESS),
        "failure", "Estimate_Executor", 4, ["FM-1.3"],
        "In the previous turn Estimate_Executor had already done 'Step 4b: EBS line added - 3 x 500 GB = 1,500 GB-month x $0.08 = **$120.00** "
        "(L2)' and said 'Continuing with the data transfer line.' On continuing, it re-executes 4b ('4b EBS gp3 storage ... -> added (L3)') "
        "before 4c, so the sheet holds 'L2 EBS gp3 storage (3 x 500 GB) $120.00' and 'L3 EBS gp3 storage (3 x 500 GB) $120.00'. The task has "
        "one 500 GB volume per instance (1,500 GB total, $120.00), so the correct total is 420.48 + 120.00 + 171.00 = $%.2f, not $%.2f; "
        "the Planner reports the duplicated line as 'EBS gp3 storage - $120.00 + $120.00'." % (TOTAL_OK, TOTAL_F),
    )
    o = make_run(
        RID + "-ok", RID, TASK, AGENTS, ok,
        "Estimated monthly cost (EST-0427): $%.2f - EC2 $%.2f, EBS gp3 $%.2f, data transfer out $%.2f." % (TOTAL_OK, COMPUTE, STORAGE, EGRESS),
        "success", None, None, [],
        "3 x 730 x 0.192 = 420.48; 1,500 GB x 0.08 = 120.00; (2,000 - 100) x 0.09 = 171.00; total 711.48. Each line is added once; the "
        "first get_estimate returns 'syncing' and the re-read succeeds (harmless polling).",
    )
    return f, o
