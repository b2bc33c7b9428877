//! The LLM judge, pure part: the prompt built from a run's transcript (the 14 MAST mode
//! definitions + the numbered transcript within a token budget, asking for a strict JSON
//! verdict) and the parser of the judge's answer (clear errors on malformed output). The HTTP
//! worker that calls a chat-completions endpoint lives outside the core.
use serde::{Deserialize, Serialize};

use super::transcript::{flat, Transcript};
use super::{Finding, RunView, Severity, MODES};

/// Characters per token assumed for the budget (English text, BPE tokenizers).
const CHARS_PER_TOKEN: usize = 4;

/// A prompt ready for a chat-completions call (`system` + `user` messages).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JudgePrompt {
    pub system: String,
    pub user: String,
    /// Estimated tokens of system + user (chars / 4).
    pub approx_tokens: usize,
    /// Steps left out or cut to fit the budget.
    pub truncated: bool,
    /// Steps of the transcript, numbered from 1 as in the prompt.
    pub steps: usize,
}

/// The answer format the prompt asks for, as documented to the judge.
pub const ANSWER_FORMAT: &str = r#"{"failed": true|false, "modes": [{"mode": "FM-x.y", "agent": "<agent name or null>", "step": <step number or null>, "evidence": "<verbatim quote from the transcript>", "confidence": <0..1>}], "responsible_agent": "<agent name or null>", "decisive_step": <step number or null>, "summary": "<one sentence>"}"#;

fn system_text() -> String {
    let mut s = String::from(
        "You are an expert annotator of multi-agent LLM system traces. Decide whether the run below failed \
         (its final result is wrong, unusable, unsafe or incomplete for the task, even if the framework reported success) \
         and which failure modes of the MAST taxonomy (Cemri et al., 2025) it shows. Judge only from the transcript; \
         quote the evidence verbatim. Report a mode only when the transcript shows it. A run can be clean: then \
         \"failed\" is false and \"modes\" is empty.\n\nMAST failure modes:\n",
    );
    for m in MODES {
        s += &format!("- {} {} ({}): {}\n", m.id, m.name, m.category, m.definition);
    }
    s += "\nAnswer with exactly one JSON object and nothing else (no prose, no code fence):\n";
    s += ANSWER_FORMAT;
    s += "\n\"step\" and \"decisive_step\" refer to the [n] numbers of the transcript. \"responsible_agent\" is the agent whose action decided the failure.";
    s
}

/// Builds the judge prompt of a transcript within `max_tokens` (system + user). Steps are cut
/// to shorter excerpts first, then steps from the middle are left out (the task, instructions,
/// the first and the last steps stay).
pub fn judge_prompt(t: &Transcript, max_tokens: usize) -> JudgePrompt {
    let system = system_text();
    let budget_chars = max_tokens.saturating_mul(CHARS_PER_TOKEN).saturating_sub(system.len()).max(400);
    let header = |chars: usize| {
        let mut h = String::new();
        if let Some(task) = &t.task {
            h += &format!("TASK: {}\n", flat(task, chars.max(400)));
        }
        for i in &t.instructions {
            h += &format!("INSTRUCTIONS of {}: {}\n", i.agent, flat(&i.text, chars.max(200)));
        }
        h += "TRANSCRIPT:\n";
        h
    };
    let footer = |chars: usize| match (&t.final_output, &t.final_agent) {
        (Some(f), a) => format!("FINAL OUTPUT ({}): {}\n", a.as_deref().unwrap_or("?"), flat(f, chars)),
        _ => String::new(),
    };
    let n = t.steps.len();
    let mut truncated = false;
    for chars in [1500usize, 800, 400, 200, 120] {
        let lines: Vec<String> = t.steps.iter().enumerate().map(|(k, s)| s.render(k + 1, chars)).collect();
        let total: usize = header(chars).len() + footer(chars).len() + lines.iter().map(|l| l.len() + 1).sum::<usize>();
        if total <= budget_chars {
            let user = format!("{}{}\n{}", header(chars), lines.join("\n"), footer(chars));
            return finish(system, user, truncated, n);
        }
        truncated = true;
    }
    // Still too long: keep the first and last steps, leave out the middle.
    let chars = 120;
    let lines: Vec<String> = t.steps.iter().enumerate().map(|(k, s)| s.render(k + 1, chars)).collect();
    let fixed = header(chars).len() + footer(chars).len() + 64;
    let room = budget_chars.saturating_sub(fixed);
    let (mut head, mut tail) = (Vec::new(), Vec::new());
    let (mut used, mut i, mut j) = (0usize, 0usize, n);
    while i < j {
        let take_head = head.len() <= tail.len();
        let line = if take_head { &lines[i] } else { &lines[j - 1] };
        if used + line.len() + 1 > room {
            break;
        }
        used += line.len() + 1;
        if take_head {
            head.push(line.clone());
            i += 1;
        } else {
            tail.push(line.clone());
            j -= 1;
        }
    }
    tail.reverse();
    let omitted = j - i;
    let mut body = head.join("\n");
    if omitted > 0 {
        body += &format!("\n[... {omitted} steps ({}..{}) left out for length ...]", i + 1, j);
    }
    if !tail.is_empty() {
        body += "\n";
        body += &tail.join("\n");
    }
    let user = format!("{}{}\n{}", header(chars), body, footer(chars));
    finish(system, user, true, n)
}

