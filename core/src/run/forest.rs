//! The run's error forest, kept compact in the run state so that a batch decides the outcome
//! from its own spans and a few keyed reads, never from all of the run's error spans.
//!
//! Whole-run analysis ([`crate::analyze`]) decides a run's outcome from its error spans:
//! an error is a *failure root* when its parent is not in the run, or when it is counted work
//! (not a plain or messaging span) that no later healthy agent or model span recovered from;
//! the *decisive* span is the first error without error descendants under a failure root that
//! nothing recovered from, else the first such error, else the first failure root.
//!
//! Which errors can still matter? Recovery only grows (`last_healthy` only moves forward), a
//! stored parent never leaves, and new spans only ever join a chain of ancestors at its top (the
//! first ancestor not stored yet). So an error that is recovered and has its parent can never
//! be a failure root again; it matters only as a leaf under a failure root above it, and then
//! only the first such leaf in time order. The forest keeps:
//! - `live`: the errors that are failure-root candidates (parent missing, or not recovered yet),
//!   each with its nearest live error ancestor (`up`), the missing ancestor at the top of its
//!   chain (`top`, none when the chain is complete) and the first leaf among its error
//!   descendants (`sub`, none when it is a leaf itself);
//! - `groups`: for each missing ancestor, the first leaf among all errors below it (what a late
//!   failing ancestor would hand the outcome).
//!
//! Both are functions of the stored spans alone ([`build`]), whatever order they came in, and
//! [`apply`] updates them from a batch. The one thing a minimum cannot give back is the next
//! leaf when the first one stops being a leaf (an error child arriving after its stored error
//! parent): then [`apply`] answers `None` and the forest is built again from the run's errors.
use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{Key, OrderKey, SpanKey};
use crate::ids::SpanId;

/// An error span as the outcome may name it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leaf {
    pub key: Key,
    pub order: OrderKey,
    pub end: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An error that is, or may become, a failure root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Live {
    pub span: Leaf,
    /// Its parent is not in the run.
    pub root: bool,
    /// Counted work (not a plain or messaging span).
    pub counts: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up: Option<Key>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top: Option<Key>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<Leaf>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    /// In time order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub live: Vec<Live>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub groups: BTreeMap<Key, Leaf>,
    /// An error's chain of ancestors is cyclic or deeper than [`MAX_DEPTH`]: every batch
    /// builds the forest again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub irregular: bool,
}

/// How a chain of ancestors ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// At an ancestor not in the run (yet).
    Top(SpanKey),
    /// At a span without a parent.
    Closed,
    /// In a cycle, or deeper than [`MAX_DEPTH`].
    Irregular,
}

impl End {
    fn top(self) -> Option<Key> {
        match self {
            End::Top(k) => Some(Key(k)),
            _ => None,
        }
    }
}

/// Ancestors in the run, nearest first, each with whether it is an error, and how they end.
pub type Chain = (Vec<(SpanKey, bool)>, End);

/// An error span of the run with its chain of ancestors.
#[derive(Debug, Clone)]
pub struct ErrNode {
    pub span: Leaf,
    pub counts: bool,
    pub chain: Chain,
}

/// Levels of ancestors walked above a span.
pub const MAX_DEPTH: usize = 4096;

fn min_into(slot: &mut Option<Leaf>, l: &Leaf) {
    if slot.as_ref().is_none_or(|s| l.order < s.order) {
        *slot = Some(l.clone());
    }
}

/// Counted work: an error of it is a failure root while nothing recovered from it (plain and
/// messaging spans are not).
pub(crate) fn counts(c: crate::normalize::SpanCategory) -> bool {
    !matches!(c, crate::normalize::SpanCategory::Other | crate::normalize::SpanCategory::Messaging)
}

/// No healthy agent or model work started at or after the error's end.
pub(crate) fn unrecovered(last_healthy: Option<u64>, end: u64) -> bool {
    last_healthy.is_none_or(|h| h < end)
}

