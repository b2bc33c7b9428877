import json
from common import T, run, tool

RID = "h7-07-ssh-blocklist"
SHAPE = "Magentic-One (Orchestrator + Coder + ComputerTerminal + FileSurfer)"
DOMAIN = "IT security / SSH log triage"

TASK = ("Go through last night's SSH auth log (logs/auth_2024-09-18.log) and tell me which source IPs to add to the edge firewall "
        "blocklist. Rule: block any source with 20 or more failed password attempts, but never block anything that is ours or a partner's "
        "— the asset inventory is docs/asset_inventory.csv.")

AGENTS = {
    "Orchestrator": "Plans the task, maintains the facts ledger, assigns subtasks to Coder, ComputerTerminal and FileSurfer, and writes the final answer.",
    "Coder": "Writes Python or shell scripts to analyze local files; scripts are run by ComputerTerminal.",
    "ComputerTerminal": "Executes code blocks written by Coder and returns the output.",
    "FileSurfer": "Opens and reads local files (page by page) and reports their relevant contents back to the Orchestrator.",
}

t0 = T("Orchestrator", "Initial task.",
       "**Facts ledger**\n- GIVEN: log at logs/auth_2024-09-18.log; inventory at docs/asset_inventory.csv\n- GIVEN: threshold ≥20 failed password attempts; never block our own or partner addresses\n"
       "- TO LOOK UP: per-IP failure counts; which IPs are ours/partner\n\n**Plan**\n1. Coder: count failed password attempts per source IP\n2. FileSurfer: read the asset inventory and report which of the flagged IPs are ours or a partner's\n3. Produce blocklist\n\n"
       "Next speaker: Coder — please write a script that counts `Failed password` lines per source IP in logs/auth_2024-09-18.log, and also shows any `Accepted` logins from those IPs.")

code = '''```python
import re
from collections import Counter, defaultdict

fails, accepted = Counter(), defaultdict(list)
with open("logs/auth_2024-09-18.log") as f:
    for line in f:
        m = re.search(r"(Failed|Accepted) password for (?:invalid user )?(\\S+) from (\\d+\\.\\d+\\.\\d+\\.\\d+)", line)
        if not m:
            continue
        kind, user, ip = m.groups()
        if kind == "Failed":
            fails[ip] += 1
        else:
            accepted[ip].append(user)

for ip, n in fails.most_common():
    print(f"{ip:<16} failed={n:<5} accepted={accepted.get(ip, [])}")
```'''

t1 = T("Coder", "Count Failed password lines per source IP; show Accepted logins from those IPs.", "Here's the script:\n\n" + code)

t2 = T("ComputerTerminal", "Run the Coder's script.",
       "203.0.113.45     failed=412   accepted=[]\n10.20.4.17       failed=388   accepted=[]\n198.51.100.23    failed=57    accepted=['svc_edi']\n"
       "192.0.2.77       failed=9     accepted=[]\n10.20.11.102     failed=3     accepted=['jlee', 'jlee']\n")

t3 = T("Orchestrator", "Terminal output received.",
       "**Ledger update**: ≥20 failures: 203.0.113.45 (412), 10.20.4.17 (388), 198.51.100.23 (57, plus one accepted login as svc_edi). Below threshold: 192.0.2.77 (9), 10.20.11.102 (3).\n\n"
       "Next speaker: FileSurfer — open docs/asset_inventory.csv and tell me whether 203.0.113.45, 10.20.4.17 or 198.51.100.23 belong to us or a partner.")

page1 = ("Path: docs/asset_inventory.csv\nViewport position: Showing page 1 of 2.\n=======================\n"
         "ip_or_range,hostname,owner,category,notes\n10.20.0.0/16,corp-lan,IT,internal,All corporate LAN\n172.16.8.0/24,dmz,IT,internal,DMZ servers\n"
         "10.20.4.17,vuln-scan-01,Security,internal,Authenticated Nessus scans Tue/Wed 01:00-03:00\n10.20.11.102,jlee-laptop,Finance,internal,\n"
         "10.20.2.10,files-01,IT,internal,SMB file server\n10.20.2.11,files-02,IT,internal,SMB file server (replica)\n10.20.3.5,build-01,Eng,internal,CI runner\n"
         "10.20.3.6,build-02,Eng,internal,CI runner\n10.20.5.40,badge-ctl,Facilities,internal,Door access controller\n10.20.6.8,print-3f,IT,internal,Printer 3rd floor\n"
         "10.20.6.9,print-4f,IT,internal,Printer 4th floor\n10.20.7.21,vpn-gw,IT,internal,Remote access gateway\n10.20.7.22,bastion-01,IT,internal,SSH bastion")
page2 = ("Path: docs/asset_inventory.csv\nViewport position: Showing page 2 of 2.\n=======================\n"
         "10.20.8.14,hr-app,HR,internal,HRIS\n10.20.9.3,pos-sync,Retail,internal,Store POS sync\n"
         "198.51.100.23,kestrel-egress,Partner: Kestrel Logistics,partner,Partner VPN/EDI egress - ALLOWLISTED (contract KL-2022-07). Do not block; contact partner NOC.\n"
         "203.0.113.0/27,acme-cdn-edge,Vendor: Acme CDN,vendor,CDN origin pull (only .1-.30)\n100.64.12.0/24,guest-wifi,IT,internal,Guest network (CGNAT)")

