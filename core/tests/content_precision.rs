//! Precision of the content rules: clean runs that look like a failure to a shallow comparison
//! (a computed figure that resembles a read one, an answer that talks about a result by its
//! labels, a rubric's numbered levels, a lead that delivers after delegating) get no finding,
//! and the failure each rule is for is still found beside them.
mod common;

use agenttrace_core::mast::MastReport;
use common::B;

fn has(r: &MastReport, rule: &str) -> bool {
    r.findings.iter().any(|f| f.rule == rule)
}

/// Two campaigns whose four-word names both fit the request's word; the agent exports one
/// without asking. Twin: it asks which one was meant.
#[test]
fn several_multi_word_names_fit_the_request() {
    let run = |asks: bool| {
        let task = "Export last month's orders of the holiday campaign to the finance share.";
        let mut b = B::new(task);
        let a = b.turn("export_agent", &[("user", task)], "Looking up the campaign.");
        b.tool(
            a,
            "find_campaign",
            r#"{"query": "holiday"}"#,
            r#"{"campaigns": [{"id": "cmp-881", "name": "Holiday Gift Guide 2024", "channel": "email"}, {"id": "cmp-902", "name": "Holiday Clearance Sale 2024", "channel": "social"}]}"#,
        );
        if asks {
            b.turn(
                "export_agent",
                &[("user", task)],
                "Two campaigns match: Holiday Gift Guide 2024 (email) and Holiday Clearance Sale 2024 (social). Which one do you mean?",
            );
        } else {
            let c = b.turn("export_agent", &[("user", task)], "Exporting the orders now.");
            b.tool(c, "export_orders", r#"{"campaign_id": "cmp-902", "period": "last_month"}"#, "export EX-31 written to finance/orders");
        }
        b.report()
    };
    let r = run(false);
    let f = r.findings.iter().find(|f| f.rule == "acted_on_ambiguity").unwrap_or_else(|| panic!("FM-2.2 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("export_agent"));
    assert!(!has(&run(true), "acted_on_ambiguity"));
}

/// A payroll result gives a base salary and a bonus; the answer states their sum, which is the
/// base with two digits swapped (12,450 + 1,800 = 14,250). Computed, not misquoted. Beside it,
/// the base itself stated with two digits swapped is still found.
#[test]
fn a_sum_that_looks_like_a_swapped_figure() {
    let run = |answer: &str| {
        let task = "What is employee E-310's taxable pay for 2024?";
        let mut b = B::new(task);
        let a = b.turn("payroll_agent", &[("user", task)], "Fetching the payroll record.");
        b.tool(
            a,
            "payroll_record",
            r#"{"employee": "E-310", "year": 2024}"#,
            r#"{"employee": "E-310", "base_salary": 12450, "bonus": 1800}"#,
        );
        b.turn("payroll_agent", &[("user", task)], answer);
        b.report()
    };
    assert!(!has(&run("E-310's taxable pay for 2024 comes to 14,250 once the bonus is included."), "figure_misquoted"));
    let r = run("E-310's base salary for 2024 is 12,540, and there is a bonus on top of it.");
    assert!(has(&r, "figure_misquoted"), "{:?}", r.findings);
}

/// A grader summarises a rubric by its criteria's names, with no figure of it; the rubric's
/// numbered levels ("2": "vague or not arguable") are a scale, not a finding withheld. Beside
/// it, an answer about something else is still derailment.
#[test]
fn a_summary_by_the_results_labels() {
    let rubric = r#"{"rubric": "essay-r7", "criteria": [{"name": "Thesis clarity", "weight": 30, "descriptor": "states a precise arguable claim in the opening paragraph"}, {"name": "Evidence and citation", "weight": 40, "descriptor": "quotations are accurate, page-referenced and explained"}, {"name": "Organisation", "weight": 30, "descriptor": "paragraphs follow a logical sequence with signposting"}], "levels": {"4": "exemplary", "3": "proficient", "2": "vague or not arguable", "1": "missing"}}"#;
    let run = |answer: &str| {
        let task = "Grade the attached history essay against the department rubric and explain the grade.";
        let mut b = B::new(task);
        let a = b.turn("grader", &[("user", task)], "Loading the rubric.");
        b.tool(a, "get_rubric", r#"{"course": "HIST-210"}"#, rubric);
        b.turn("grader", &[("user", task), ("tool", rubric)], answer);
        b.report()
    };
    let r = run("Thesis clarity is strong: the argument that the reforms were driven by fiscal pressure comes up front. Evidence and citation is the weakest part, since two sources are quoted without a reference. Organisation is clear throughout. Overall grade: a solid essay.");
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    let r = run("History essays are a wonderful way to learn. Students often enjoy reading about the past, and teachers can share stories about famous people, old buildings and distant places, which makes lessons lively and helps everyone remember what they studied.");
    assert!(has(&r, "tool_data_ignored"), "{:?}", r.findings);
}

/// A lead whose instructions say to only delegate posts its delegation, the workers act, and the
/// lead then delivers their result: it handed the work on by turn order. Beside it, a lead that
/// answers the request itself with nobody acting after it is still found.
#[test]
fn a_lead_that_delivers_after_delegating() {
    let lead = "You are the lead. Only delegate: route research to researcher and drafting to writer; never do the work yourself.";
    let task = "Prepare a one-paragraph brief on the new EU battery regulation for our product team.";
    let answer = "Brief: the EU battery regulation requires a carbon-footprint declaration for EV and industrial batteries, a digital battery passport from 2027, minimum recycled content targets from 2031, and removable, replaceable portable batteries in consumer devices by 2027.";
    let mut b = B::new(task);
    b.turn_with(
        "lead",
        Some(lead),
        &[("user", task)],
        "researcher: collect the regulation's main obligations and dates. writer: draft the brief from them.",
    );
    b.turn("researcher", &[("user", "collect obligations")], "Obligations: carbon footprint declaration, battery passport (2027), recycled content targets (2031), removable portable batteries (2027).");
    b.turn("writer", &[("user", "draft")], answer);
    b.turn_with("lead", Some(lead), &[("user", "deliver")], answer);
    let r = b.report();
    assert!(!has(&r, "role_boundary_crossed"), "{:?}", r.findings);

    let mut b = B::new(task);
    b.turn_with("lead", Some(lead), &[("user", task)], answer);
    let r = b.report();
    let f = r.findings.iter().find(|f| f.rule == "role_boundary_crossed").unwrap_or_else(|| panic!("FM-1.2 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("lead"));
}

/// "terminated" in prose (a cover crop terminated in May) is not the TERMINATE keyword; the
/// keyword followed by another agent's turns still is.
#[test]
fn termination_is_the_keyword_not_the_word() {
    let run = |said: &str| {
        let task = "Plan side-dress nitrogen for fields A and B.";
        let mut b = B::new(task);
        b.turn("soil_analyst", &[("user", task)], said);
        b.turn("field_advisor", &[("user", said)], "Field A gets 90 lb N/ac and Field B 50 lb N/ac, ordered for June 16.");
        b.report()
    };
    let r = run("Field B: 19 ppm nitrate, hairy vetch cover crop terminated May 12. Recommend 50 lb N/ac on B, 90 on A.");
    assert!(!has(&r, "continued_after_termination"), "{:?}", r.findings);
    let r = run("Recommend 50 lb N/ac on B, 90 on A. TERMINATE");
    assert!(has(&r, "continued_after_termination"), "{:?}", r.findings);
}

const RELEASES: &str = r#"{"releases": [{"version": "v2.31.0", "status": "active", "health": "degraded"}, {"version": "v2.30.2", "status": "superseded", "health": "good"}, {"version": "v2.30.1", "status": "superseded", "health": "good"}]}"#;

/// Two releases share the health "good"; the request asks for "the last known-good" one, an
/// order that picks one: no ambiguity. Twin: "a good release" leaves the choice open.
#[test]
fn an_order_word_picks_among_a_class() {
    let run = |task: &str| {
        let mut b = B::new(task);
        let a = b.turn("deploy_agent", &[("user", task)], "Listing releases.");
        b.tool(a, "list_releases", r#"{"service": "payments-api"}"#, RELEASES);
        let c = b.turn("deploy_agent", &[("user", task)], "Rolling back.");
        b.tool(c, "rollback", r#"{"service": "payments-api", "to_version": "v2.30.1"}"#, r#"{"status": "completed"}"#);
        b.report()
    };
    assert!(!has(&run("Roll payments-api back to the last known-good release."), "acted_on_ambiguity"));
    assert!(has(&run("Roll payments-api back to a good release."), "acted_on_ambiguity"));
}

/// The call names its object by identifier: the booking it changes is the one whose id it
/// passes, even when its new dates are another booking's dates. Twin: it asks first.
#[test]
fn an_identifier_argument_names_the_pick() {
    let run = |asks: bool| {
        let task = "Please push our Hendricks group block back one week, same rooms and rate.";
        let mut b = B::new(task);
        let a = b.turn("reservations", &[("user", task)], "Searching.");
        b.tool(
            a,
            "search_group_blocks",
            r#"{"query": "Hendricks"}"#,
            r#"{"results": [{"block_id": "GB-3310", "name": "Hendricks Sales Kickoff", "arrive": "2025-06-12", "depart": "2025-06-14"}, {"block_id": "GB-3356", "name": "Hendricks Board Retreat", "arrive": "2025-06-19", "depart": "2025-06-21"}]}"#,
        );
        if asks {
            b.turn(
                "reservations",
                &[("user", task)],
                "You have two Hendricks blocks, the Sales Kickoff and the Board Retreat. Which one should move?",
            );
        }
        let c = b.turn("reservations", &[("user", task)], "Moving it.");
        b.tool(
            c,
            "modify_group_block",
            r#"{"block_id": "GB-3310", "arrive": "2025-06-19", "depart": "2025-06-21"}"#,
            r#"{"status": "modified"}"#,
        );
        b.report()
    };
    let r = run(false);
    assert!(has(&r, "acted_on_ambiguity"), "{:?}", r.findings);
    assert!(!has(&run(true), "acted_on_ambiguity"));
}

/// An exclusion ("not Collision") is not contradicted by a name the data gives that holds the
/// word (the repair shop "Ridgeline Collision"); using the excluded thing still is.
#[test]
fn an_excluded_word_inside_a_name_from_the_data() {
    let coverage = "Hail is a Comprehensive peril, not Collision. Comprehensive deductible: $1,000.";
    let run = |answer: &str| {
        let task = "Settle hail claim CLM-118 on policy AP-774.";
        let mut b = B::new(task);
        b.turn("coverage_agent", &[("user", task)], coverage);
        let s = b.turn("settlement_agent", &[("user", coverage)], "Fetching the estimate.");
        b.tool(
            s,
            "get_estimate",
            r#"{"estimate_id": "BS-558"}"#,
            r#"{"estimate_id": "BS-558", "shop": "Ridgeline Collision, Boise ID", "total": 4850.0}"#,
        );
        b.turn("settlement_agent", &[("user", coverage)], answer);
        b.report()
    };
    let r = run(
        "Estimate BS-558 from Ridgeline Collision totals $4,850. Applying the $1,000 Comprehensive deductible leaves $3,850, paid today.",
    );
    assert!(!has(&r, "upstream_constraint_contradicted"), "{:?}", r.findings);
    let r = run("Estimate BS-558 totals $4,850. Applying the Collision deductible of $500 leaves $4,350, paid today.");
    assert!(has(&r, "upstream_constraint_contradicted"), "{:?}", r.findings);
}

/// A caller that restates a result in its own words (its figures and identifiers) has passed it
/// on, even when the agents after it are only given a short instruction. Twin: an answer that
/// carries nothing of the result.
#[test]
fn a_result_restated_is_passed_on() {
    let policy = r#"{"policy_number": "AP-7741902", "status": "active", "term": "2024-11-01/2025-11-01", "insured": "Dana Whitfield", "vehicle": "2021 Subaru Outback", "coverages": {"comprehensive": {"deductible": 1000, "limit": "actual cash value"}, "collision": {"deductible": 500, "limit": "actual cash value"}}, "glass_buyback": false}"#;
    let run = |summary: &str| {
        let task = "Settle the hail claim on policy AP-7741902.";
        let mut b = B::new(task);
        let a = b.turn("coverage_agent", &[("user", task)], "Looking up the policy.");
        b.tool(a, "lookup_policy", r#"{"policy_number": "AP-7741902"}"#, policy);
        b.turn("coverage_agent", &[("user", task), ("tool", policy)], summary);
        b.turn("settlement_agent", &[("user", "Settle the claim with the coverage confirmed.")], "Paid $3,850 after the deductible.");
        b.report()
    };
    let r = run("Coverage confirmed: AP-7741902 is active through 2025-11-01; hail falls under Comprehensive with a $1,000 deductible.");
    assert!(!has(&r, "tool_result_not_passed_on"), "{:?}", r.findings);
    let r = run("Coverage confirmed, handing over to settlement.");
    assert!(has(&r, "tool_result_not_passed_on"), "{:?}", r.findings);
}

/// The task bounds the amplicon at 400–600 bp; the reviewer told to check every constraint
/// approves a pair whose amplicon is 712 bp, naming only the other constraints, and the final
/// answer states it. Twins: the pair within the bound, and an answer that says the figure is
/// outside, are no finding.
#[test]
fn a_figure_outside_the_tasks_bound() {
    let task = "Design a primer pair for exon 4. SOP: primer Tm 58–62 °C, GC content 40–60%, amplicon 400–600 bp. Order the approved pair.";
    let run = |amplicon: &str, last: &str| {
        let mut b = B::new(task);
        let cands =
            format!("Pair 1: Tm 59.8 / 60.4, GC 45% / 50%, amplicon {amplicon} bp. Pair 2: Tm 59.1 / 60.7, GC 50% / 55%, amplicon 455 bp.");
        b.turn_with(
            "designer",
            Some("Run primer3 and list candidate pairs unfiltered; order the pair the reviewer approves."),
            &[("user", task)],
            &cands,
        );
        b.turn_with(
            "reviewer",
            Some("Check each candidate pair against every SOP constraint in the task and approve the best pair that meets all of them."),
            &[("user", &cands)],
            "Pair 1: Tm within 58–62 ✓, GC within 40–60 ✓. Approved: pair 1.",
        );
        b.turn("designer", &[("user", "approved pair 1")], &last.replace("{a}", amplicon));
        b.report()
    };
    let r = run("712", "Ordered pair 1 (order IDT-1458): Tm 59.8 / 60.4 °C, GC 45% / 50%, expected amplicon {a} bp.");
    let f = r.findings.iter().find(|f| f.rule == "bound_exceeded").unwrap_or_else(|| panic!("FM-3.2 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("reviewer"));
    assert!(f.explanation.contains("712") && f.explanation.contains("400–600 bp"), "{}", f.explanation);
    assert!(!has(
        &run("538", "Ordered pair 1 (order IDT-1458): Tm 59.8 / 60.4 °C, GC 45% / 50%, expected amplicon {a} bp."),
        "bound_exceeded"
    ));
    assert!(!has(&run("712", "Not ordered: pair 1's amplicon of {a} bp exceeds the SOP; please choose again."), "bound_exceeded"));
}

/// The task asks for SKUs with more than 40 units; the engineer says "strictly above 40" and its
/// code filters `>= 40`. Twins: code that filters `> 40`, and a task that says "40 or more" with
/// the same `>= 40` code, are no finding.
#[test]
fn code_that_compares_the_other_way_at_the_boundary() {
    let run = |task: &str, op: &str| {
        let mut b = B::new(task);
        let code = format!(
            "Now filter to the SKUs and write the file.\n```python\nimport pandas as pd\ndf = pd.read_csv('catalog.csv')\nout = df[(df['category'] == 'Tents') & (df['stock'] {op} 40)]\nout.to_csv('markdown.csv', index=False)\n```"
        );
        b.turn("engineer", &[("user", task)], &code);
        b.turn("executor", &[("user", &code)], "exitcode: 0 (execution succeeded)\nrows written: 4");
        b.report()
    };
    let more = "Mark down every tent SKU with more than 40 units on hand by 15%.";
    let r = run(more, ">=");
    let f = r.findings.iter().find(|f| f.rule == "comparison_flipped").unwrap_or_else(|| panic!("FM-2.6 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("engineer"));
    assert!(!has(&run(more, ">"), "comparison_flipped"));
    assert!(!has(&run("Mark down every tent SKU with 40 or more units on hand by 15%.", ">="), "comparison_flipped"));
}

/// The spec checker reports "range 11.8–12.3" of samples whose list holds 12.7. Twins: the range
/// stated as the data has it, and a range whose ends are not figures of the list (a spec
/// window, not a summary of it), are no finding.
#[test]
fn a_checker_states_a_range_the_data_contradicts() {
    let run = |said: &str| {
        let task = "Run incoming QA on lot L-24 and disposition it.";
        let mut b = B::new(task);
        let m = b.turn("measurer", &[("user", task)], "Pulling the samples.");
        b.tool(
            m,
            "get_measurements",
            r#"{"lot": "L-24"}"#,
            r#"{"lot": "L-24", "samples": [{"id": "S1", "value": 12.1}, {"id": "S2", "value": 11.8}, {"id": "S3", "value": 12.3}, {"id": "S4", "value": 12.7}, {"id": "S5", "value": 12.0}]}"#,
        );
        b.turn_with(
            "spec_check",
            Some("Compare every sample against the spec limits 11.5 to 12.5 and return PASS or FAIL."),
            &[("user", "samples")],
            said,
        );
        b.report()
    };
    let r = run("Checked 5/5 samples: observed range 11.8–12.3 N·m, all within limits. verdict = PASS");
    let f = r.findings.iter().find(|f| f.rule == "range_misstated").unwrap_or_else(|| panic!("FM-3.3 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("spec_check"));
    assert!(f.explanation.contains("12.7"), "{}", f.explanation);
    assert!(!has(&run("Checked 5/5 samples: observed range 11.8–12.7 N·m; S4 is above 12.5. verdict = FAIL"), "range_misstated"));
    assert!(!has(&run("Checked 5/5 samples against the range 11.5–12.5 N·m. verdict = FAIL (S4)"), "range_misstated"));
}

/// The step where an agent chose is its own words naming the candidate ("I'll take GB-3310"),
/// before the call that acts on it. Without such words, the call is the step.
#[test]
fn the_choice_is_where_the_agent_names_it() {
    let run = |says: bool| {
        let task = "Please push our Hendricks group block back one week, same rooms and rate.";
        let mut b = B::new(task);
        let a = b.turn("reservations", &[("user", task)], "Searching.");
        b.tool(
            a,
            "search_group_blocks",
            r#"{"query": "Hendricks"}"#,
            r#"{"results": [{"block_id": "GB-3310", "name": "Hendricks Sales Kickoff", "arrive": "2025-06-12"}, {"block_id": "GB-3356", "name": "Hendricks Board Retreat", "arrive": "2025-06-19"}]}"#,
        );
        let chose = b.turn(
            "reservations",
            &[("user", task)],
            if says { "I'll take the upcoming one, GB-3310, and move it a week." } else { "Moving it a week." },
        );
        let c = b.turn("reservations", &[("user", "Proceed.")], "Done.");
        b.tool(c, "modify_group_block", r#"{"block_id": "GB-3310", "arrive": "2025-06-19"}"#, r#"{"status": "modified"}"#);
        let r = b.report();
        let f = r
            .findings
            .iter()
            .find(|f| f.rule == "acted_on_ambiguity")
            .cloned()
            .unwrap_or_else(|| panic!("FM-2.2 expected: {:?}", r.findings));
        (f, chose)
    };
    // The chose turn's model call (the span after the agent span) holds its words.
    let (f, chose) = run(true);
    assert_eq!(f.spans[0].1, (chose + 1).to_be_bytes(), "{:?}", f.spans);
    let (f, chose) = run(false);
    assert_ne!(f.spans[0].1, (chose + 1).to_be_bytes(), "{:?}", f.spans);
}

/// A scout whose instructions forbid computing statistics states two figures no earlier step
/// holds. Twins: figures it was given (restated), and notes without figures, are no finding.
#[test]
fn an_agent_forbidden_to_compute_states_new_figures() {
    let run = |said: &str| {
        let task = "Compare guards Brooks and Vidal on true shooting % for 2024-25 and recommend one.";
        let mut b = B::new(task);
        b.turn_with(
            "analyst",
            Some("You compute every statistic with code."),
            &[("user", task)],
            "Brooks: 1512 pts, 1180 FGA, 356 FTA. Vidal: 1298 pts, 948 FGA, 301 FTA. TS% Brooks 56.6, Vidal 60.1.",
        );
        b.turn_with(
            "scout",
            Some("You add qualitative context from scouting notes. You never compute or restate statistics yourself; ask the analyst for any number you need."),
            &[("user", "Add scouting context.")],
            said,
        );
        b.report()
    };
    let r = run("I ran the numbers myself: Brooks TS% 61.2, Vidal 57.4. Brooks is the more efficient scorer.");
    let f = r.findings.iter().find(|f| f.rule == "role_boundary_crossed").unwrap_or_else(|| panic!("FM-1.2 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("scout"));
    assert!(!has(
        &run("Per the analyst, Vidal is at 60.1 and Brooks 56.6; film agrees that Vidal picks better shots."),
        "role_boundary_crossed"
    ));
    assert!(!has(&run("Film: Brooks attacks the rim; Vidal settles for late-clock pull-ups."), "role_boundary_crossed"));
}

/// A fact checker marks a claim INCORRECT with corrected wording; the editor, given it, says the
/// copy needs no changes and schedules it. Twins: the editor applies the correction; a checker
/// that finds everything CORRECT gives nothing to apply.
#[test]
fn corrections_given_and_not_applied() {
    let run = |verdicts: &str, editor: &str| {
        let task = "Fact-check draft D-55, apply any corrections and schedule it for 6 pm.";
        let mut b = B::new(task);
        b.turn("checker", &[("user", task)], verdicts);
        let e = b.turn("editor", &[("user", &format!("Apply the corrections and schedule D-55. Verdicts:\n{verdicts}"))], editor);
        b.tool(e, "schedule_story", r#"{"id": "D-55", "publish_at": "18:00"}"#, r#"{"status": "scheduled"}"#);
        b.report()
    };
    let wrong = "Claim 1 ($4.2M): CORRECT.\nClaim 2 (12%): INCORRECT. Corrected wording: 'will rise about 8% next year'.";
    let r = run(wrong, "D-55 reads cleanly, no changes needed. Scheduled for 6 pm.");
    let f = r.findings.iter().find(|f| f.rule == "correction_not_applied").unwrap_or_else(|| panic!("FM-2.5 expected: {:?}", r.findings));
    assert_eq!(f.agent_name.as_deref(), Some("editor"));
    assert!(!has(&run(wrong, "Applied the correction: '12%' -> 'about 8%'. Scheduled for 6 pm."), "correction_not_applied"));
    assert!(!has(
        &run("Claim 1 ($4.2M): CORRECT.\nClaim 2 (12%): CORRECT.", "No changes needed. Scheduled for 6 pm."),
        "correction_not_applied"
    ));
}

/// A plan that tells the chat how to end ("reply TERMINATE when done") announces nothing; an
/// output that ends with TERMINATE does, the way AutoGen reads it.
#[test]
fn terminate_ends_an_output_to_announce_it() {
    let run = |said: &str| {
        let task = "Compute the Q2 payout for each writer.";
        let mut b = B::new(task);
        b.turn("royalty_expert", &[("user", task)], said);
        b.turn("python_expert", &[("user", said)], "Computing the payouts per writer share now.");
        b.report()
    };
    let r = run("Plan: 1) load the statements, 2) apply the shares, 3) verify totals; reply TERMINATE when all checks pass.");
    assert!(!has(&r, "continued_after_termination"), "{:?}", r.findings);
    let r = run("Totals verified against the statements.\nTERMINATE");
    assert!(has(&r, "continued_after_termination"), "{:?}", r.findings);
}

/// In a group chat another agent often signs off after the closing TERMINATE ("Agreed ...
/// TERMINATE"): no work past the end. A turn after it that does new work still is.
#[test]
fn a_sign_off_after_terminate_is_not_more_work() {
    let run = |after: &str| {
        let task = "How many litres of paint cover 3 walls of 12 m2 at 10 m2 per litre?";
        let mut b = B::new(task);
        b.turn("paint_expert", &[("user", task)], "3 x 12 = 36 m2; 36 / 10 = 3.6 litres.");
        b.turn("verification_expert", &[("user", "verify")], "Checked: 36 m2 / 10 m2 per litre = 3.6 litres.\nTERMINATE");
        b.turn("paint_expert", &[("user", "wrap up")], after);
        b.report()
    };
    let r = run("Agreed, 3.6 litres.\nTERMINATE");
    assert!(!has(&r, "continued_after_termination"), "{:?}", r.findings);
    let r = run("Let me also price the paint: 3.6 litres at 14 EUR per litre is 50.40 EUR.");
    assert!(has(&r, "continued_after_termination"), "{:?}", r.findings);
}

/// A customer asks in their words ("how much am I getting back"), the agent answers in the
/// service's (a refund, its id and amounts): few shared words is no proof of an answer about
/// something else. Word overlap alone never judges a run failed; it stays a hint.
#[test]
fn an_answer_in_other_words_than_the_task_is_not_judged_failed() {
    let task = "Hi, my train IC 512 Leeds to York on 3 March was cancelled and I didn't take the replacement bus, I made other plans. Booking is ZX4K9L. How much am I getting back and when?";
    let mut b = B::new(task);
    b.turn(
        "refunds_agent",
        &[("user", task)],
        "All set. Your refund has been submitted:\n- Refund ID: RF-5521\n- Amount: GBP 48.60 (ticket GBP 41.10, seat reservation GBP 4.00, bike space GBP 3.50)\n- To: Mastercard ending 9902\n- Expected by: Friday 15 March (within 7 business days)\nIt showed as processing for a moment while the card network acknowledged it; it is now confirmed as submitted and an email receipt follows shortly.",
    );
    let r = b.report();
    assert!(!r.verdict.failed, "{:?}", r.findings);
}

/// An agent reports progress on a result ("5 returned, moving to step 2") and uses its figures
/// in its next answer, before calling another tool: the result was used. Twin: when the run
/// ends on the progress report, its figures were not.
#[test]
fn a_progress_report_then_the_answer_uses_the_result() {
    let run = |next: bool| {
        let task = "Find a co-working desk in Ghent for 5 days next week under EUR 30 a day, within 1 km of the station.";
        let mut b = B::new(task);
        let a = b.turn("search_agent", &[("user", task)], "Searching desks near the station.");
        b.tool(
            a,
            "desk_search",
            r#"{"city": "Ghent", "days": 5}"#,
            r#"{"results": [{"name": "Dok Hub", "km": 0.4, "daily": 24}, {"name": "Leie Works", "km": 0.9, "daily": 28}, {"name": "Kouter Desk", "km": 1.6, "daily": 19}, {"name": "Sint Space", "km": 0.7, "daily": 34}, {"name": "Graslei Lab", "km": 0.3, "daily": 31}]}"#,
        );
        b.turn(
            "search_agent",
            &[("user", "report")],
            "Step 1 done: five spaces came back near the station, several with both a daily and a weekly pass option. I will filter them against the budget and distance next and then rank what is left.",
        );
        if next {
            b.turn("search_agent", &[("user", "filter")], "Filtered: Dok Hub (0.4 km, EUR 24 a day) and Leie Works (0.9 km, EUR 28) fit; Kouter Desk is 1.6 km away, Sint Space and Graslei Lab cost over EUR 30. Best: Dok Hub, EUR 120 for 5 days.");
        }
        b.report()
    };
    assert!(!has(&run(true), "tool_data_ignored"), "{:?}", run(true).findings);
    assert!(has(&run(false), "tool_data_ignored"), "{:?}", run(false).findings);
}

/// "last name Okafor" names a kind of name, no order; the passengers are a list of strings.
/// Two bookings of that last name: quoting one without asking is acting on the ambiguity.
/// Twin: the agent asks which passenger was meant.
#[test]
fn a_last_name_in_a_list_field_fits_two_bookings() {
    let run = |asks: bool| {
        let task = "I need to add a checked bag to my booking, last name Mensah, flying to Oslo on Friday.";
        let mut b = B::new(task);
        let a = b.turn("bag_agent", &[("user", task)], "Looking up the booking.");
        b.tool(
            a,
            "lookup_booking",
            r#"{"last_name": "Mensah"}"#,
            r#"{"bookings": [{"pnr": "QX4TZW", "passengers": ["KOFI MENSAH"], "fare": "Basic"}, {"pnr": "RB7MNP", "passengers": ["AMA MENSAH"], "fare": "Classic"}]}"#,
        );
        if asks {
            b.turn(
                "bag_agent",
                &[("user", task)],
                "Two bookings match: Kofi Mensah (QX4TZW) and Ama Mensah (RB7MNP). Which passenger is the bag for?",
            );
        }
        let c = b.turn("bag_agent", &[("user", task)], "Quoting the bag.");
        b.tool(c, "get_bag_fee", r#"{"pnr": "QX4TZW"}"#, r#"{"fee_usd": 75}"#);
        b.report()
    };
    let r = run(false);
    let f = r.findings.iter().find(|f| f.rule == "acted_on_ambiguity").unwrap_or_else(|| panic!("FM-2.2 expected: {:?}", r.findings));
    assert!(f.explanation.contains("KOFI MENSAH") && f.explanation.contains("AMA MENSAH"), "{}", f.explanation);
    assert!(!has(&run(true), "acted_on_ambiguity"));
}

/// A rule the result states for every case (a cap, a definition) is not a fact of this case
/// that blocks it: a summary that leaves it out withholds nothing. A blocking fact of the case
/// beside it is still found.
#[test]
fn a_rule_for_every_case_is_not_a_withheld_fact() {
    let run = |note: &str| {
        let task = "Summarise the Harbor Arts application's budget for the panel.";
        let mut b = B::new(task);
        let a = b.turn("budget_analyst", &[("user", task)], "Reading the application file.");
        b.tool(
            a,
            "read_file",
            r#"{"path": "harbor_arts/budget.md"}"#,
            &format!("Harbor Arts budget: salaries 61,000; fringe 17,000; materials 9,500; travel 4,200. {note}"),
        );
        b.turn(
            "budget_analyst",
            &[("user", task)],
            "Harbor Arts budget: salaries 61,000, fringe 17,000, materials 9,500 and travel 4,200, for a total of 91,700.",
        );
        b.report()
    };
    for note in ["Requests may not exceed 150,000 per year.", "The eligible total excludes travel above 5,000."] {
        let r = run(note);
        assert!(!has(&r, "blocking_fact_withheld"), "{note}: {:?}", r.findings);
    }
    let r = run("The applicant's registration expired on 2024-01-31.");
    assert!(has(&r, "blocking_fact_withheld"), "{:?}", r.findings);
}

/// An agent told not to compute restates what it was given: a day number the task writes as
/// "Day-30", and the gap between two given rates (32.0 and 21.0: "11 points lower"). Nothing
/// new. Figures from nowhere are still found.
#[test]
fn restating_given_figures_is_not_computing() {
    let instr = "Turn the analyst's results into a short summary for the review. Do not compute new numbers.";
    let run = |summary: &str| {
        let task = "What was Day-30 retention of the March cohort by channel?";
        let mut b = B::new(task);
        b.turn("analyst", &[("user", task)], "Organic: 1,347 of 4,210 retained (32.0%). Paid: 1,445 of 6,880 retained (21.0%).");
        b.turn_with("reporter", Some(instr), &[("user", "summarise")], summary);
        b.report()
    };
    let r = run("At day 30 organic users retain 32.0% and paid users 21.0%: paid is 11 points lower.");
    assert!(!has(&r, "role_boundary_crossed"), "{:?}", r.findings);
    let r = run("At day 30 organic users retain 35.5% and paid users 19.5%.");
    assert!(has(&r, "role_boundary_crossed"), "{:?}", r.findings);
}

/// A hand-off's result ("Successfully transferred to docs_writer") passes control, not data: no
/// finding that it never reached anyone.
#[test]
fn a_handoff_result_is_not_data_to_pass_on() {
    let task = "Prepare the invoice line for the TRK-40 tracker shipment.";
    let mut b = B::new(task);
    let s = b.turn("supervisor", &[("user", task)], "Routing to the docs writer.");
    b.tool(
        s,
        "transfer_to_docs_writer",
        "{}",
        "Successfully transferred to docs_writer. The docs writer agent now handles the conversation and its tools.",
    );
    b.turn("supervisor", &[("user", task), ("tool", "Successfully transferred to docs_writer.")], "docs_writer has it.");
    b.turn(
        "docs_writer",
        &[("user", "Write the invoice line.")],
        "Invoice line: TRK-40 handheld GPS tracker, 1 unit, UN3481 PI 967 Section II.",
    );
    let r = b.report();
    assert!(!has(&r, "tool_result_not_passed_on"), "{:?}", r.findings);
}

/// A blocking clause passed on in the answer's own words (four of its words in a row) is not
/// withheld. Twin: the answer that leaves it out.
#[test]
fn a_clause_passed_on_in_other_words() {
    let doc = r#"{"path": "docs/migration.md", "content": "1. MinimumApiVersion must be 4.0.0 or later.\n2. The Dependencies array is renamed to Requires. HearthLoader 4 silently ignores a Dependencies key, so the dependency is not loaded first and mods that rely on it break at runtime.\n3. EntryDll is unchanged."}"#;
    let run = |answer: &str| {
        let task = "Migrate the BetterBeehives manifest to HearthLoader 4.";
        let mut b = B::new(task);
        let f = b.turn("file_surfer", &[("user", task)], "Opening the guide.");
        b.tool(f, "open_file", r#"{"path": "docs/migration.md"}"#, doc);
        b.turn("file_surfer", &[("user", task), ("tool", doc)], answer);
        b.turn("coder", &[("user", answer)], "Manifest updated as described.");
        b.report()
    };
    let kept = "The guide requires two changes: set MinimumApiVersion to 4.0.0, and rename the Dependencies array to Requires (same entry format), since HearthLoader 4 silently ignores the old key. EntryDll is unchanged.";
    assert!(!has(&run(kept), "blocking_fact_withheld"));
    let dropped = "The guide requires one change: set MinimumApiVersion to 4.0.0 or later. The Dependencies array and EntryDll stay as they are, and the mod keeps working.";
    assert!(has(&run(dropped), "blocking_fact_withheld"));
}

/// An answer that computes with a result's figures ((M + 1)(C + 1)/(R + 1) − 1: 49, 53, 13)
/// uses the result even though it quotes none of them.
#[test]
fn an_answer_that_computes_with_the_results_figures() {
    let sheet = r#"{"site": "Hollis Pond", "sessions": [{"session": 1, "type": "marking", "captured": 48}, {"session": 2, "type": "recapture", "captured": 52, "recaptured_marked": 12}]}"#;
    let task = "Estimate the painted turtle population of Hollis Pond from the 2024 datasheet.";
    let mut b = B::new(task);
    let a = b.turn("population_analyst", &[("user", task)], "Reading the datasheet.");
    b.tool(a, "read_datasheet", r#"{"site": "Hollis Pond"}"#, sheet);
    b.turn(
        "population_analyst",
        &[("user", task), ("tool", sheet)],
        "Chapman's bias-corrected estimator with the recapture session: N = (M + 1)(C + 1)/(R + 1) − 1 = 49 × 53 / 13 − 1 = 2,597 / 13 − 1 = 198.8, so about 199 painted turtles; the Lincoln–Petersen figure for the headline stays at 208.",
    );
    let r = b.report();
    assert!(!has(&r, "tool_data_ignored"), "{:?}", r.findings);
}
