//! Every capture of the shared corpus decodes, and protobuf and OTLP/JSON give the same spans.
use agenttrace_core::corpus::captures;
use agenttrace_core::otlp::{decode_body, Limits};

#[test]
fn protobuf_and_json_decode_to_the_same_spans() {
    let captures = captures();
    assert!(captures.len() >= 15, "shared OTLP corpus not found (set AGENTTRACE_CORPUS)");
    let limits = Limits::default();
    let mut checked = 0;
    for c in &captures {
        for b in &c.bodies {
            let raw = std::fs::read(&b.bin).unwrap();
            let from_pb = decode_body(&raw, Some(&b.content_type), b.content_encoding.as_deref(), &limits)
                .unwrap_or_else(|e| panic!("{}: {e}", b.bin.display()));
            assert!(!from_pb.spans.is_empty(), "{}: no spans", b.bin.display());
            assert!(from_pb.rejected.is_empty(), "{}: rejected {:?}", b.bin.display(), from_pb.rejected);
            let Some(json) = &b.otlp_json else { continue };
            let raw_json = std::fs::read(json).unwrap();
            let from_json =
                decode_body(&raw_json, Some("application/json"), None, &limits).unwrap_or_else(|e| panic!("{}: {e}", json.display()));
            assert_eq!(from_pb.spans.len(), from_json.spans.len(), "{}", c.name);
            for (a, b) in from_pb.spans.iter().zip(&from_json.spans) {
                // Whole-record equality: ids, times, attributes, events, links, status, resource, scope.
                assert_eq!(a, b, "{}: span {} differs between protobuf and JSON", c.name, a.name);
            }
            checked += from_pb.spans.len();
        }
    }
    assert!(checked > 300, "only {checked} spans compared");
}

#[test]
fn corpus_shapes_match_the_readme() {
    // Counts stated in the corpus README for a few captures (spans, traces, links).
    let limits = Limits::default();
    let by_name = |n: &str| captures().into_iter().find(|c| c.name == n).unwrap();
    let count = |n: &str| {
        let c = by_name(n);
        let mut spans = 0;
        let mut traces = std::collections::BTreeSet::new();
        let mut links = 0;
        let mut errors = 0;
        for b in &c.bodies {
            let raw = std::fs::read(&b.bin).unwrap();
            let d = decode_body(&raw, Some(&b.content_type), b.content_encoding.as_deref(), &limits).unwrap();
            spans += d.spans.len();
            links += d.spans.iter().map(|s| s.links.len()).sum::<usize>();
            errors += d.spans.iter().filter(|s| s.status_code == 2).count();
            traces.extend(d.spans.iter().map(|s| s.trace_id));
        }
        (spans, traces.len(), links, errors)
    };
    assert_eq!(count("ag_native_max_turns"), (95, 29, 61, 0));
    assert_eq!(count("maf_tool_error"), (17, 2, 4, 1));
    assert_eq!(count("oai_oi_success_gzip"), (17, 1, 0, 0));
    assert_eq!(count("oai_oi_tool_error"), (10, 1, 0, 2));
}