fn finish(system: String, user: String, truncated: bool, steps: usize) -> JudgePrompt {
    let approx_tokens = (system.len() + user.len()).div_ceil(CHARS_PER_TOKEN);
    JudgePrompt { system, user, approx_tokens, truncated, steps }
}

/// One mode the judge reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeMode {
    pub mode_id: String,
    pub agent: Option<String>,
    pub step: Option<usize>,
    pub evidence: String,
    pub confidence: Option<f32>,
}

/// The judge's verdict on a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeVerdict {
    pub failed: bool,
    pub modes: Vec<JudgeMode>,
    pub responsible_agent: Option<String>,
    pub decisive_step: Option<usize>,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JudgeError {
    #[error("judge answer holds no JSON object: «{0}»")]
    NoJson(String),
    #[error("judge answer is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("judge answer lacks the field \"{0}\"")]
    MissingField(&'static str),
    #[error("judge answer field \"{field}\" must be {expected}")]
    WrongType { field: String, expected: &'static str },
    #[error("judge answer names an unknown MAST mode \"{0}\"")]
    UnknownMode(String),
    #[error("judge answer refers to step {step}, the transcript has {steps}")]
    StepOutOfRange { step: usize, steps: usize },
}

/// The JSON object of an answer: the whole text, a fenced block, or the outermost `{...}`.
fn json_object(text: &str) -> Result<serde_json::Value, JudgeError> {
    let t = text.trim();
    let t = t.strip_prefix("```json").or_else(|| t.strip_prefix("```")).unwrap_or(t);
    let t = t.strip_suffix("```").unwrap_or(t).trim();
    let (Some(a), Some(b)) = (t.find('{'), t.rfind('}')) else {
        return Err(JudgeError::NoJson(flat(text, 80)));
    };
    if b < a {
        return Err(JudgeError::NoJson(flat(text, 80)));
    }
    serde_json::from_str(&t[a..=b]).map_err(|e| JudgeError::InvalidJson(e.to_string()))
}

fn opt_str(v: &serde_json::Value, field: &str) -> Result<Option<String>, JudgeError> {
    match v.get(field) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() || s == "null" => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(_) => Err(JudgeError::WrongType { field: field.into(), expected: "a string or null" }),
    }
}

fn opt_step(v: &serde_json::Value, field: &str, steps: usize) -> Result<Option<usize>, JudgeError> {
    let n = match v.get(field) {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(x) => x
            .as_u64()
            .or_else(|| x.as_str().and_then(|s| s.trim().trim_start_matches('[').trim_end_matches(']').parse().ok()))
            .ok_or(JudgeError::WrongType { field: field.into(), expected: "a step number or null" })?,
    } as usize;
    if n == 0 || (steps > 0 && n > steps) {
        return Err(JudgeError::StepOutOfRange { step: n, steps });
    }
    Ok(Some(n))
}

/// Normalises `fm-1.3` / `FM 1.3` / `1.3` to `FM-1.3`; unknown ids are an error.
fn mode_id(raw: &str) -> Result<&'static str, JudgeError> {
    let t = raw.trim().to_uppercase().replace(' ', "-");
    let t = t.strip_prefix("FM-").or_else(|| t.strip_prefix("FM")).unwrap_or(&t).trim_start_matches('-');
    MODES.iter().find(|m| m.id[3..] == *t).map(|m| m.id).ok_or_else(|| JudgeError::UnknownMode(raw.to_string()))
}

