//! Failure attribution on synthetic routed teams: where the final answer's content was made
//! (provenance), who made it, and the runs where nothing can be traced.
mod common;

use agenttrace_core::mast::{attribute_failure, classify_spans, Attribution, MastConfig, RunView};
use common::B;

const TASK: &str = "Which supplier delivered the most pallets to the Leeds depot in March? Give the supplier's name and the pallet count.";

/// Attribution and the number of rule findings of a run.
fn attribution(b: &B) -> (Attribution, usize) {
    let cfg = MastConfig::default();
    let (analysis, report) = classify_spans(&b.spans, &cfg);
    let view = RunView::new(&b.spans, &analysis, &cfg);
    (attribute_failure(&view, &report.findings, &cfg), report.findings.len())
}

fn hex(id: u64) -> String {
    format!("{id:016x}")
}

/// A coordinator routes to a researcher (three turns) and a writer, then announces `answer`.
/// `guess` is a line the coordinator adds to its plan. Returns the run and the researcher's turns.
fn team(research: [&str; 3], guess: &str, answer: &str) -> (B, Vec<u64>) {
    let mut b = B::new(TASK);
    b.turn("lead", &[("user", TASK)], &format!("Plan: the researcher reads the March delivery log, the writer sums it up. {guess}"));
    let mut turns = Vec::new();
    for r in research {
        b.turn("lead", &[("user", TASK)], "Next speaker researcher");
        turns.push(b.turn("researcher", &[("user", "Read the next part of the March delivery log of the Leeds depot.")], r));
    }
    b.turn("lead", &[("user", TASK)], "Next speaker writer");
    b.turn("writer", &[("user", research[2])], "Summary written from the researcher's notes; totals as reported above.");
    b.turn("lead", &[("user", "Summary written.")], &format!("All steps are done.\nFINAL ANSWER: {answer}"));
    (b, turns)
}

const LOG_HEAD: &str = "The March delivery log of the Leeds depot lists 14 deliveries from four suppliers.";
const TOTALS: &str = "Totals per supplier: Harwood Freight 312 pallets, Okafor Logistics 198, Brennan Haulage 121, Mistral Cargo 64.";
const CHECK: &str = "Cross-checked against the delivery notes: every total matches the log.";

/// The answer's name and figure first appear in the researcher's second turn: that turn made the
/// answer, and the researcher is responsible. Twin: an answer that says there is none has nothing
/// to trace, and the decisive step is no provenance.
#[test]
fn the_turn_that_made_the_answer_is_the_decisive_step() {
    let (b, turns) = team([LOG_HEAD, TOTALS, CHECK], "", "Harwood Freight, 312 pallets");
    let (a, findings) = attribution(&b);
    assert_eq!(findings, 0, "a run without a contradiction gets no finding");
    assert_eq!(a.responsible_agent.as_deref(), Some("researcher"), "{:?}", a.candidates);
    let top = &a.candidates[0];
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(turns[1])), "{:?}", a.candidates);
    let why = top.step_reason.as_deref().unwrap_or("");
    assert!(why.contains("first appear") && why.contains("harwood") && why.contains("312"), "{why}");
    assert!(a.explanation.contains("first appear"), "{}", a.explanation);
    assert!(top.confidence > 0.0 && top.confidence <= 1.0, "{top:?}");

    // Twin: "unable to determine" has no content; the step is not a provenance.
    let (b, turns) = team([LOG_HEAD, TOTALS, CHECK], "", "Unable to determine from the log");
    let (a, findings) = attribution(&b);
    assert_eq!(findings, 0);
    assert!(a.candidates.iter().all(|c| c.reasons.iter().all(|r| !r.contains("first appear"))), "{:?}", a.candidates);
    assert_ne!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(turns[1])), "{:?}", a.candidates);
}

