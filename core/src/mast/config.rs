//! Tunable thresholds and keyword lists of the MAST rules.
//!
//! `agenttrace.mast_settings(key, value jsonb)` rows map one to one onto these fields; a missing
//! key keeps its default, unknown keys are ignored. Keyword matching is case-insensitive.
use serde::{Deserialize, Serialize};
use serde_json::Value;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MastConfig {
    /// Run classification after ingest (read by the extension, not by the rules).
    pub auto_classify: bool,
    /// Findings below this confidence are dropped.
    pub min_confidence: f32,
    /// Mode ids (`FM-2.2`) whose rules are skipped.
    pub disabled_modes: Vec<String>,
    /// Rule names whose checks are skipped.
    pub disabled_rules: Vec<String>,
    /// Step repetition: how many times an agent must produce the same (digit-insensitive) turn,
    /// or make the same successful tool call, to count.
    pub repeat_min: usize,
    /// Texts shorter than this many characters are not compared for repetition.
    pub repeat_min_chars: usize,
    /// Agent outputs that announce the end of the interaction.
    pub termination_keywords: Vec<String>,
    /// Agent names / roles / span names that mark a verification step.
    pub verifier_keywords: Vec<String>,
    /// Verifier outputs that approve.
    pub approval_keywords: Vec<String>,
    /// Verifier outputs that reject (take precedence over approval).
    pub rejection_keywords: Vec<String>,
    /// Text in a final output that shows an error leaked into it.
    pub error_markers: Vec<String>,
    /// Report FM-3.2 on every run without a verification step, even when nothing went wrong.
    pub require_verification_step: bool,
    /// Task derailment: fire when less than this share of the task's topic words reach the final output.
    pub derailment_min_overlap: f32,
    /// Task derailment: the task needs at least this many topic words to be judged.
    pub derailment_min_task_words: usize,
    /// Words of task instructions that are not the task's topic (ignored for derailment).
    pub instruction_words: Vec<String>,
    /// Information flow: share of a message's / tool result's content words that must reach the
    /// receiver for it to count as received.
    pub info_min_overlap: f32,
    /// Information flow: messages / results with fewer content words are not judged.
    pub info_min_words: usize,
    /// Phrases of an agent guessing instead of asking (FM-2.2).
    pub uncertainty_keywords: Vec<String>,
    /// Attribute keys holding a conversation / session / thread id (FM-2.1).
    pub conversation_id_keys: Vec<String>,
    /// Loss of history: an input counts as a reset when it keeps at most this many earlier
    /// non-system messages of an input that had at least `reset_min_history`.
    pub reset_max_kept: usize,
    pub reset_min_history: usize,
    /// Tool arguments / results longer than this are compared on this many bytes only.
    pub max_text_bytes: usize,
    /// A content finding at or above this confidence makes the run's analysed verdict "failure".
    pub verdict_min_confidence: f32,
}

impl Default for MastConfig {
    fn default() -> Self {
        MastConfig {
            auto_classify: false,
            min_confidence: 0.0,
            disabled_modes: Vec::new(),
            disabled_rules: Vec::new(),
            repeat_min: 3,
            repeat_min_chars: 8,
            termination_keywords: s(&["TERMINATE"]),
            verifier_keywords: s(&[
                "verif",
                "review",
                "critic",
                "checker",
                "validat",
                "judge",
                "grader",
                "evaluat",
                "tester",
                "qa_",
                "guardrail",
                "proofread",
                "approv",
            ]),
            approval_keywords: s(&[
                "approved",
                "approve",
                "lgtm",
                "looks good",
                "verified",
                "confirmed",
                "passes",
                "passed",
                "accept",
                "no issues",
                "correct",
            ]),
            rejection_keywords: s(&[
                "revise",
                "reject",
                "not approved",
                "needs more",
                "needs work",
                "needs changes",
                "request changes",
                "incorrect",
                "not correct",
                "does not pass",
            ]),
            error_markers: s(&["error:", "traceback (most recent call last)", "exception:", "function failed", "internal server error"]),
            require_verification_step: false,
            derailment_min_overlap: 0.0,
            derailment_min_task_words: 1,
            instruction_words: s(&[
                "write",
                "short",
                "summary",
                "summarize",
                "summarise",
                "brief",
                "concise",
                "research",
                "using",
                "use",
                "tool",
                "tools",
                "please",
                "task",
                "answer",
                "final",
                "draft",
                "report",
                "explain",
                "describe",
                "give",
                "provide",
                "make",
                "create",
                "sentence",
                "sentences",
                "paragraph",
                "words",
                "expected",
                "criteria",
                "output",
                "result",
                "results",
                "find",
                "look",
                "lookup",
                "fact",
                "facts",
                "search",
                "information",
                "about",
                "detailed",
                "short",
                "long",
                "list",
                "plan",
                "step",
                "steps",
                "question",
                "help",
                "need",
                "want",
                "must",
                "should",
                "following",
                "based",
                "from",
                "this",
                "that",
                "your",
                "you",
            ]),
            info_min_overlap: 0.3,
            info_min_words: 4,
            uncertainty_keywords: s(&[
                "i assume",
                "assuming that",
                "i'm not sure",
                "i am not sure",
                "unclear what",
                "it is unclear",
                "ambiguous",
                "i guess",
                "presumably",
                "without more information",
                "not enough information",
            ]),
            conversation_id_keys: s(&[
                "gen_ai.conversation.id",
                "session.id",
                "conversation.id",
                "conversation_id",
                "thread_id",
                "langgraph.thread_id",
                "traceloop.association.properties.thread_id",
                "thread.id",
            ]),
            reset_max_kept: 1,
            reset_min_history: 3,
            max_text_bytes: 4096,
            verdict_min_confidence: 0.7,
        }
    }
}