/// The forest of a run's error spans (all of them, with their chains).
pub fn build(nodes: &[ErrNode], last_healthy: Option<u64>) -> Forest {
    if nodes.iter().any(|n| n.chain.1 == End::Irregular) {
        return Forest { irregular: true, ..Default::default() };
    }
    let idx: HashMap<SpanKey, usize> = nodes.iter().enumerate().map(|(i, n)| (n.span.key.0, i)).collect();
    // Error ancestors, nearest first.
    let anc: Vec<Vec<usize>> =
        nodes.iter().map(|n| n.chain.0.iter().filter(|(_, e)| *e).filter_map(|(k, _)| idx.get(k).copied()).collect()).collect();
    let mut has_child = vec![false; nodes.len()];
    for a in &anc {
        if let Some(&p) = a.first() {
            has_child[p] = true;
        }
    }
    let live_at: Vec<bool> = nodes.iter().map(|n| n.chain.0.is_empty() || unrecovered(last_healthy, n.span.end)).collect();
    let mut sub: Vec<Option<Leaf>> = vec![None; nodes.len()];
    let mut groups: BTreeMap<Key, Leaf> = BTreeMap::new();
    for l in (0..nodes.len()).filter(|&i| !has_child[i]) {
        for &a in &anc[l] {
            if live_at[a] {
                min_into(&mut sub[a], &nodes[l].span);
            }
        }
        if let End::Top(m) = nodes[l].chain.1 {
            let mut g = groups.remove(&Key(m));
            min_into(&mut g, &nodes[l].span);
            groups.insert(Key(m), g.expect("just set"));
        }
    }
    let mut live: Vec<Live> = (0..nodes.len())
        .filter(|&i| live_at[i])
        .map(|i| Live {
            span: nodes[i].span.clone(),
            root: nodes[i].chain.0.is_empty(),
            counts: nodes[i].counts,
            up: anc[i].iter().find(|&&a| live_at[a]).map(|&a| nodes[a].span.key),
            top: nodes[i].chain.1.top(),
            sub: sub[i].take(),
        })
        .collect();
    live.sort_by_key(|l| l.span.order);
    Forest { live, groups, irregular: false }
}

/// The forest after a batch: `new` are the batch's error spans (not stored before), `arrived`
/// the batch's spans that were the missing top of a group, each with its chain starting at
/// itself, `owners` stored error spans that got their agent in this batch. `None`: the first
/// leaf of some error stopped being a leaf, or a chain is irregular; build it again.
pub fn apply(
    old: &Forest,
    last_healthy: Option<u64>,
    new: &[ErrNode],
    arrived: &[(SpanKey, Chain)],
    owners: &HashMap<SpanKey, String>,
) -> Option<Forest> {
    if old.irregular || new.iter().any(|n| n.chain.1 == End::Irregular) || arrived.iter().any(|(_, c)| c.1 == End::Irregular) {
        return None;
    }
    let top_chain: HashMap<Key, &Chain> = arrived.iter().map(|(k, c)| (Key(*k), c)).collect();
    let new_keys: HashSet<Key> = new.iter().map(|n| n.span.key).collect();
    // Members before the recovery filter: the stored live errors, then the new errors.
    let mut members: HashMap<Key, Live> = HashMap::with_capacity(old.live.len() + new.len());
    let mut extended: Vec<(Key, &Chain)> = Vec::new(); // members without `up` whose top arrived
    for l in &old.live {
        let mut l = l.clone();
        if let Some(c) = l.top.and_then(|t| top_chain.get(&t).copied()) {
            l.root = false;
            l.top = c.1.top();
            if l.up.is_none() {
                extended.push((l.span.key, c));
            }
        }
        members.insert(l.span.key, l);
    }
    for n in new {
        if members.contains_key(&n.span.key) {
            return None; // already stored: not a new span
        }
        let l = Live { span: n.span.clone(), root: n.chain.0.is_empty(), counts: n.counts, up: None, top: n.chain.1.top(), sub: None };
        members.insert(n.span.key, l);
    }
    let keep: HashSet<Key> = members.values().filter(|l| l.root || unrecovered(last_healthy, l.span.end)).map(|l| l.span.key).collect();
    let first_kept = |chain: &[(SpanKey, bool)]| chain.iter().find(|(k, e)| *e && keep.contains(&Key(*k))).map(|(k, _)| Key(*k));
    for n in new {
        let up = first_kept(&n.chain.0);
        members.get_mut(&n.span.key).expect("inserted").up = up;
    }
    for (k, c) in extended {
        let up = first_kept(&c.0);
        members.get_mut(&k).expect("member").up = up;
    }
    // `up` past the members that recovered.
    let resolved: Vec<(Key, Option<Key>)> = keep
        .iter()
        .map(|k| {
            let mut u = members[k].up;
            let mut steps = 0;
            while let Some(x) = u.filter(|x| !keep.contains(x)) {
                u = members.get(&x).and_then(|m| m.up);
                steps += 1;
                if steps > members.len() {
                    u = None;
                }
            }
            (*k, u)
        })
        .collect();
    for (k, u) in resolved {
        members.get_mut(&k).expect("member").up = u;
    }

    // Leaves gained: new errors with no error below them, and the groups whose top arrived.
    let mut below: HashSet<SpanKey> = HashSet::new();
    for c in new.iter().map(|n| &n.chain).chain(arrived.iter().map(|(_, c)| c)) {
        below.extend(c.0.iter().filter(|(_, e)| *e).map(|(k, _)| *k));
    }
    let mut gains: Vec<(&Leaf, &Chain)> = Vec::new();
    for n in new {
        if !below.contains(&n.span.key.0) && !old.groups.contains_key(&n.span.key) {
            gains.push((&n.span, &n.chain));
        }
    }
    for (k, c) in arrived {
        if let Some(g) = old.groups.get(&Key(*k)) {
            gains.push((g, c));
        }
    }
    // A stored error that gains an error descendant stops being a leaf; if it was the first
    // leaf of anything, the next one is not known here.
    let firsts: HashSet<Key> = old.live.iter().filter_map(|l| l.sub.as_ref()).chain(old.groups.values()).map(|l| l.key).collect();
    let mut groups: BTreeMap<Key, Leaf> =
        old.groups.iter().filter(|(k, _)| !top_chain.contains_key(*k)).map(|(k, v)| (*k, v.clone())).collect();
    for c in new.iter().map(|n| &n.chain).chain(arrived.iter().map(|(_, c)| c)) {
        if let Some((a, _)) = c.0.iter().find(|(_, e)| *e) {
            if !new_keys.contains(&Key(*a)) && firsts.contains(&Key(*a)) {
                return None;
            }
        }
    }
    for (leaf, (chain, end)) in gains {
        for (k, e) in chain {
            if *e && keep.contains(&Key(*k)) {
                min_into(&mut members.get_mut(&Key(*k)).expect("member").sub, leaf);
            }
        }
        if let End::Top(m) = end {
            let mut g = groups.remove(&Key(*m));
            min_into(&mut g, leaf);
            groups.insert(Key(*m), g.expect("just set"));
        }
    }
    let mut live: Vec<Live> = members.into_values().filter(|l| keep.contains(&l.span.key)).collect();
    live.sort_by_key(|l| l.span.order);
    let mut f = Forest { live, groups, irregular: false };
    if !owners.is_empty() {
        let fix = |l: &mut Leaf| {
            if let Some(o) = owners.get(&l.key.0) {
                l.owner = Some(o.clone());
            }
        };
        for l in &mut f.live {
            fix(&mut l.span);
            if let Some(s) = &mut l.sub {
                fix(s);
            }
        }
        f.groups.values_mut().for_each(fix);
    }
    Some(f)
}

