from common import T, tool, run, OK_LABEL

ID = "kyc-pb-vandenberg-onboarding"

def build(fail):
    task = ("Onboard new private-banking client Pieter J. van den Berg (DOB 1968-07-22, Dutch passport NX4K81P27, address Prinsengracht 412, Amsterdam). "
            "Initial deposit EUR 2,400,000 from the 2024 sale of his stake in Tessel Routing B.V. Run KYC and tell me the due-diligence level, the risk rating and the onboarding decision.")
    agents = {
        "KYCCoordinator": "Google ADK root LlmAgent. Delegate with transfer_to_agent to DocumentVerifier, ScreeningAgent and RiskScorer in that order, then report the due-diligence level, risk rating and decision to the relationship manager.",
        "DocumentVerifier": "ADK sub-agent. Verify the identity document and proof of address with the IDV tools and report the results.",
        "ScreeningAgent": "ADK sub-agent. Screen the client against sanctions, PEP and adverse-media lists and report every potential match with its score and whether it can be discounted.",
        "RiskScorer": "ADK sub-agent. Assign the risk rating and due-diligence level per policy KYC-POL-7: any PEP match with score >= 0.85 that has not been discounted requires Enhanced Due Diligence (EDD), a high risk rating and senior-management approval; otherwise apply the compute_risk_matrix result.",
    }
    turns = [
        T("KYCCoordinator", task, "Starting KYC for P. J. van den Berg. Transferring to DocumentVerifier.",
          [tool("transfer_to_agent", {"agent_name": "DocumentVerifier"}, {"transferred_to": "DocumentVerifier"})]),
        T("DocumentVerifier", "Verify passport NX4K81P27 and proof of address (Prinsengracht 412, Amsterdam) for Pieter J. van den Berg, DOB 1968-07-22.",
          "Passport NX4K81P27: genuine, MRZ matches name/DOB, expires 2031-03-09. Proof of address: the first check was still processing; "
          "re-queried ADR-66120 and it returned a match (Vattenfall utility bill dated 2025-02-11). Identity and address verified.",
          [tool("verify_passport", {"number": "NX4K81P27", "country": "NLD", "name": "Pieter Johannes van den Berg", "dob": "1968-07-22"},
                {"valid": True, "mrz_match": True, "expiry": "2031-03-09", "liveness": "pass"}),
           tool("verify_address", {"name": "Pieter Johannes van den Berg", "address": "Prinsengracht 412, 1016 JC Amsterdam"},
                {"status": "processing", "check_id": "ADR-66120"}),
           tool("get_check_result", {"check_id": "ADR-66120"},
                {"check_id": "ADR-66120", "status": "complete", "match": True, "document": "Vattenfall utility bill", "document_date": "2025-02-11"}),
           tool("transfer_to_agent", {"agent_name": "ScreeningAgent"}, {"transferred_to": "ScreeningAgent"})]),
        T("ScreeningAgent", "Screen Pieter Johannes van den Berg, DOB 1968-07-22, NL.",
          "Sanctions: no hits (EU, UN, OFAC). Adverse media: none.\n"
          "PEP: 1 potential match, score 0.91: 'P. J. van den Berg', State Secretary for Infrastructure (NL) 2017-2021, DOB 1968-07-22 (exact match), status former PEP. "
          "Not discounted: name initials and DOB both match. Passing to RiskScorer.",
          [tool("screen_entity", {"name": "Pieter Johannes van den Berg", "dob": "1968-07-22", "country": "NL", "lists": ["sanctions", "pep", "adverse_media"]},
                {"sanctions": [], "adverse_media": [], "pep": [{"match_name": "P. J. van den Berg", "score": 0.91, "position": "State Secretary for Infrastructure (NL)", "tenure": "2017-2021", "dob": "1968-07-22", "category": "former PEP"}]}),
           tool("transfer_to_agent", {"agent_name": "RiskScorer"}, {"transferred_to": "RiskScorer"})]),
    ]
    matrix = tool("compute_risk_matrix", {"country": "NL", "product": "private_banking", "source_of_funds": "business_sale", "initial_deposit_eur": 2400000},
                  {"score": 34, "band": "medium", "dd_level": "standard CDD"})
    if fail:
        turns.append(T("RiskScorer", "Assign risk rating and DD level for P. J. van den Berg per KYC-POL-7.",
          "Risk matrix: NL resident, private banking, source of funds business sale, EUR 2.4M initial deposit -> score 34, band MEDIUM. "
          "No sanctions or adverse-media hits. Rating: MEDIUM; due diligence: standard CDD; decision: approve onboarding. "
          "Senior-management sign-off not required. Transferring back to KYCCoordinator.",
          [matrix, tool("transfer_to_agent", {"agent_name": "KYCCoordinator"}, {"transferred_to": "KYCCoordinator"})]))
        turns.append(T("KYCCoordinator", "RiskScorer: MEDIUM, standard CDD, approve.",
          "KYC complete for Pieter J. van den Berg: ID and address verified; no sanctions or adverse media. Risk rating MEDIUM (score 34); standard CDD; APPROVED for onboarding, no senior-management sign-off required."))
        final = turns[-1]["output"]
        label = {"outcome": "failure", "culprit": "RiskScorer", "step": 3, "modes": ["FM-2.5"],
                 "why": "ScreeningAgent reported \"PEP: 1 potential match, score 0.91 ... Not discounted\", and RiskScorer's own policy says \"any PEP match with score >= 0.85 that has not been discounted requires Enhanced Due Diligence (EDD), a high risk rating and senior-management approval\". RiskScorer ignored that input and went by the matrix alone (\"No sanctions or adverse-media hits. Rating: MEDIUM; due diligence: standard CDD; decision: approve ... sign-off not required\"). The user was told standard CDD and approval."}
    else:
        turns.append(T("RiskScorer", "Assign risk rating and DD level for P. J. van den Berg per KYC-POL-7.",
          "Risk matrix alone gives score 34 / MEDIUM / standard CDD, but ScreeningAgent reported an undiscounted PEP match at 0.91 (>= 0.85). "
          "Per KYC-POL-7 this overrides the matrix: rating HIGH, due diligence EDD, senior-management approval required. "
          "EDD items: documented source of wealth (Tessel Routing B.V. share-purchase agreement and completion statement), bank statement showing receipt of proceeds, "
          "PEP declaration. Decision: onboarding PENDING EDD and senior-management approval. Transferring back to KYCCoordinator.",
          [matrix, tool("transfer_to_agent", {"agent_name": "KYCCoordinator"}, {"transferred_to": "KYCCoordinator"})]))
        turns.append(T("KYCCoordinator", "RiskScorer: HIGH, EDD, pending senior-management approval.",
          "KYC result for Pieter J. van den Berg: ID and address verified; no sanctions or adverse media; former PEP match (State Secretary for Infrastructure 2017-2021, score 0.91, not discounted). "
          "Risk rating HIGH; Enhanced Due Diligence required; decision PENDING: collect the Tessel Routing B.V. share-purchase agreement and completion statement, proof of receipt of the EUR 2.4M proceeds "
          "and a signed PEP declaration, then obtain senior-management approval before the account is opened."))
        final = turns[-1]["output"]
        label = OK_LABEL("The undiscounted PEP score 0.91 >= 0.85 triggers KYC-POL-7's override of the medium matrix result; EDD, HIGH rating and senior-management approval are correctly applied; the processing-then-complete address check is a normal poll.")
    return run(ID, fail, task, agents, turns, final, label)