/// A coordinator whose own plan named the answer that no worker found made it up: it is
/// responsible, at that turn. Twin: when the researcher's output held the answer first and the
/// coordinator was given it, the coordinator only passed it on.
#[test]
fn a_coordinator_that_made_the_answer_up_is_responsible() {
    let guess = "I expect Okafor Logistics with 198 pallets.";
    let other = "Totals per supplier: Harwood Freight 312 pallets, Brennan Haulage 121, Mistral Cargo 64.";
    let (b, _) = team([LOG_HEAD, other, CHECK], guess, "Okafor Logistics, 198 pallets");
    let (a, findings) = attribution(&b);
    assert_eq!(findings, 0);
    assert_eq!(a.responsible_agent.as_deref(), Some("lead"), "{:?}", a.candidates);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.name.as_str()), Some("invoke_agent lead"));
    assert!(a.candidates[0].step_reason.as_deref().is_some_and(|r| r.contains("okafor")), "{:?}", a.candidates[0]);

    // Twin: the researcher found it; the coordinator's plan came later and was given it.
    let mut b = B::new(TASK);
    b.turn("lead", &[("user", TASK)], "Plan: the researcher reads the March delivery log, the writer sums it up.");
    let mut turns = Vec::new();
    for r in [LOG_HEAD, TOTALS, CHECK] {
        b.turn("lead", &[("user", TASK)], "Next speaker researcher");
        turns.push(b.turn("researcher", &[("user", "Read the next part of the March delivery log of the Leeds depot.")], r));
    }
    b.turn("lead", &[("user", TOTALS)], &format!("Noted: {}", "Okafor Logistics 198 looks low, Harwood Freight leads."));
    b.turn("lead", &[("user", TASK)], "Next speaker writer");
    b.turn("writer", &[("user", CHECK)], "Summary written from the researcher's notes; totals as reported above.");
    b.turn("lead", &[("user", "Summary written.")], "All steps are done.\nFINAL ANSWER: Okafor Logistics, 198 pallets");
    let (a, findings) = attribution(&b);
    assert_eq!(findings, 0);
    assert_eq!(a.responsible_agent.as_deref(), Some("researcher"), "{:?}", a.candidates);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(turns[1])), "{:?}", a.candidates);
}

/// A lone digit occurs everywhere; the turn that announced it as its answer made it. Twin: when
/// no turn announced it, nothing is traced.
#[test]
fn a_lone_digit_is_traced_to_the_turn_that_announced_it() {
    let counted =
        "Suppliers with more than 100 pallets: Harwood Freight, Okafor Logistics, Brennan Haulage.\nSo the answer is: 3 suppliers";
    let (b, turns) = team([LOG_HEAD, TOTALS, counted], "", "3");
    let (a, findings) = attribution(&b);
    assert_eq!(findings, 0);
    assert_eq!(a.responsible_agent.as_deref(), Some("researcher"), "{:?}", a.candidates);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(turns[2])), "{:?}", a.candidates);
    assert!(a.candidates[0].step_reason.as_deref().is_some_and(|r| r.contains("announced")), "{:?}", a.candidates[0]);

    let plain = "Suppliers with more than 100 pallets: Harwood Freight, Okafor Logistics, Brennan Haulage.";
    let (b, turns) = team([LOG_HEAD, TOTALS, plain], "", "3");
    let (a, findings) = attribution(&b);
    assert_eq!(findings, 0);
    assert!(a.candidates.iter().all(|c| c.reasons.iter().all(|r| !r.contains("announced"))), "{:?}", a.candidates);
    assert_ne!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(turns[2])), "{:?}", a.candidates);
}

/// A turn that closes by stating the figure apart ("…, so the count is:" then the figure alone,
/// in a code block or not) announced it too. Twin: an output that merely ends on a lone number
/// (a page's footer, a list's last item) announced nothing.
#[test]
fn a_lone_digit_stated_as_a_turns_closing_value_is_traced_there() {
    let stated = "Suppliers with more than 100 pallets: Harwood Freight, Okafor Logistics, Brennan Haulage.\n\nThus, the count of such suppliers is:\n```text\n3\n```";
    let (b, turns) = team([LOG_HEAD, TOTALS, stated], "", "3");
    let (a, findings) = attribution(&b);
    assert_eq!(findings, 0);
    assert_eq!(a.responsible_agent.as_deref(), Some("researcher"), "{:?}", a.candidates);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(turns[2])), "{:?}", a.candidates);
    assert!(a.candidates[0].step_reason.as_deref().is_some_and(|r| r.contains("announced")), "{:?}", a.candidates[0]);

    let footer = "Suppliers with more than 100 pallets: Harwood Freight, Okafor Logistics, Brennan Haulage.\nPage\n3";
    let (b, turns) = team([LOG_HEAD, TOTALS, footer], "", "3");
    let (a, findings) = attribution(&b);
    assert_eq!(findings, 0);
    assert!(a.candidates.iter().all(|c| c.reasons.iter().all(|r| !r.contains("announced"))), "{:?}", a.candidates);
    assert_ne!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(turns[2])), "{:?}", a.candidates);
}