impl MastConfig {
    /// Config from `{key: value}` (the rows of `agenttrace.mast_settings`); bad values fall back
    /// to the defaults of their key, never an error.
    pub fn from_settings(settings: &serde_json::Map<String, Value>) -> Self {
        let mut base = serde_json::to_value(MastConfig::default()).unwrap_or(Value::Null);
        // Usual case, every value well typed: one deserialization instead of one per key.
        if let Value::Object(b) = &base {
            let mut merged = b.clone();
            for (k, v) in settings {
                if let Some(slot) = merged.get_mut(k) {
                    *slot = v.clone();
                }
            }
            if let Ok(c) = serde_json::from_value::<MastConfig>(Value::Object(merged)) {
                return c;
            }
        }
        if let Value::Object(b) = &mut base {
            for (k, v) in settings {
                if let Some(slot) = b.get_mut(k) {
                    let old = slot.clone();
                    *slot = v.clone();
                    // Validate this key alone: a wrong type restores the default.
                    if serde_json::from_value::<MastConfig>(Value::Object(b.clone())).is_err() {
                        if let Some(slot) = b.get_mut(k) {
                            *slot = old;
                        }
                    }
                }
            }
        }
        serde_json::from_value(base).unwrap_or_default()
    }

    /// Every setting with its default value and a description (seeds `agenttrace.mast_settings`).
    pub fn described_defaults() -> Vec<(&'static str, Value, &'static str)> {
        let d = serde_json::to_value(MastConfig::default()).unwrap_or(Value::Null);
        DESCRIPTIONS.iter().map(|(k, desc)| (*k, d.get(*k).cloned().unwrap_or(Value::Null), *desc)).collect()
    }
}

pub(crate) const DESCRIPTIONS: &[(&str, &str)] = &[
    ("auto_classify", "Run agenttrace.classify on every run touched by ingest (boolean)."),
    ("min_confidence", "Findings below this confidence (0..1) are dropped."),
    ("disabled_modes", "MAST mode ids whose rules are skipped, e.g. [\"FM-2.2\"]."),
    ("disabled_rules", "Rule names whose checks are skipped."),
    ("repeat_min", "FM-1.3: same agent turn (digit-insensitive) or same successful tool call at least this many times."),
    ("repeat_min_chars", "FM-1.3: shorter texts are not compared."),
    ("termination_keywords", "FM-1.5: agent outputs that announce the end of the interaction."),
    ("verifier_keywords", "FM-3.x: agent names/roles/span names that mark a verification step."),
    ("approval_keywords", "FM-3.3: verifier outputs that approve."),
    ("rejection_keywords", "FM-3.3: verifier outputs that reject (take precedence over approval)."),
    ("error_markers", "FM-3.2/3.3: text in an output that shows an error leaked into it."),
    ("require_verification_step", "FM-3.2: also report runs that have no verification step at all, even when nothing visibly went wrong."),
    ("derailment_min_overlap", "FM-2.3 final_output_off_task: fire when less than this share of the task's topic words reach the final output; 0 (default) disables it: word overlap with the task flagged too many clean runs whose final step is a short confirmation, tool_data_ignored judges derailment from content."),
    ("derailment_min_task_words", "FM-2.3: the task needs at least this many topic words to be judged."),
    ("instruction_words", "FM-2.3: instruction words that are not the task's topic."),
    ("info_min_overlap", "FM-2.4/2.5: share of a message's or tool result's content words that must reach the receiver."),
    ("info_min_words", "FM-2.4/2.5: messages/results with fewer content words are not judged."),
    ("uncertainty_keywords", "FM-2.2: phrases of an agent guessing instead of asking."),
    ("conversation_id_keys", "FM-2.1: span attributes holding a conversation/session/thread id."),
    ("reset_max_kept", "FM-2.1: an LLM input that keeps at most this many earlier non-system messages is a reset ..."),
    ("reset_min_history", "FM-2.1: ... of a conversation that had at least this many."),
    ("max_text_bytes", "Texts are compared on at most this many bytes."),
    ("verdict_min_confidence", "A content finding at or above this confidence (0..1) makes a run the framework reported as successful a failed run in the analysed verdict."),
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_override_and_bad_values_fall_back() {
        let mut m = serde_json::Map::new();
        m.insert("repeat_min".into(), json!(5));
        m.insert("termination_keywords".into(), json!("not a list"));
        m.insert("unknown".into(), json!(1));
        let c = MastConfig::from_settings(&m);
        assert_eq!(c.repeat_min, 5);
        assert_eq!(c.termination_keywords, vec!["TERMINATE".to_string()]);
        assert_eq!(MastConfig::described_defaults().len(), DESCRIPTIONS.len());
        assert!(MastConfig::described_defaults().iter().all(|(_, v, _)| !v.is_null()));
    }
}
