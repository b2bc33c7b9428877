//! Normalizer results on runs captured from the real framework packages
//! (`tests/frameworks/captures/<framework>_<mode>_<scenario>`, made by `tests/frameworks/capture.sh`
//! with a scripted model server): a coordinator hands work to a researcher (one `get_weather`
//! call) and a writer, then answers; `*_loop` runs repeat one identical tool call.
use agenttrace_core::analyze::{analyze_run, RunAnalysis};
use agenttrace_core::corpus::{framework_captures, load_run, Capture};
use agenttrace_core::mast::{classify, MastConfig, MastReport};
use agenttrace_core::normalize::OutcomeStatus;

fn capture(name: &str) -> Capture {
    framework_captures()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("capture {name} missing under tests/frameworks/captures"))
}

fn run(name: &str) -> (RunAnalysis, MastReport) {
    let spans = load_run(&capture(name));
    assert!(!spans.is_empty(), "{name}: no spans");
    let a = analyze_run(&spans);
    let r = classify(&spans, &a, &MastConfig::default());
    (a, r)
}

#[test]
#[ignore]
fn dump() {
    for c in framework_captures() {
        let spans = load_run(&c);
        let a = analyze_run(&spans);
        let r = classify(&spans, &a, &MastConfig::default());
        println!("==== {} ({} spans)\nframework: {:?}", c.name, spans.len(), a.framework);
        for ag in &a.agents {
            println!("agent {} llm={} tools={} tok={}/{}", ag.agent_name, ag.llm_calls, ag.tool_calls, ag.input_tokens, ag.output_tokens);
        }
        for m in &a.messages {
            let text: Option<String> = m.content.as_deref().map(|c| c.chars().take(70).collect());
            println!("msg {:?} -> {} {:?} {:?}", m.from_agent, m.to_agent, m.kind, text);
        }
        for t in &a.tool_calls {
            println!("tool {} by {:?} id={:?} args={:?} result={:?}", t.tool_name, t.agent_name, t.call_id, t.arguments, t.result);
        }
        println!("outcome {:?} {:?} {:?}", a.outcome.status, a.outcome.reason, a.outcome.failing_agent);
        for f in &r.findings {
            println!("finding {} {:?}: {}", f.mode_id, f.agent_name, f.explanation);
        }
    }
}

const RESEARCH_TASK: &str = "Find the current weather in Paris using the weather tool.";
const WRITE_TASK: &str = "Write a two-sentence commuter brief from these notes";
const WEATHER: &str = "Paris: 18C, sunny, wind 10 km/h";

/// What a clean run must show; `content`: the capture exports message content.
struct Want {
    framework: &'static str,
    agents: &'static [&'static str],
    /// (from, to) of the messages handing work to the researcher and the writer.
    hand_to_researcher: (&'static str, &'static str),
    content: bool,
    /// The capture exports tool arguments and results (on tool spans, or in model messages).
    tool_content: bool,
    /// Tool spans record the model's call id.
    call_ids: bool,
}

fn check_clean(name: &str, w: &Want) -> Vec<String> {
    let (a, r) = run(name);
    let mut errs = Vec::new();
    if a.framework.as_deref() != Some(w.framework) {
        errs.push(format!("framework {:?} != {}", a.framework, w.framework));
    }
    let agents: Vec<&str> = a.agents.iter().map(|x| x.agent_name.as_str()).collect();
    for want in w.agents {
        if !agents.contains(want) {
            errs.push(format!("agent {want} missing from {agents:?}"));
        }
    }
    if agents.len() != w.agents.len() {
        errs.push(format!("agents {agents:?} != {:?}", w.agents));
    }
    // The handoff / delegation to the researcher and the writer, with their instruction.
    for (to, text) in [("researcher", RESEARCH_TASK), ("writer", WRITE_TASK)] {
        let from = w.hand_to_researcher.0;
        let ms: Vec<_> = a.messages.iter().filter(|m| m.from_agent.as_deref() == Some(from) && m.to_agent == to).collect();
        if ms.is_empty() {
            errs.push(format!("no message {from} -> {to}"));
        } else if w.content && !ms.iter().any(|m| m.content.as_deref().unwrap_or("").contains(text)) {
            let said: Vec<_> = ms.iter().map(|m| &m.content).collect();
            errs.push(format!("messages {from} -> {to} say {said:?}, not the instruction"));
        }
    }
    let weather: Vec<_> = a.tool_calls.iter().filter(|t| t.tool_name == "get_weather").collect();
    if weather.len() != 1 {
        errs.push(format!("{} get_weather calls", weather.len()));
    } else {
        let t = weather[0];
        if t.agent_name.as_deref() != Some("researcher") {
            errs.push(format!("get_weather by {:?}", t.agent_name));
        }
        if w.call_ids && t.call_id.is_none() {
            errs.push("get_weather without call id".into());
        }
        if w.tool_content {
            let args: Option<serde_json::Value> = t.arguments.as_deref().and_then(|x| serde_json::from_str(x).ok());
            if args != Some(serde_json::json!({"city": "Paris"})) {
                errs.push(format!("get_weather arguments {:?}", t.arguments));
            }
            if !t.result.as_deref().unwrap_or("").contains(WEATHER) {
                errs.push(format!("get_weather result {:?}", t.result));
            }
        }
    }
    for ag in &a.agents {
        if ag.llm_calls > 0 && (ag.input_tokens <= 0 || ag.output_tokens <= 0) {
            errs.push(format!("{}: {} model calls without tokens", ag.agent_name, ag.llm_calls));
        }
    }
    if a.outcome.status != OutcomeStatus::Success {
        errs.push(format!("outcome {:?} {:?}", a.outcome.status, a.outcome.reason));
    }
    for f in &r.findings {
        errs.push(format!("finding {} {:?}: {}", f.mode_id, f.agent_name, f.explanation));
    }
    errs.into_iter().map(|e| format!("{name}: {e}")).collect()
}