/// A loop is a symptom: the researcher that repeats one turn went wrong where its track began,
/// not at the first repetition. With nothing traced to an answer, that is its first turn; twin:
/// when the answer's content was made before the loop, that turn is the step.
#[test]
fn a_loop_points_back_to_where_its_agent_began() {
    let stuck = "I scrolled down one page of the delivery log; the page shows the same rows as before.";
    let run = |answer: &str| {
        let mut b = B::new(TASK);
        b.turn("lead", &[("user", TASK)], "Plan: the researcher reads the March delivery log, the writer sums it up.");
        let mut turns = Vec::new();
        for r in [LOG_HEAD, TOTALS, stuck, stuck, stuck, stuck] {
            b.turn("lead", &[("user", TASK)], "Next speaker researcher");
            turns.push(b.turn("researcher", &[("user", "Read the next part of the March delivery log of the Leeds depot.")], r));
        }
        b.turn("lead", &[("user", "The researcher is stuck.")], &format!("Stopping here.\nFINAL ANSWER: {answer}"));
        (b, turns)
    };
    let (b, turns) = run("Unable to determine from the log");
    let (a, findings) = attribution(&b);
    assert!(findings > 0, "the repeated turns are a finding");
    assert_eq!(a.responsible_agent.as_deref(), Some("researcher"), "{:?}", a.candidates);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(turns[0])), "{:?}", a.candidates);
    assert!(a.candidates[0].step_reason.as_deref().is_some_and(|r| r.contains("symptom")), "{:?}", a.candidates[0]);

    let (b, turns) = run("Harwood Freight, 312 pallets");
    let (a, _) = attribution(&b);
    assert_eq!(a.responsible_agent.as_deref(), Some("researcher"), "{:?}", a.candidates);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(turns[1])), "{:?}", a.candidates);
}

/// A group chat of experts with a code executor, as AG2 runs it: the executor's output held the
/// answer first, so the answer was made by the code it ran, and its author is responsible at the
/// turn that wrote it; the verifier that approved it and the turn that terminated are not.
/// Twin: when the verifier's own turn introduced the figure (it "corrected" the result), the
/// verifier made the answer.
#[test]
fn a_group_chat_answer_made_by_executed_code_goes_to_its_author() {
    const Q: &str = "How many deliveries of the March log of the Leeds depot arrived late (after 10:00)? Answer with a number.";
    let run = |verifier: &str, fin: &str| {
        let mut b = B::new(Q);
        let plan = "## Task description\nCount the late deliveries of the March log.\n## Plan for solving the task\n1. Load the log 2. Filter arrivals after 10:00 3. Count them\n## Output format\nA number.";
        b.turn_with("Logistics_Expert", Some("You are a logistics expert."), &[("user", Q)], plan);
        let code = "```python\nimport csv\nrows = list(csv.DictReader(open('march.csv')))\nlate = [r for r in rows if r['arrival'] > '10:00' and r['depot'] == 'Leeds']\nprint(len(late) + 1)\n```";
        let coder = b.turn_with("DataAnalysis_Expert", Some("You are a data analysis expert who writes Python."), &[("user", plan)], code);
        let term = b.turn_with("Computer_terminal", None, &[("user", code)], "exitcode: 0 (execution succeeded)\nCode output: 17");
        let ver = b.turn_with(
            "Verification_Expert",
            Some("You verify results."),
            &[("user", "exitcode: 0 (execution succeeded)\nCode output: 17")],
            verifier,
        );
        b.turn_with("Logistics_Expert", Some("You are a logistics expert."), &[("user", verifier)], fin);
        (b, coder, term, ver)
    };
    let (b, coder, _, _) = run("The code filters by depot and arrival time; the count of 17 is correct.", "The answer is 17.\nTERMINATE");
    let (a, _) = attribution(&b);
    assert_eq!(a.responsible_agent.as_deref(), Some("DataAnalysis_Expert"), "{:?}", a.candidates);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(coder)), "{:?}", a.candidates);

    // A chat that ends on a bare termination keyword after the answer: the answer is the turn
    // before it.
    let (b, coder, _, _) = run("The code filters by depot and arrival time; the count of 17 is correct.", "TERMINATE");
    let (a, _) = attribution(&b);
    assert_eq!(a.responsible_agent.as_deref(), Some("DataAnalysis_Expert"), "{:?}", a.candidates);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(coder)), "{:?}", a.candidates);

    let (b, _, _, ver) = run("I re-counted by hand: the correct count is 23, not 17.", "The answer is 23.\nTERMINATE");
    let (a, _) = attribution(&b);
    assert_eq!(a.responsible_agent.as_deref(), Some("Verification_Expert"), "{:?}", a.candidates);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(ver)), "{:?}", a.candidates);
}