/// Parses a judge answer for a transcript of `steps` steps (0: do not check step numbers).
pub fn parse_judge_answer(text: &str, steps: usize) -> Result<JudgeVerdict, JudgeError> {
    let v = json_object(text)?;
    if !v.is_object() {
        return Err(JudgeError::NoJson(flat(text, 80)));
    }
    let failed = match v.get("failed") {
        None => return Err(JudgeError::MissingField("failed")),
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") => {
            s.eq_ignore_ascii_case("true")
        }
        Some(_) => return Err(JudgeError::WrongType { field: "failed".into(), expected: "true or false" }),
    };
    let items = match v.get("modes") {
        None => return Err(JudgeError::MissingField("modes")),
        Some(serde_json::Value::Array(a)) => a.clone(),
        Some(serde_json::Value::Null) => Vec::new(),
        Some(_) => return Err(JudgeError::WrongType { field: "modes".into(), expected: "a list" }),
    };
    let mut modes = Vec::new();
    for (k, it) in items.iter().enumerate() {
        if !it.is_object() {
            return Err(JudgeError::WrongType { field: format!("modes[{k}]"), expected: "an object" });
        }
        let raw = opt_str(it, "mode")?.or(opt_str(it, "mode_id")?).ok_or(JudgeError::MissingField("modes[].mode"))?;
        let evidence = opt_str(it, "evidence")?.ok_or(JudgeError::MissingField("modes[].evidence"))?;
        let confidence = match it.get("confidence") {
            None | Some(serde_json::Value::Null) => None,
            Some(c) => Some(
                c.as_f64().ok_or(JudgeError::WrongType { field: format!("modes[{k}].confidence"), expected: "a number" })?.clamp(0.0, 1.0)
                    as f32,
            ),
        };
        modes.push(JudgeMode {
            mode_id: mode_id(&raw)?.to_string(),
            agent: opt_str(it, "agent")?,
            step: opt_step(it, "step", steps)?,
            evidence,
            confidence,
        });
    }
    Ok(JudgeVerdict {
        failed,
        modes,
        responsible_agent: opt_str(&v, "responsible_agent")?,
        decisive_step: opt_step(&v, "decisive_step", steps)?,
        summary: opt_str(&v, "summary")?.unwrap_or_default(),
    })
}

/// The judge's modes as findings (rule `llm_judge`), evidence spans from the step numbers, so
/// they can be stored next to the rules' findings (`annotate(..., source => 'llm-judge')`).
pub fn judge_findings(v: &JudgeVerdict, t: &Transcript, run: &RunView) -> Vec<Finding> {
    v.modes
        .iter()
        .filter_map(|m| {
            let id = mode_id(&m.mode_id).ok()?;
            let spans = m.step.or(v.decisive_step).and_then(|s| t.steps.get(s - 1)).map(|s| vec![run.span_ref(s.span)]).unwrap_or_default();
            let mut f = Finding::new(
                id,
                "llm_judge",
                Severity::Medium,
                m.confidence.unwrap_or(0.7),
                m.agent.clone().or(v.responsible_agent.clone()),
                spans,
                format!("LLM judge: {}", flat(&m.evidence, 200)),
            );
            f.quote = Some(m.evidence.clone());
            Some(f)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_strict_and_fenced_answers() {
        let a = r#"```json
{"failed": true, "modes": [{"mode": "fm-2.4", "agent": "inspector", "step": 3, "evidence": "ready for handover", "confidence": 0.9}],
 "responsible_agent": "inspector", "decisive_step": 3, "summary": "withheld the brake finding"}
```"#;
        let v = parse_judge_answer(a, 5).unwrap();
        assert!(v.failed);
        assert_eq!(v.modes[0].mode_id, "FM-2.4");
        assert_eq!(v.modes[0].step, Some(3));
        assert_eq!(v.responsible_agent.as_deref(), Some("inspector"));
        let clean = parse_judge_answer(
            r#"Sure! {"failed": false, "modes": [], "responsible_agent": null, "decisive_step": null, "summary": "ok"}"#,
            5,
        )
        .unwrap();
        assert!(!clean.failed && clean.modes.is_empty());
    }

    #[test]
    fn malformed_answers_are_clear_errors() {
        assert!(matches!(parse_judge_answer("I think the run failed.", 3), Err(JudgeError::NoJson(_))));
        assert!(matches!(parse_judge_answer("{\"failed\": tru", 3), Err(JudgeError::NoJson(_)) | Err(JudgeError::InvalidJson(_))));
        assert!(matches!(parse_judge_answer("{\"failed\": true, \"modes\": [}", 3), Err(JudgeError::InvalidJson(_))));
        assert_eq!(parse_judge_answer("{\"modes\": []}", 3), Err(JudgeError::MissingField("failed")));
        assert_eq!(parse_judge_answer("{\"failed\": true}", 3), Err(JudgeError::MissingField("modes")));
        assert!(matches!(parse_judge_answer(r#"{"failed": "yes", "modes": []}"#, 3), Err(JudgeError::WrongType { .. })));
        assert_eq!(
            parse_judge_answer(r#"{"failed": true, "modes": [{"mode": "FM-4.1", "evidence": "x"}]}"#, 3),
            Err(JudgeError::UnknownMode("FM-4.1".into()))
        );
        assert_eq!(
            parse_judge_answer(r#"{"failed": true, "modes": [{"mode": "FM-1.1"}]}"#, 3),
            Err(JudgeError::MissingField("modes[].evidence"))
        );
        assert_eq!(
            parse_judge_answer(r#"{"failed": true, "modes": [{"mode": "FM-1.1", "evidence": "x", "step": 9}]}"#, 3),
            Err(JudgeError::StepOutOfRange { step: 9, steps: 3 })
        );
    }
}