/// The decisive error span and the failure's reason; `None` when no error is a failure root.
pub fn verdict(f: &Forest, last_healthy: Option<u64>) -> Option<(&Leaf, Option<String>)> {
    let unrec = |l: &Live| unrecovered(last_healthy, l.span.end);
    let fails = |l: &Live| l.root || (l.counts && unrec(l));
    let by_key: HashMap<Key, &Live> = f.live.iter().map(|l| (l.span.key, l)).collect();
    let roots: Vec<&Live> = f.live.iter().filter(|l| fails(l)).collect();
    if roots.is_empty() {
        return None;
    }
    let under_root = |l: &Live| {
        let mut cur = Some(l);
        let mut steps = 0;
        while let Some(x) = cur {
            if fails(x) {
                return true;
            }
            steps += 1;
            if steps > f.live.len() {
                return false;
            }
            cur = x.up.and_then(|u| by_key.get(&u).copied());
        }
        false
    };
    let decisive = f
        .live
        .iter()
        .find(|l| l.sub.is_none() && unrec(l) && under_root(l))
        .map(|l| &l.span)
        .or_else(|| roots.iter().map(|r| r.sub.as_ref().unwrap_or(&r.span)).min_by_key(|l| l.order))
        .unwrap_or(&roots[0].span);
    let reason = decisive.reason.clone().or_else(|| roots.iter().find_map(|r| r.span.reason.clone()));
    Some((decisive, reason))
}

/// A span of the run found by key: its key, parent and whether it is an error.
pub(crate) type Found = (SpanKey, Option<SpanId>, bool);

pub(crate) fn parent_key(k: SpanKey, p: Option<SpanId>) -> Option<SpanKey> {
    p.filter(|p| *p != k.1).map(|p| (k.0, p))
}