/// A code executor in a group chat is often given the turn when there is no code to run, and
/// answers each time with the same canned reply. Those replies are not work of its own: it is
/// still the executor, never blamed for the chat's answer or for repeating its canned reply;
/// the author of the code it ran is.
#[test]
fn an_executor_that_is_given_turns_without_code_is_still_the_executor() {
    const Q: &str = "What is the median delivery time in minutes of the March log of the Leeds depot?";
    const CANNED: &str = "There is no code from the last 1 message for me to execute. Group chat manager should let other participants to continue the conversation.";
    let mut b = B::new(Q);
    let plan = "## Plan\n1. Load the March log 2. Compute the median delivery time 3. Verify";
    b.turn("Planner_Expert", &[("user", Q)], plan);
    b.turn("Computer_terminal", &[("user", plan)], CANNED);
    let code = "```python\nimport statistics\nrows = load('march.csv')\nprint(statistics.mean(r['minutes'] for r in rows))\n```";
    let coder = b.turn("Python_Expert", &[("user", plan)], code);
    b.turn("Computer_terminal", &[("user", code)], "exitcode: 0 (execution succeeded)\nCode output: 47.5");
    b.turn("Planner_Expert", &[("user", "Code output: 47.5")], "The computed value is 47.5 minutes. Let us verify it.");
    b.turn("Computer_terminal", &[("user", "The computed value is 47.5 minutes. Let us verify it.")], CANNED);
    b.turn("Verification_Expert", &[("user", "Code output: 47.5")], "The approach is sound; 47.5 minutes is the median.");
    b.turn("Computer_terminal", &[("user", "The approach is sound; 47.5 minutes is the median.")], CANNED);
    b.turn("Planner_Expert", &[("user", "47.5 minutes is the median.")], "The answer is 47.5.\nTERMINATE");
    let (a, findings) = attribution(&b);
    assert_eq!(findings, 0, "a canned reply given three times is no repetition of work: {:?}", b.report().findings);
    assert!(!b.report().verdict.failed, "nothing in the chat contradicts itself");
    assert_ne!(a.responsible_agent.as_deref(), Some("Computer_terminal"), "{:?}", a.candidates);
    assert_eq!(a.responsible_agent.as_deref(), Some("Python_Expert"), "{:?}", a.candidates);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(coder)), "{:?}", a.candidates);
}

