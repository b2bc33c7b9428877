from common import T, tool, run, OK_LABEL

ID = "telco-fibra-upgrade-7730"

def build(fail):
    task = ("Account 7730-118-24 (Ines Carvalho, Rua das Flores 14, Porto): upgrade the home fibre from Fibra 300 to Fibra 1000 (1000/500 Mbps), "
            "keep the static IP add-on, activation on 2025-04-10.")
    agents = {
        "OrderCoordinator": "Pydantic AI agent facing the customer. Check eligibility, confirm price and plan with the customer, create the order, then delegate network work to ProvisioningAgent through the provision_service tool, passing the plan the customer confirmed.",
        "ProvisioningAgent": "Pydantic AI agent called from provision_service. Reserve OLT port capacity, apply the line profile for the requested plan on the activation date and keep or assign add-ons; report exactly what was configured.",
    }
    acct = {"account": "7730-118-24", "holder": "Ines Carvalho", "plan": "FIBRA-300", "addons": ["STATIC_IP_V4"], "static_ip": "94.63.118.27", "ont": "HG8245H-7Q2L", "olt_port": "OLT-PRT-03/1/7/12"}
    turns = [
        T("OrderCoordinator", task,
          "Ines, you're eligible for Fibra 1000 (1000/500 Mbps) on your current ONT. Price: EUR 44.90/month + static IP EUR 5.00 = EUR 49.90/month, "
          "activation Thu 10 April 2025 (06:00-08:00 maintenance window, no visit needed). Shall I place the order?",
          [tool("get_account", {"account": "7730-118-24"}, acct),
           tool("check_plan_eligibility", {"account": "7730-118-24", "plan": "FIBRA-1000"},
                {"plan": "FIBRA-1000", "eligible": True, "ont_supported": True, "monthly_eur": 44.90, "line_profile": "GPON-1000-500"})]),
        T("OrderCoordinator",
          "Customer: Actually, make it Fibra 600 (600/300) instead - 1000 is over my budget. Same date, and keep the static IP.",
          "No problem - switched to Fibra 600 (600/300 Mbps): EUR 34.90 + static IP EUR 5.00 = EUR 39.90/month, activation 10 April 2025. "
          "Order ORD-PT-558120 created for FIBRA-600 with STATIC_IP_V4 retained.",
          [tool("check_plan_eligibility", {"account": "7730-118-24", "plan": "FIBRA-600"},
                {"plan": "FIBRA-600", "eligible": True, "ont_supported": True, "monthly_eur": 34.90, "line_profile": "GPON-600-300"}),
           tool("create_order", {"account": "7730-118-24", "plan": "FIBRA-600", "addons": ["STATIC_IP_V4"], "activation_date": "2025-04-10"},
                {"order_id": "ORD-PT-558120", "plan": "FIBRA-600", "addons": ["STATIC_IP_V4"], "activation_date": "2025-04-10", "monthly_eur": 39.90, "state": "awaiting_provisioning"})]),
    ]
    step2_in = "Order ORD-PT-558120 is in state awaiting_provisioning. Delegate the network provisioning."
    if fail:
        turns.append(T("OrderCoordinator", step2_in,
          "Delegated ORD-PT-558120 to ProvisioningAgent: Fibra 1000 line profile on OLT-PRT-03/1/7/12 for 2025-04-10, static IP kept.",
          [tool("provision_service", {"order_id": "ORD-PT-558120", "olt_port": "OLT-PRT-03/1/7/12", "plan": "FIBRA-1000", "line_profile": "GPON-1000-500", "effective": "2025-04-10T06:00+01:00", "keep_addons": ["STATIC_IP_V4"]},
                {"delegated_to": "ProvisioningAgent", "run_id": "prov-4471"})]))
        turns.append(T("ProvisioningAgent",
          "provision_service(order_id=ORD-PT-558120, olt_port=OLT-PRT-03/1/7/12, plan=FIBRA-1000, line_profile=GPON-1000-500, effective=2025-04-10T06:00+01:00, keep_addons=[STATIC_IP_V4])",
          "Configured for ORD-PT-558120: capacity reserved on OLT-PRT-03/1/7/12 (1000/500); line profile GPON-1000-500 scheduled for 2025-04-10 06:00; static IP 94.63.118.27 retained.",
          [tool("reserve_port_capacity", {"olt_port": "OLT-PRT-03/1/7/12", "down_mbps": 1000, "up_mbps": 500}, {"reservation": "RSV-20931", "state": "reserved"}),
           tool("schedule_line_profile", {"olt_port": "OLT-PRT-03/1/7/12", "profile": "GPON-1000-500", "effective": "2025-04-10T06:00+01:00"}, {"job_id": "JOB-77120", "state": "scheduled"}),
           tool("keep_addon", {"account": "7730-118-24", "addon": "STATIC_IP_V4"}, {"addon": "STATIC_IP_V4", "ip": "94.63.118.27", "retained": True})]))
        turns.append(T("OrderCoordinator", "ProvisioningAgent finished run prov-4471.",
          "All set, Ines! Order ORD-PT-558120 is provisioned: on 10 April 2025 (06:00-08:00) your line switches to the 1000/500 Mbps profile, and you keep static IP 94.63.118.27. "
          "Your new monthly price is EUR 39.90."))
        final = turns[-1]["output"]
        label = {"outcome": "failure", "culprit": "OrderCoordinator", "step": 2, "modes": ["FM-1.4"],
                 "why": "The customer changed the request (\"make it Fibra 600 (600/300) instead - 1000 is over my budget\"), and the coordinator confirmed it and created ORD-PT-558120 with \"plan\": \"FIBRA-600\". When delegating, it went back to the original request and called provision_service with \"plan\": \"FIBRA-1000\", \"line_profile\": \"GPON-1000-500\". The line is provisioned at 1000/500 while the customer is told EUR 39.90, the Fibra 600 price."}
    else:
        turns.append(T("OrderCoordinator", step2_in,
          "Delegated ORD-PT-558120 to ProvisioningAgent: Fibra 600 line profile (GPON-600-300) on OLT-PRT-03/1/7/12 for 2025-04-10, static IP kept.",
          [tool("provision_service", {"order_id": "ORD-PT-558120", "olt_port": "OLT-PRT-03/1/7/12", "plan": "FIBRA-600", "line_profile": "GPON-600-300", "effective": "2025-04-10T06:00+01:00", "keep_addons": ["STATIC_IP_V4"]},
                {"delegated_to": "ProvisioningAgent", "run_id": "prov-4471"})]))
        turns.append(T("ProvisioningAgent",
          "provision_service(order_id=ORD-PT-558120, olt_port=OLT-PRT-03/1/7/12, plan=FIBRA-600, line_profile=GPON-600-300, effective=2025-04-10T06:00+01:00, keep_addons=[STATIC_IP_V4])",
          "Configured for ORD-PT-558120: capacity reservation on OLT-PRT-03/1/7/12 went from pending to reserved on the second status check (RSV-20931); "
          "line profile GPON-600-300 scheduled for 2025-04-10 06:00 (JOB-77120); static IP 94.63.118.27 retained.",
          [tool("reserve_port_capacity", {"olt_port": "OLT-PRT-03/1/7/12", "down_mbps": 600, "up_mbps": 300}, {"reservation": "RSV-20931", "state": "pending"}),
           tool("get_reservation", {"reservation": "RSV-20931"}, {"reservation": "RSV-20931", "state": "reserved"}),
           tool("schedule_line_profile", {"olt_port": "OLT-PRT-03/1/7/12", "profile": "GPON-600-300", "effective": "2025-04-10T06:00+01:00"}, {"job_id": "JOB-77120", "state": "scheduled"}),
           tool("keep_addon", {"account": "7730-118-24", "addon": "STATIC_IP_V4"}, {"addon": "STATIC_IP_V4", "ip": "94.63.118.27", "retained": True})]))
        turns.append(T("OrderCoordinator", "ProvisioningAgent finished run prov-4471.",
          "All set, Ines! Order ORD-PT-558120 is provisioned: on 10 April 2025 (06:00-08:00) your line switches to Fibra 600 (600/300 Mbps), and you keep static IP 94.63.118.27. "
          "Your new monthly price is EUR 39.90 (EUR 34.90 + EUR 5.00 static IP)."))
        final = turns[-1]["output"]
        label = OK_LABEL("The customer's change to Fibra 600 is carried through order, delegation (GPON-600-300) and confirmation; 34.90 + 5.00 = 39.90; the pending reservation is polled until reserved.")
    return run(ID, fail, task, agents, turns, final, label)