fn assert_clean(names: &[&str], w: &Want) {
    let errs: Vec<String> = names.iter().flat_map(|n| check_clean(n, w)).collect();
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

const TRIO: &[&str] = &["coordinator", "researcher", "writer"];

#[test]
fn pydantic_ai_delegation_through_tools() {
    let w = Want {
        framework: "pydantic_ai",
        agents: TRIO,
        hand_to_researcher: ("coordinator", "researcher"),
        content: true,
        tool_content: true,
        call_ids: true,
    };
    assert_clean(&["pydantic_ai_default_success"], &w);
    assert_clean(&["pydantic_ai_nocontent_success"], &Want { content: false, tool_content: false, ..w });
}

#[test]
fn google_adk_agent_tools_in_every_content_mode() {
    // Agents, tool calls and tokens in every mode (the delegation's text: below).
    let w = Want {
        framework: "google_adk",
        agents: TRIO,
        hand_to_researcher: ("coordinator", "researcher"),
        content: false,
        tool_content: true,
        call_ids: true,
    };
    // SPAN_ONLY: content on the spans; EVENT_ONLY: in log events only.
    assert_clean(&["adk_span_only_success", "adk_event_only_success"], &w);
    // Default: ADK exports no content.
    assert_clean(&["adk_default_success"], &Want { content: false, tool_content: false, ..w });
}

/// The delegation message of an ADK AgentTool call carries the instruction from the tool call's
/// arguments (`request`): the sub-agent's span records no input; the tool span above it does.
#[test]
fn google_adk_delegation_text() {
    let w = Want {
        framework: "google_adk",
        agents: TRIO,
        hand_to_researcher: ("coordinator", "researcher"),
        content: true,
        tool_content: true,
        call_ids: true,
    };
    assert_clean(&["adk_span_only_success", "adk_event_only_success"], &w);
}

#[test]
fn strands_swarm_handoffs() {
    let w = Want {
        framework: "strands",
        agents: TRIO,
        hand_to_researcher: ("coordinator", "researcher"),
        content: true,
        tool_content: true,
        call_ids: true,
    };
    // Default: content in span events; latest semconv: in span attributes.
    assert_clean(&["strands_default_success", "strands_latest_success"], &w);
}

#[test]
fn smolagents_managed_agents() {
    // OpenInference's smolagents tool spans record no call id.
    let w = Want {
        framework: "smolagents",
        agents: TRIO,
        hand_to_researcher: ("coordinator", "researcher"),
        content: true,
        tool_content: true,
        call_ids: false,
    };
    assert_clean(&["smolagents_oi_success"], &w);
    // The task as the user gave it, not the instrumented call's JSON.
    let (a, _) = run("smolagents_oi_success");
    let entry = a.messages.iter().find(|m| m.from_agent.is_none()).and_then(|m| m.content.clone());
    assert_eq!(entry.as_deref(), Some("Write a two-sentence weather brief for Paris for tomorrow morning's commuters."));
}

fn magentic_one() -> Want {
    Want {
        framework: "autogen",
        agents: &["MagenticOneOrchestrator", "researcher", "writer"],
        hand_to_researcher: ("MagenticOneOrchestrator", "researcher"),
        content: true,
        tool_content: false,
        call_ids: true,
    }
}

#[test]
fn autogen_magentic_one_group_chat() {
    assert_clean(&["autogen_m1_default_success"], &magentic_one());
    // Every message once, none empty: a broadcast delivered twice to a member, or the
    // orchestrator's content-less request to speak, is no message of its own.
    let (a, _) = run("autogen_m1_default_success");
    let mut seen = std::collections::BTreeSet::new();
    for m in &a.messages {
        assert!(m.content.as_deref().is_some_and(|c| !c.trim().is_empty()), "empty message {m:?}");
        assert!(seen.insert((m.from_agent.clone(), m.to_agent.clone(), m.content.clone())), "duplicate {m:?}");
    }
}

/// The tool call's arguments and result, which only the runtime's ToolCallRequestEvent /
/// ToolCallExecutionEvent deliveries record, read by call id.
#[test]
fn autogen_magentic_one_tool_content() {
    assert_clean(&["autogen_m1_default_success"], &Want { tool_content: true, ..magentic_one() });
}

/// A repeated identical call is FM-1.3, quoting the call.
fn assert_loop(name: &str, agent: &str, tool: &str, quoted: &str) {
    let (_, r) = run(name);
    let f = r.findings.iter().find(|f| f.mode_id == "FM-1.3");
    let Some(f) = f else { panic!("{name}: no FM-1.3 in {:?}", r.findings.iter().map(|f| &f.mode_id).collect::<Vec<_>>()) };
    assert_eq!(f.agent_name.as_deref(), Some(agent), "{name}");
    assert!(f.explanation.contains(tool) && f.explanation.contains(quoted), "{name}: {}", f.explanation);
}

#[test]
fn repeated_calls_are_step_repetition() {
    assert_loop("pydantic_ai_default_loop", "researcher", "get_weather", r#""city":"Paris""#);
    assert_loop("strands_default_loop", "coordinator", "handoff_to_agent", r#""agent_name": "researcher""#);
}

/// LlamaIndex AgentWorkflow: agents from the workflow's agent steps, handoffs in order, the tool
/// call's arguments, the user's task as the entry message (read from the step's workflow-event
/// repr), each streamed model call once.
#[test]
fn llama_index_agent_workflow() {
    let (a, _) = run("llama_index_oi_success");
    assert_eq!(a.framework.as_deref(), Some("llama_index"));
    let agents: Vec<&str> = a.agents.iter().map(|x| x.agent_name.as_str()).collect();
    assert_eq!(agents, TRIO);
    let pairs: Vec<(Option<&str>, &str)> = a.messages.iter().map(|m| (m.from_agent.as_deref(), m.to_agent.as_str())).collect();
    assert_eq!(
        pairs,
        [
            (None, "coordinator"),
            (Some("coordinator"), "researcher"),
            (Some("researcher"), "coordinator"),
            (Some("coordinator"), "writer"),
            (Some("writer"), "coordinator")
        ]
    );
    let weather: Vec<_> = a.tool_calls.iter().filter(|t| t.tool_name == "get_weather").collect();
    assert_eq!(weather.len(), 1);
    let args: Option<serde_json::Value> = weather[0].arguments.as_deref().and_then(|x| serde_json::from_str(x).ok());
    assert_eq!(args, Some(serde_json::json!({"city": "Paris"})));
    assert_eq!(a.outcome.status, OutcomeStatus::Success);
    let entry = a.messages.iter().find(|m| m.from_agent.is_none()).and_then(|m| m.content.clone());
    assert_eq!(entry.as_deref(), Some("Write a two-sentence weather brief for Paris for tomorrow morning's commuters."));
    // One model call per agent step (the stream inside a streamed call is the call).
    let calls: Vec<(&str, i64)> = a.agents.iter().map(|x| (x.agent_name.as_str(), x.llm_calls)).collect();
    assert_eq!(calls, [("coordinator", 3), ("researcher", 2), ("writer", 1)]);
}

/// LlamaIndex: the tool calls, which run as workflow steps outside the agent steps, work for the
/// agent whose model call requested them; handoffs carry the handoff tool's reason; tokens from
/// the streamed calls.
#[test]
fn llama_index_agent_workflow_complete() {
    let w = Want {
        framework: "llama_index",
        agents: TRIO,
        hand_to_researcher: ("coordinator", "researcher"),
        content: true,
        tool_content: true,
        call_ids: false,
    };
    assert_clean(&["llama_index_oi_success"], &w);
}

#[test]
fn openai_agents_agents_as_tools() {
    // The sub-agents' spans record no input and the tool spans no call id.
    let w = Want {
        framework: "openai_agents",
        agents: TRIO,
        hand_to_researcher: ("coordinator", "researcher"),
        content: false,
        tool_content: true,
        call_ids: false,
    };
    assert_clean(&["openai_agents_oi_success"], &w);
}

/// The delegation message carries the instruction from the agent-as-tool call's arguments
/// (`input`), as for ADK's AgentTool.
#[test]
fn openai_agents_delegation_text() {
    let w = Want {
        framework: "openai_agents",
        agents: TRIO,
        hand_to_researcher: ("coordinator", "researcher"),
        content: true,
        tool_content: true,
        call_ids: false,
    };
    assert_clean(&["openai_agents_oi_success"], &w);
}

/// CrewAI hierarchical crew: openinference-instrumentation-crewai records the crew, the manager's
/// task and the tool calls (no model spans). A delegation tool call names its coworker and runs
/// the coworker's task inside it: that span is the coworker's turn, with the task, and the
/// coworker's own tool calls are under it.
#[test]
fn crewai_hierarchical_crew() {
    let w = Want {
        framework: "crewai",
        agents: TRIO,
        hand_to_researcher: ("coordinator", "researcher"),
        content: true,
        tool_content: true,
        call_ids: false,
    };
    assert_clean(&["crewai_oi_success"], &w);
}