/// A group chat's last speaker whose closing answer holds content no earlier turn had (it
/// re-interpreted a computed result) made the answer in that very turn: it is responsible there.
/// Twins: when the closing answer repeats the executed result, the code's author made it; when a
/// coordinator closes with an answer no turn supports (a guess after the work failed), the guess
/// is not where it went wrong.
#[test]
fn a_closing_answer_no_earlier_turn_held_was_made_by_its_speaker() {
    const Q: &str = "How many rows of the March log of the Leeds depot have a quantity of zero?";
    let run = |closing: &str| {
        let mut b = B::new(Q);
        let plan = "## Plan for solving the task\n1. Load the March log 2. Count the rows whose quantity is zero";
        b.turn_with("Logistics_Expert", Some("You are a logistics expert."), &[("user", Q)], plan);
        let code = "```python\nimport csv\nrows = list(csv.DictReader(open('march.csv')))\nprint(sum(1 for r in rows if r['quantity'] == '0'))\n```";
        let coder = b.turn_with("DataAnalysis_Expert", Some("You are a data analysis expert who writes Python."), &[("user", plan)], code);
        b.turn_with("Computer_terminal", None, &[("user", code)], "exitcode: 0 (execution succeeded)\nCode output: 13");
        let last = b.turn_with("Verification_Expert", Some("You verify results."), &[("user", "Code output: 13")], closing);
        (b, coder, last)
    };
    let (b, _, last) =
        run("The code counted 13 rows. Counting per distinct pallet label instead, the answer is 12 distinct labels.\nTERMINATE");
    let (a, _) = attribution(&b);
    assert_eq!(a.responsible_agent.as_deref(), Some("Verification_Expert"), "{:?}", a.candidates);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(last)), "{:?}", a.candidates);
    assert!(a.candidates[0].step_reason.as_deref().is_some_and(|r| r.contains("distinct")), "{:?}", a.candidates[0]);

    // Twin: the closing answer repeats what the executed code printed.
    let (b, coder, _) = run("The code filters the zero quantities of the March log correctly; the answer is 13 rows.\nTERMINATE");
    let (a, _) = attribution(&b);
    assert_eq!(a.responsible_agent.as_deref(), Some("DataAnalysis_Expert"), "{:?}", a.candidates);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(coder)), "{:?}", a.candidates);

    // Twin: a coordinator's unsupported final answer is no origin (the routed team of `team`).
    let (b, turns) = team([LOG_HEAD, CHECK, CHECK], "", "Okafor Logistics, 198 pallets");
    let (a, _) = attribution(&b);
    assert_ne!(a.responsible_agent.as_deref(), Some("lead"), "{:?}", a.candidates);
    assert!(a.candidates[0].step_reason.as_deref().is_none_or(|r| !r.contains("okafor")), "{:?}", a.candidates[0]);
    let _ = turns;
}

/// A group chat whose first message posts the task and the manager's plan in a member's name:
/// posting the task is not that member's work, so when nothing but "who produced most of the
/// content" speaks (the chat gave up: no answer to trace), the step is the member's first turn of its own (its code), not the posted
/// task. Twin: a first turn that does not restate the task is the member's own work.
#[test]
fn the_posted_task_is_not_the_first_turn_of_work() {
    const Q: &str = "Which weekday had the most late deliveries in the March log of the Leeds depot?";
    let run = |first: &str| {
        let mut b = B::new(Q);
        let t0 = b.turn_with("Logistics_Expert", Some("You are a logistics expert who writes Python."), &[("user", Q)], first);
        let code = "```python\nimport pandas as pd\ndf = pd.read_csv('march.csv')\nlate = df[df['arrival'] > '10:00']\nprint(late['weekday'].value_counts())\n```";
        let t1 = b.turn_with("Logistics_Expert", Some("You are a logistics expert who writes Python."), &[("user", first)], code);
        b.turn_with(
            "Computer_terminal",
            None,
            &[("user", code)],
            "exitcode: 0 (execution succeeded)\nCode output: Series([], Name: weekday)",
        );
        b.turn_with(
            "Logistics_Expert",
            Some("You are a logistics expert who writes Python."),
            &[("user", "Monday 9")],
            "Unable to determine it from the log.\nTERMINATE",
        );
        (b, t0, t1)
    };
    let posted = format!("You are given a task and advice from your manager.\n## Task\n{Q}\n## Plan\n1. Load the log 2. Count per weekday");
    let (b, _, code_turn) = run(&posted);
    let (a, _) = attribution(&b);
    assert_eq!(a.responsible_agent.as_deref(), Some("Logistics_Expert"), "{:?}", a.candidates);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(code_turn)), "{:?}", a.candidates);

    let (b, first, _) = run("I will load the log with pandas and count the arrivals after ten per weekday.");
    let (a, _) = attribution(&b);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(first)), "{:?}", a.candidates);
}

