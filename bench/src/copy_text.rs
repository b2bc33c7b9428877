//! PostgreSQL COPY text format for the span rows of `agenttrace_core::rows` (the baseline the
//! ingest path is measured against).
use agenttrace_core::ids::to_hex;
use agenttrace_core::rows::SpanRow;

pub fn escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn opt(out: &mut String, v: &Option<String>) {
    match v {
        Some(s) => escape(out, s),
        None => out.push_str("\\N"),
    }
}

fn opt_i(out: &mut String, v: Option<i64>) {
    match v {
        Some(n) => out.push_str(&n.to_string()),
        None => out.push_str("\\N"),
    }
}

/// PostgreSQL-epoch microseconds as an ISO timestamp in UTC (days-to-civil, no date crate).
pub fn timestamp(pg_micros: i64) -> String {
    let unix_micros = pg_micros + 946_684_800_000_000;
    let secs = unix_micros.div_euclid(1_000_000);
    let micros = unix_micros.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{micros:06}+00", sod / 3600, sod % 3600 / 60, sod % 60)
}

/// Column list matching [`span_line`].
pub const SPAN_COLUMNS: &str =
    "trace_id, span_id, parent_span_id, run_id, start_time, end_time, start_time_unix_nano, end_time_unix_nano, \
duration_ns, name, kind, status_code, status_message, service_name, resource_hash, scope_name, scope_version, trace_state, flags, \
attributes, dropped_attributes_count, dropped_events_count, dropped_links_count, framework, instrumentation, category, agent_name, \
agent_id, agent_role, model, provider, input_tokens, output_tokens, cached_tokens, reasoning_tokens, total_tokens, tool_name, \
tool_call_id, is_error, error_type, error_message, input_text, output_text";

pub fn span_line(out: &mut String, r: &SpanRow) {
    let t = |out: &mut String| out.push('\t');
    out.push_str(&to_hex(&r.trace_id));
    t(out);
    out.push_str(&r.span_id.to_string());
    t(out);
    opt_i(out, r.parent_span_id);
    t(out);
    out.push_str(&to_hex(&r.run_id));
    t(out);
    out.push_str(&timestamp(r.start_time_pg_micros));
    t(out);
    out.push_str(&timestamp(r.end_time_pg_micros));
    t(out);
    out.push_str(&format!("{}\t{}\t{}\t", r.start_time_unix_nano, r.end_time_unix_nano, r.duration_ns));
    escape(out, &r.name);
    out.push_str(&format!("\t{}\t{}\t", r.kind, r.status_code));
    opt(out, &r.status_message);
    t(out);
    escape(out, &r.service_name);
    out.push_str(&format!("\t{}\t", r.resource_hash));
    opt(out, &r.scope_name);
    t(out);
    opt(out, &r.scope_version);
    t(out);
    opt(out, &r.trace_state);
    out.push_str(&format!("\t{}\t", r.flags));
    escape(out, &r.attributes_json);
    out.push_str(&format!("\t{}\t{}\t{}\t", r.dropped_attributes_count, r.dropped_events_count, r.dropped_links_count));
    for v in [&r.framework, &r.instrumentation] {
        opt(out, v);
        t(out);
    }
    out.push_str(r.category);
    t(out);
    for v in [&r.agent_name, &r.agent_id, &r.agent_role, &r.model, &r.provider] {
        opt(out, v);
        t(out);
    }
    for v in [r.input_tokens, r.output_tokens, r.cached_tokens, r.reasoning_tokens, r.total_tokens] {
        opt_i(out, v);
        t(out);
    }
    opt(out, &r.tool_name);
    t(out);
    opt(out, &r.tool_call_id);
    t(out);
    out.push(if r.is_error { 't' } else { 'f' });
    for v in [&r.error_type, &r.error_message, &r.input_text, &r.output_text] {
        t(out);
        opt(out, v);
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps() {
        assert_eq!(super::timestamp(0), "2000-01-01 00:00:00.000000+00");
        assert_eq!(super::timestamp(849_534_575_088_653), "2026-12-02 13:49:35.088653+00");
    }
}
