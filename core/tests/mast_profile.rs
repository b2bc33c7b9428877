//! Developer aid: per-rule timing on a synthetic 10,000-span run (`cargo test --release --test mast_profile -- --ignored --nocapture`).
use agenttrace_core::mast::{eval::synthetic_run, rules::REGISTRY, MastConfig, RunView};

#[test]
#[ignore]
fn profile_rules() {
    let spans = synthetic_run(10_000);
    let a = agenttrace_core::analyze::analyze_run(&spans);
    let cfg = MastConfig::default();
    for round in 0..3 {
        let t = std::time::Instant::now();
        let v = RunView::new(&spans, &a, &cfg);
        eprintln!("round {round}: view {:?}", t.elapsed());
        for r in REGISTRY {
            let t = std::time::Instant::now();
            let _ = r.check(&v, &cfg);
            eprintln!("  {:<40} {:?}", r.name(), t.elapsed());
        }
        let t = std::time::Instant::now();
        let _ = agenttrace_core::mast::classify(&spans, &a, &cfg);
        eprintln!("  classify total {:?}", t.elapsed());
    }
}
