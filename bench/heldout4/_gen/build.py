import json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scen_ag2, scen_b, scen_c

GENS = [scen_ag2.gen_chem, scen_ag2.gen_astro, scen_ag2.gen_weather, scen_ag2.gen_royalty,
        scen_b.gen_library, scen_b.gen_customs, scen_b.gen_wildlife, scen_b.gen_gamemod,
        scen_c.gen_zoning, scen_c.gen_restaurant, scen_c.gen_patent, scen_c.gen_review]
OUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

if __name__ == "__main__":
    for g in GENS:
        for fail in (True, False):
            r = g(fail)
            with open(os.path.join(OUT, r["id"] + ".json"), "w", encoding="utf-8") as f:
                json.dump(r, f, ensure_ascii=False, indent=2)
                f.write("\n")
            print("wrote", r["id"] + ".json")