/// The chains of ancestors starting at each of `starts` (the start itself first when it is in
/// the run; `None`: no parent, a closed chain), one keyed read per level for all of them.
pub(crate) fn chains<S, E>(
    starts: &[Option<SpanKey>],
    store: &mut S,
    lookup: impl Fn(&[SpanKey], &mut S) -> Result<Vec<Found>, E>,
) -> Result<Vec<Chain>, E> {
    let mut known: HashMap<SpanKey, Option<(Option<SpanId>, bool)>> = HashMap::new();
    let mut out: Vec<Chain> = starts.iter().map(|_| (Vec::new(), End::Closed)).collect();
    let mut cursor: Vec<Option<SpanKey>> = starts.to_vec();
    let mut visited: Vec<HashSet<SpanKey>> = vec![HashSet::new(); starts.len()];
    // Each round either lengthens a chain (at most MAX_DEPTH times) or ends it.
    while cursor.iter().any(Option::is_some) {
        let mut ask: Vec<SpanKey> = cursor.iter().flatten().filter(|k| !known.contains_key(*k)).copied().collect();
        ask.sort_unstable();
        ask.dedup();
        if !ask.is_empty() {
            for k in &ask {
                known.insert(*k, None);
            }
            for (k, p, e) in lookup(&ask, store)? {
                known.insert(k, Some((p, e)));
            }
        }
        for (i, c) in cursor.iter_mut().enumerate() {
            let Some(k) = *c else { continue };
            match known.get(&k).copied().flatten() {
                None => {
                    out[i].1 = End::Top(k);
                    *c = None;
                }
                Some(_) if out[i].0.len() >= MAX_DEPTH || !visited[i].insert(k) => {
                    out[i].1 = End::Irregular;
                    *c = None;
                }
                Some((p, e)) => {
                    out[i].0.push((k, e));
                    *c = parent_key(k, p);
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::rng::Rng;

    #[derive(Clone)]
    struct S {
        key: SpanKey,
        parent: Option<SpanId>,
        err: bool,
        healthy: bool,
        start: u64,
        end: u64,
        counts: bool,
    }

    fn leaf(s: &S) -> Leaf {
        Leaf {
            key: Key(s.key),
            order: OrderKey::new(s.key.0, s.key.1, s.start, s.end),
            end: s.end,
            owner: None,
            reason: Some(format!("e{}", s.key.1[7])),
        }
    }

    fn sid(i: usize) -> SpanId {
        (i as u64 + 1).to_be_bytes()
    }

    /// A random tree (sometimes a forest, sometimes with a parent that never comes), errors
    /// anywhere, healthy work at random times.
    fn run(rng: &mut Rng) -> Vec<S> {
        let n = 2 + rng.below(40);
        let t = [9u8; 16];
        (0..n)
            .map(|i| {
                let parent = match i {
                    0 => None,
                    _ if rng.below(12) == 0 => Some(sid(1000 + rng.below(3))), // never stored
                    _ => Some(sid(rng.below(i))),
                };
                let start = rng.below(1000) as u64;
                let err = rng.below(3) == 0;
                S {
                    key: (t, sid(i)),
                    parent,
                    err,
                    healthy: !err && rng.below(3) == 0,
                    start,
                    end: start + 1 + rng.below(300) as u64,
                    counts: rng.below(5) != 0,
                }
            })
            .collect()
    }

    fn lookup(stored: &HashMap<SpanKey, S>) -> impl Fn(&[SpanKey], &mut ()) -> Result<Vec<Found>, ()> + '_ {
        move |keys: &[SpanKey], _: &mut ()| Ok(keys.iter().filter_map(|k| stored.get(k)).map(|s| (s.key, s.parent, s.err)).collect())
    }

    fn show(f: &Forest) -> String {
        let k = |k: &Key| k.0 .1[7];
        let l = |l: &Leaf| format!("{}@{}", k(&l.key), l.order.start);
        let live: Vec<String> = f
            .live
            .iter()
            .map(|x| {
                format!(
                    "{}{} up{:?} top{:?} sub{:?}",
                    l(&x.span),
                    if x.root { "R" } else { "" },
                    x.up.map(|u| k(&u)),
                    x.top.map(|u| k(&u)),
                    x.sub.as_ref().map(l)
                )
            })
            .collect();
        let groups: Vec<String> = f.groups.iter().map(|(m, g)| format!("{}:{}", k(m), l(g))).collect();
        format!("live {live:?} groups {groups:?}")
    }

    fn whole(stored: &HashMap<SpanKey, S>, h: Option<u64>) -> Forest {
        let errs: Vec<&S> = stored.values().filter(|s| s.err).collect();
        let starts: Vec<Option<SpanKey>> = errs.iter().map(|s| parent_key(s.key, s.parent)).collect();
        let cs = chains(&starts, &mut (), lookup(stored)).unwrap();
        let nodes: Vec<ErrNode> = errs.iter().zip(cs).map(|(s, chain)| ErrNode { span: leaf(s), counts: s.counts, chain }).collect();
        build(&nodes, h)
    }

    #[test]
    fn apply_equals_build_in_any_arrival_order() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut extended, mut rebuilt) = (0, 0);
        for case in 0..3000 {
            let spans = run(&mut rng);
            let mut order: Vec<usize> = (0..spans.len()).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, rng.below(i + 1));
            }
            if rng.below(2) == 0 {
                order.sort_by_key(|&i| std::cmp::Reverse(i)); // children first, as exporters send them
            }
            let mut stored: HashMap<SpanKey, S> = HashMap::new();
            let mut h: Option<u64> = None;
            let mut forest = Forest::default();
            let mut i = 0;
            while i < order.len() {
                let n = 1 + rng.below(5);
                let batch: Vec<S> = order[i..(i + n).min(order.len())].iter().map(|&j| spans[j].clone()).collect();
                i += n;
                for s in &batch {
                    stored.insert(s.key, s.clone());
                    if s.healthy {
                        h = Some(h.map_or(s.start, |x| x.max(s.start)));
                    }
                }
                let errs: Vec<&S> = batch.iter().filter(|s| s.err).collect();
                let starts: Vec<Option<SpanKey>> = errs.iter().map(|s| parent_key(s.key, s.parent)).collect();
                let cs = chains(&starts, &mut (), lookup(&stored)).unwrap();
                let new: Vec<ErrNode> = errs.iter().zip(cs).map(|(s, chain)| ErrNode { span: leaf(s), counts: s.counts, chain }).collect();
                let tops: Vec<SpanKey> = batch.iter().map(|s| s.key).filter(|k| forest.groups.contains_key(&Key(*k))).collect();
                let cs = chains(&tops.iter().map(|k| Some(*k)).collect::<Vec<_>>(), &mut (), lookup(&stored)).unwrap();
                let arrived: Vec<(SpanKey, Chain)> = tops.into_iter().zip(cs).collect();
                let want = whole(&stored, h);
                forest = match apply(&forest, h, &new, &arrived, &HashMap::new()) {
                    Some(f) => {
                        extended += 1;
                        assert!(
                            f == want,
                            "case {case}\n got  {}\n want {}\n old  {}\n batch {:?}",
                            show(&f),
                            show(&want),
                            show(&forest),
                            batch.iter().map(|s| (s.key.1[7], s.parent.map(|p| p[7]), s.err)).collect::<Vec<_>>()
                        );
                        f
                    }
                    None => {
                        rebuilt += 1;
                        want
                    }
                };
            }
        }
        eprintln!("extended {extended}, rebuilt {rebuilt}");
        assert!(rebuilt * 20 < extended, "extended {extended}, rebuilt {rebuilt}");
    }

    #[test]
    fn verdict_prefers_the_first_unrecovered_leaf_under_a_failure_root() {
        let t = [1u8; 16];
        let s = |i: usize, parent: Option<usize>, start: u64, end: u64| S {
            key: (t, sid(i)),
            parent: parent.map(sid),
            err: true,
            healthy: false,
            start,
            end,
            counts: true,
        };
        // root error 0 > 1 > {2 (recovered at 50), 3 (not)}: the decisive span is 3.
        let spans = [s(0, None, 0, 100), s(1, Some(0), 1, 90), s(2, Some(1), 2, 10), s(3, Some(1), 20, 80)];
        let stored: HashMap<SpanKey, S> = spans.iter().map(|s| (s.key, s.clone())).collect();
        let f = whole(&stored, Some(50));
        let (d, reason) = verdict(&f, Some(50)).unwrap();
        assert_eq!((d.key, reason.as_deref()), (Key((t, sid(3))), Some("e4")));
        // Everything recovered: the first leaf.
        let f = whole(&stored, Some(500));
        assert_eq!(verdict(&f, Some(500)).unwrap().0.key, Key((t, sid(2))));
        assert_eq!(f.live.len(), 1, "only the root stays live: {f:?}");
    }
}