/// The same for a loop: a member that posted the task and then sent the same failing code three
/// times is blamed for the loop, and its track began at its first code turn, not at the posted
/// task. Twin: when its first turn does not restate the task, that turn is where its track began.
#[test]
fn a_loop_of_the_member_that_posted_the_task_begins_at_its_own_first_turn() {
    const Q: &str = "Which weekday had the most late deliveries in the March log of the Leeds depot?";
    let run = |first: &str| {
        let mut b = B::new(Q);
        let t0 = b.turn_with("Python_Expert", Some("You write Python."), &[("user", Q)], first);
        let code = "```python\nimport pandas as pd\ndf = pd.read_csv('march_log.csv')\nprint(df[df['arrival'] > '10:00']['weekday'].value_counts())\n```";
        let err = "exitcode: 1 (execution failed)\nCode output: FileNotFoundError: [Errno 2] No such file or directory: 'march_log.csv'";
        let mut code_turns = Vec::new();
        for _ in 0..3 {
            code_turns.push(b.turn_with("Python_Expert", Some("You write Python."), &[("user", err)], code));
            b.turn_with("Computer_terminal", None, &[("user", code)], err);
        }
        (b, t0, code_turns[0])
    };
    let posted = format!("You are given a task and advice from your manager.\n## Task\n{Q}\n## Plan\n1. Load the log 2. Count per weekday");
    let (b, _, first_code) = run(&posted);
    let (a, _) = attribution(&b);
    assert_eq!(a.responsible_agent.as_deref(), Some("Python_Expert"), "{:?}", a.candidates);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(first_code)), "{:?}", a.candidates);

    let (b, first, _) = run("I will load the log with pandas and count the arrivals after ten per weekday.");
    let (a, _) = attribution(&b);
    assert_eq!(a.responsible_agent.as_deref(), Some("Python_Expert"), "{:?}", a.candidates);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(first)), "{:?}", a.candidates);
}

/// Attribution as `agenttrace.attribute_failure` answers it: a run the analysis judged a success
/// (nothing contradicts its answer) is still attributed, marked `failure_found: false`; the
/// report keeps no attribution for it.
#[test]
fn a_run_judged_a_success_is_attributed_when_asked() {
    let (b, turns) = team([LOG_HEAD, TOTALS, CHECK], "", "Okafor Logistics, 198 pallets");
    let cfg = MastConfig::default();
    let (analysis, report) = classify_spans(&b.spans, &cfg);
    assert!(!report.verdict.failed && report.attribution.is_none(), "{:?}", report.verdict);
    let asked = agenttrace_core::mast::attribution_as_asked(&b.spans, &analysis, &report, &cfg);
    assert!(!asked.failure_found);
    assert_eq!(asked.attribution.responsible_agent.as_deref(), Some("researcher"), "{:?}", asked.attribution.candidates);
    assert_eq!(asked.attribution.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(turns[1])));
    assert!(asked.attribution.explanation.starts_with("the analysis found no failure"), "{}", asked.attribution.explanation);
}

/// The answer's figures were first listed among others (a researcher's totals); a checker that
/// was handed one answer and announced another chose the final one: it is responsible, at that
/// turn. Twin: a checker that confirms the answer it was handed chose nothing; the listing that
/// made the answer stays the decisive step.
#[test]
fn the_turn_that_changed_the_answer_is_the_decisive_step() {
    let run = |checked: &str, answer: &str| {
        let mut b = B::new(TASK);
        b.turn("lead", &[("user", TASK)], "Plan: the researcher reads the March delivery log, the checker confirms the answer.");
        let listing = b.turn("researcher", &[("user", "Read the March delivery log of the Leeds depot.")], TOTALS);
        let check = b.turn("checker", &[("user", "Proposed answer: Harwood Freight, 312 pallets. Please verify.")], checked);
        b.turn("lead", &[("user", checked)], &format!("FINAL ANSWER: {answer}"));
        (b, listing, check)
    };
    let (b, _, check) = run(
        "The log's Okafor entries look undercounted; they stand.\nCorrected answer: Okafor Logistics, 198 pallets.",
        "Okafor Logistics, 198 pallets",
    );
    let (a, _) = attribution(&b);
    assert_eq!(a.responsible_agent.as_deref(), Some("checker"), "{:?}", a.candidates);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(check)), "{:?}", a.candidates);
    assert!(a.candidates[0].step_reason.as_deref().is_some_and(|r| r.contains("was given the answer")), "{:?}", a.candidates[0]);

    let (b, listing, _) =
        run("Re-added the totals; they match the log.\nConfirmed answer: Harwood Freight, 312 pallets.", "Harwood Freight, 312 pallets");
    let (a, _) = attribution(&b);
    assert_eq!(a.responsible_agent.as_deref(), Some("researcher"), "{:?}", a.candidates);
    assert_eq!(a.decisive_span.as_ref().map(|s| s.span_id.clone()), Some(hex(listing)), "{:?}", a.candidates);
}