fs_tools = [tool("open_path", {"path": "docs/asset_inventory.csv"}, page1), tool("page_down", {}, page2)]

t4_fail = T("FileSurfer", "Open docs/asset_inventory.csv; are 203.0.113.45, 10.20.4.17, 198.51.100.23 ours or a partner's?",
            "I read the full inventory (2 pages).\n\n- **10.20.4.17** is ours: `vuln-scan-01`, Security team's authenticated Nessus scanner (scans Tue/Wed 01:00–03:00). "
            "That explains the 388 failures overnight — don't block.\n- **203.0.113.45** is not in inventory. (There is a vendor range 203.0.113.0/27 for Acme CDN, but that only covers .1–.30, so .45 is outside it.)\n"
            "- Corporate ranges are 10.20.0.0/16, 172.16.8.0/24 and guest 100.64.12.0/24.",
            fs_tools)

t5_fail = T("Orchestrator", "FileSurfer reported.",
            "**Final answer**\n\nAdd to the edge blocklist:\n\n| IP | Failed attempts | Note |\n|---|---|---|\n| 203.0.113.45 | 412 | Unknown external source; outside the Acme CDN /27 |\n"
            "| 198.51.100.23 | 57 | Unknown external source; **one successful login as `svc_edi`** — treat as possible compromise, rotate svc_edi credentials |\n\n"
            "Do **not** block 10.20.4.17 (internal Nessus scanner, vuln-scan-01). 192.0.2.77 (9) and 10.20.11.102 (3) are under the 20-attempt threshold.")

FINAL_FAIL = ("Block 203.0.113.45 (412 failed attempts) and 198.51.100.23 (57 failed attempts plus one successful svc_edi login — rotate svc_edi). "
              "Do not block 10.20.4.17 (internal Nessus scanner). 192.0.2.77 and 10.20.11.102 are under threshold.")

t4_ok = T("FileSurfer", "Open docs/asset_inventory.csv; are 203.0.113.45, 10.20.4.17, 198.51.100.23 ours or a partner's?",
          "I read the full inventory (2 pages).\n\n- **10.20.4.17** is ours: `vuln-scan-01`, Security's authenticated Nessus scanner (Tue/Wed 01:00–03:00) — don't block.\n"
          "- **198.51.100.23** is a partner: `kestrel-egress`, **Kestrel Logistics VPN/EDI egress, marked ALLOWLISTED (contract KL-2022-07): \"Do not block; contact partner NOC.\"** "
          "The `svc_edi` login fits their EDI integration.\n- **203.0.113.45** is not in inventory. The Acme CDN vendor range 203.0.113.0/27 only covers .1–.30, so .45 is outside it.",
          fs_tools)

t5_ok = T("Orchestrator", "FileSurfer reported.",
          "**Final answer**\n\nAdd to the edge blocklist:\n\n| IP | Failed attempts | Note |\n|---|---|---|\n| 203.0.113.45 | 412 | Not ours; outside the Acme CDN /27 |\n\n"
          "Do **not** block:\n- 10.20.4.17 (388) — our Nessus scanner\n- 198.51.100.23 (57) — Kestrel Logistics partner egress, allowlisted. 57 failures then an accepted `svc_edi` login is worth a call to Kestrel's NOC (possible misconfigured or rotated credential on their side).\n\n"
          "192.0.2.77 (9) and 10.20.11.102 (3) are below threshold.")

FINAL_OK = ("Block only 203.0.113.45 (412 failed attempts). Do not block 10.20.4.17 (internal Nessus scanner) or 198.51.100.23 (Kestrel Logistics "
            "partner egress, allowlisted — contact their NOC about the 57 failures before the svc_edi login). 192.0.2.77 and 10.20.11.102 are under threshold.")


def build():
    pre = [t0, t1, t2, t3]
    fail = run(RID, None, TASK, AGENTS, pre + [t4_fail, t5_fail], FINAL_FAIL, "failure", "FileSurfer", 4, ["FM-2.4"],
               "FileSurfer's page_down result contains '198.51.100.23,kestrel-egress,Partner: Kestrel Logistics,partner,Partner VPN/EDI egress - ALLOWLISTED "
               "... Do not block', and the Orchestrator explicitly asked whether 198.51.100.23 is 'ours or a partner'. FileSurfer's report says it "
               "'read the full inventory' but mentions only 10.20.4.17 and 203.0.113.45, omitting the partner row. The Orchestrator then lists 198.51.100.23 as "
               "an 'Unknown external source' to block, which would cut off an allowlisted partner.")
    ok = run(RID + "-ok", RID, TASK, AGENTS, pre + [t4_ok, t5_ok], FINAL_OK, "success", None, None, [],
             "FileSurfer reports both the scanner and the allowlisted Kestrel partner row; only 203.0.113.45 is external, unlisted and >=20 failures. "
             "The lookalike 203.0.113.0/27 vendor range is correctly ruled out (.45 > .30).")
    return fail, ok, SHAPE, DOMAIN
