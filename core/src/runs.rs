//! Stitching traces into runs.
//!
//! One agent run can span several traces: AutoGen's runtime tracing starts a new trace per
//! message delivery and joins them with span links; Microsoft Agent Framework emits separate
//! build and run traces. Traces joined by links (directly or transitively) form one run, whose
//! id is the smallest trace id among them: deterministic, whatever order the requests arrive in.
use std::collections::HashMap;

use crate::ids::TraceId;

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
