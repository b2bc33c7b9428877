"""Build all 20 runs into the folder above this one (*.json)."""
import json, os, sys
sys.path.insert(0, os.path.dirname(__file__))
import scen_a, scen_b

SCENARIOS = [scen_a.insurance_hail_claim, scen_a.mfg_torque_lot, scen_a.edu_prereq_enroll,
             scen_a.ecom_tent_markdown, scen_a.bio_primer_design, scen_b.hotel_group_block,
             scen_b.devops_rollback, scen_b.agri_sidedress, scen_b.news_factcheck, scen_b.sports_ts_compare]
OUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

if __name__ == "__main__":
    for gen in SCENARIOS:
        for fail in (True, False):
            r = gen(fail)
            with open(os.path.join(OUT, r["id"] + ".json"), "w") as f:
                json.dump(r, f, ensure_ascii=False, indent=2)
                f.write("\n")
            print("wrote", r["id"])
