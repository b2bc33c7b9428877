//! Stitching traces into runs.
//!
//! One agent run can span several traces: AutoGen's runtime tracing starts a new trace per
//! message delivery and joins them with span links; Microsoft Agent Framework emits separate
//! build and run traces. Traces joined by links (directly or transitively) form one run, whose
//! id is the smallest trace id among them: deterministic, whatever order the requests arrive in.
use std::collections::HashMap;

use crate::ids::TraceId;
use crate::model::SpanRecord;

/// Setup work that frameworks trace separately from the run it prepares: agent creation
/// (`create_agent`, GenAI semconv) and workflow construction (`workflow.build`, Agent Framework).
/// A trace made only of such spans is attached to the run that follows it from the same process.
pub fn is_setup_span(span: &SpanRecord) -> bool {
    let op = span.attributes.get("gen_ai.operation.name").and_then(|v| v.as_str());
    matches!(op, Some("create_agent"))
        || span.name == "workflow.build"
        || span.name.starts_with("create_agent ")
        || span.attributes.contains_key("workflow_builder.name") && !span.attributes.contains_key("executor.id")
}

/// How long after a setup trace its run may start and still be attached to it.
pub const SETUP_ATTACH_WINDOW_NS: u64 = 10 * 60 * 1_000_000_000;

/// A trace as the setup-attachment rule sees it.
#[derive(Debug, Clone, Copy)]
pub struct TraceShape {
    pub trace_id: TraceId,
    pub resource_hash: i64,
    pub start_ns: u64,
    pub setup_only: bool,
}

/// Pairs each setup-only trace with the earliest run trace of the same resource that starts at or
/// after it (within [`SETUP_ATTACH_WINDOW_NS`]). Returns (setup trace, run trace) pairs.
pub fn attach_setup_traces(traces: &[TraceShape]) -> Vec<(TraceId, TraceId)> {
    let mut runs: Vec<&TraceShape> = traces.iter().filter(|t| !t.setup_only).collect();
    runs.sort_by_key(|t| (t.resource_hash, t.start_ns));
    let mut out = Vec::new();
    for s in traces.iter().filter(|t| t.setup_only) {
        // First run trace of this resource starting no earlier than the setup (binary search).
        let i = runs.partition_point(|r| (r.resource_hash, r.start_ns) < (s.resource_hash, s.start_ns));
        if let Some(r) = runs.get(i) {
            if r.resource_hash == s.resource_hash && r.start_ns - s.start_ns <= SETUP_ATTACH_WINDOW_NS {
                out.push((s.trace_id, r.trace_id));
            }
        }
    }
    out
}

/// Union-find over trace ids.
#[derive(Default)]
pub struct RunStitcher {
    parent: HashMap<TraceId, TraceId>,
}

impl RunStitcher {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, t: TraceId) {
        self.parent.entry(t).or_insert(t);
    }

    fn find(&mut self, t: TraceId) -> TraceId {
        self.add(t);
        // Iterative with path halving: no recursion, whatever the chain length.
        let mut x = t;
        loop {
            let p = self.parent[&x];
            if p == x {
                return x;
            }
            let gp = self.parent[&p];
            self.parent.insert(x, gp);
            x = gp;
        }
    }

    /// Declares that `a` and `b` belong to the same run.
    pub fn join(&mut self, a: TraceId, b: TraceId) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // Keep the smaller id as the root, so the root is the run id.
            if ra < rb {
                self.parent.insert(rb, ra);
            } else {
                self.parent.insert(ra, rb);
            }
        }
    }

    /// trace id -> run id for every trace seen.
    pub fn assignments(mut self) -> HashMap<TraceId, TraceId> {
        let keys: Vec<TraceId> = self.parent.keys().copied().collect();
        keys.into_iter().map(|k| (k, self.find(k))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(n: u8) -> TraceId {
        let mut id = [0u8; 16];
        id[15] = n;
        id
    }

    #[test]
    fn linked_traces_share_the_smallest_id() {
        let mut s = RunStitcher::new();
        s.join(t(5), t(3));
        s.join(t(3), t(9));
        s.add(t(7));
        s.join(t(8), t(9));
        let a = s.assignments();
        for n in [3, 5, 8, 9] {
            assert_eq!(a[&t(n)], t(3));
        }
        assert_eq!(a[&t(7)], t(7));
    }

    #[test]
    fn setup_traces_attach_to_the_next_run_of_the_same_process() {
        let shape = |n: u8, res: i64, start: u64, setup: bool| TraceShape {
            trace_id: t(n),
            resource_hash: res,
            start_ns: start,
            setup_only: setup,
        };
        let traces = [
            shape(1, 10, 100, true),                                 // build
            shape(2, 10, 150, false),                                // its run
            shape(3, 10, 900, false),                                // a later run
            shape(4, 20, 100, true),                                 // other process: no run -> stays alone
            shape(5, 10, 120, true),                                 // second setup trace of the first run
            shape(6, 10, 100 + SETUP_ATTACH_WINDOW_NS + 1000, true), // no run follows within the window
        ];
        let mut pairs = attach_setup_traces(&traces);
        pairs.sort();
        assert_eq!(pairs, vec![(t(1), t(2)), (t(5), t(2))]);
    }

    #[test]
    fn long_chains_do_not_recurse() {
        let mut s = RunStitcher::new();
        for i in 0..200_000u32 {
            let mut a = [0u8; 16];
            a[12..].copy_from_slice(&(i + 1).to_be_bytes());
            let mut b = [0u8; 16];
            b[12..].copy_from_slice(&(i + 2).to_be_bytes());
            s.join(b, a);
        }
        let a = s.assignments();
        assert!(a.values().all(|r| r[15] == 1 && r[12..15] == [0, 0, 0]));
    }
}
