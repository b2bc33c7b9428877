"""Every SQL query of the Grafana dashboards (grafana/dashboards/*.json) runs against the real
database and returns what its panel needs, also as the read-only role agenttrace_grafana.

The queries are expanded the way Grafana does it: first the frontend template service
(dashboard variables in the PostgreSQL data source's formats, $__interval...), then the
PostgreSQL data source's backend macro engine ($__timeFilter, $__timeGroupAlias, ...; see
pkg/tsdb/grafana-postgresql-datasource/macros.go), with the `timescaledb` flag of the provisioned
data source. Variables take their values from running their own queries, in dashboard order;
the $run variable is set to a failed and to a successful run of the shared corpus, which is
ingested first (idempotent). The time range is the one of the corpus spans, stretched to now so
recent dead letters are in it.

Nothing is skipped: an unreachable database, a missing function or view, an empty panel where
data exists or a missing grant is a failure.
"""
import datetime as dt
import decimal
import json
import os
import pathlib
import re
import uuid

import psycopg
import pytest
from psycopg import errors, sql as pgsql

ROOT = pathlib.Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
ROLE_SQL = ROOT / "sql" / "grafana_role.sql"
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5433/agenttrace_test")
ROLE = "agenttrace_grafana"
DS_TYPE = "grafana-postgresql-datasource"
DS_UID = "agenttrace"

# What agenttrace_grafana may do, exactly (sql/grafana_role.sql).
ROLE_SELECT = {"runs", "agent_activity", "failures", "mast_mode_status", "traces", "agent_messages", "tool_calls"}
ROLE_COLUMNS = {
    "dead_letters": {"dead_letter_id", "received_at", "content_type", "content_encoding", "body_bytes",
                     "error_message", "sqlstate", "signal"},
    # log records without their content (body, attributes, genai)
    "log_records": {"time", "record_hash", "trace_id", "span_id", "time_unix_nano", "observed_time_unix_nano",
                    "severity_number", "severity_text", "event_name", "dropped_attributes_count", "flags",
                    "service_name", "resource_hash", "scope_name", "scope_version", "record_index", "ingested_at"},
    "spans": {"trace_id", "span_id", "parent_span_id", "run_id", "start_time", "end_time", "start_time_unix_nano",
              "end_time_unix_nano", "duration_ns", "name", "status_code", "status_message", "service_name",
              "framework", "category", "agent_name", "model", "input_tokens", "output_tokens", "tool_name",
              "is_error", "error_type", "error_message"},
    "run_verdicts": {"run_id", "framework", "service_name", "start_time", "operational_status", "operational_reason",
                     "verdict", "silent_failure", "responsible_agent", "decisive_mode", "explanation", "classified_at",
                     "judge_status", "judge_model", "judge_failed", "judge_responsible_agent", "judge_error"},
}
ROLE_EXECUTE = {"graph_nodes", "graph_edges", "span_tree", "span_id_hex"}
# Relations granted although no dashboard query names them: read by the graph functions with the
# caller's rights.
READ_BY_FUNCTIONS = {"traces"}

# Panels that may legitimately be empty: (dashboard uid, panel title) -> SQL (Grafana syntax,
# expanded like the panel's) that is true when the panel must have rows. Every other query must
# return rows.
DATA_EXISTS = {
    ("agenttrace-failures", "Silent failures: reported success, analysed as failed"):
        "SELECT EXISTS (SELECT 1 FROM agenttrace.run_verdicts WHERE silent_failure AND $__timeFilter(start_time))",
    ("agenttrace-run-detail", "Messages"):
        "SELECT EXISTS (SELECT 1 FROM agenttrace.agent_messages WHERE run_id = '$run'::uuid)",
    ("agenttrace-run-detail", "Tool calls"):
        "SELECT EXISTS (SELECT 1 FROM agenttrace.tool_calls WHERE run_id = '$run'::uuid)",
    ("agenttrace-run-detail", "MAST findings"):
        "SELECT EXISTS (SELECT 1 FROM agenttrace.failures WHERE run_id = '$run'::uuid)",
    ("agenttrace-run-detail", "MAST coverage"):
        "SELECT EXISTS (SELECT 1 FROM agenttrace.mast_mode_status WHERE run_id = '$run'::uuid)",
    ("agenttrace-run-detail", "Error spans"):
        "SELECT EXISTS (SELECT 1 FROM agenttrace.spans WHERE run_id = '$run'::uuid AND is_error)",
    ("agenttrace-run-detail", "Logs"):
        "SELECT EXISTS (SELECT 1 FROM agenttrace.log_records l JOIN agenttrace.traces t USING (trace_id) WHERE t.run_id = '$run'::uuid)",
}


# ----------------------------------------------------------------------------------------------
# Corpus

def corpus_dir() -> pathlib.Path:
    env = os.environ.get("AGENTTRACE_CORPUS")
    if env:
        return pathlib.Path(env)
    for cand in (ROOT.parent / "shared" / "otlp-corpus", pathlib.Path("/work/shared/otlp-corpus")):
        if cand.is_dir():
            return cand
    return pathlib.Path("/work/shared/otlp-corpus")


def corpus_bodies():
    return sorted(corpus_dir().glob("*/*.v1_traces.bin"))


def corpus_trace_ids() -> list[str]:
    ids = set()
    for js in corpus_dir().glob("*/*.v1_traces.otlp.json"):
        doc = json.loads(js.read_text())
        for rs in doc.get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                for s in ss.get("spans", []):
                    if s.get("traceId"):
                        ids.add(str(uuid.UUID(hex=s["traceId"])))
    return sorted(ids)


# ----------------------------------------------------------------------------------------------
# Dashboards

def load(path: pathlib.Path) -> dict:
    return json.loads(path.read_text())


def all_panels(dash: dict):
    """Every panel, rows' nested panels included."""
    for p in dash.get("panels", []):
        yield p
        for q in p.get("panels", []) or []:
            yield q


def variable_sql(var: dict) -> str:
    q = var.get("query")
    if isinstance(q, dict):
        q = q.get("rawSql") or q.get("query")
    return q or var.get("definition") or ""


def queries_of(dash: dict):
    """(panel, target) for every rawSql target."""
    for p in all_panels(dash):
        for t in p.get("targets", []) or []:
            if "rawSql" in t:
                yield p, t


def datasource_timescaledb() -> bool:
    text = (GRAFANA / "provisioning" / "datasources" / "agenttrace.yaml").read_text()
    m = re.search(r"^\s*timescaledb:\s*(\w+)", text, re.M)
    assert m, "timescaledb not set in the data source"
    return m.group(1).lower() == "true"


# ----------------------------------------------------------------------------------------------
# Grafana's interpolation

def go_rfc3339nano(t: dt.datetime) -> str:
    """time.Time.UTC().Format(time.RFC3339Nano): trailing zeros of the fraction dropped, Z."""
    t = t.astimezone(dt.timezone.utc)
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        s += ("." + f"{t.microsecond:06d}").rstrip("0")
    return s + "Z"


def round_interval_ms(ms: float) -> int:
    """@grafana/data rangeUtil.roundInterval."""
    brackets = [
        (15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500), (1500, 1000), (3500, 2000),
        (7500, 5000), (12500, 10000), (17500, 15000), (25000, 20000), (45000, 30000), (90000, 60000),
        (210000, 120000), (450000, 300000), (750000, 600000), (1050000, 900000), (1500000, 1200000),
        (2700000, 1800000), (5400000, 3600000), (9000000, 7200000), (16200000, 10800000),
        (32400000, 21600000), (86400000, 43200000), (604800000, 86400000), (1814400000, 604800000),
        (3628800000, 2592000000),
    ]
    for limit, value in brackets:
        if ms < limit:
            return value
    return 31536000000


def format_interval(ms: int) -> str:
    """gtime.FormatInterval / rangeUtil.secondsToHms style: 10s, 2m, 1h, 1d, 500ms."""
    for unit, size in (("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000)):
        if ms >= size and ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def parse_interval_seconds(text: str) -> float:
    """gtime.ParseInterval for what the dashboards can produce."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)(ms|s|m|h|d|w)\s*", text)
    assert m, f"cannot parse interval {text!r}"
    n, unit = float(m.group(1)), m.group(2)
    return n * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]


def go_float(v: float) -> str:
    """fmt %v of a float64 (integral values print without a fraction)."""
    return str(int(v)) if float(v).is_integer() else repr(v)


def quote_literal(v: str) -> str:
    return "'" + str(v).replace("'", "''") + "'"


class Var:
    def __init__(self, name, values, texts, multi, include_all):
        self.name, self.values, self.texts = name, list(values), list(texts)
        self.multi, self.include_all = multi, include_all


def format_var(var: Var, fmt: str | None) -> str:
    vals = var.values
    if fmt is None:
        # PostgreSQL data source interpolateVariable (public/app/features/plugins/sql/datasource).
        if len(vals) == 1 and not (var.multi or var.include_all):
            return str(vals[0]).replace("'", "''")
        return ",".join(quote_literal(v) for v in vals)
    if fmt == "sqlstring":
        return ",".join(quote_literal(v) for v in vals)
    if fmt in ("csv", "raw"):
        return ",".join(str(v) for v in vals)
    if fmt == "singlequote":
        return ",".join("'" + str(v).replace("'", "\\'") + "'" for v in vals)
    if fmt == "doublequote":
        return ",".join('"' + str(v).replace('"', '\\"') + '"' for v in vals)
    if fmt == "pipe":
        return "|".join(str(v) for v in vals)
    if fmt == "text":
        return " + ".join(str(t) for t in var.texts)
    raise AssertionError(f"variable format {fmt!r} not emulated")


VAR_RE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}")
MACRO_RE = re.compile(r"\$([_a-zA-Z0-9]+)\(([^\)]*)\)")


class TimeRange:
    def __init__(self, start: dt.datetime, end: dt.datetime, max_data_points: int = 1000, min_interval_ms: int = 10000):
        self.start = start.replace(microsecond=start.microsecond // 1000 * 1000)
        self.end = end.replace(microsecond=end.microsecond // 1000 * 1000)
        span_ms = (self.end - self.start).total_seconds() * 1000
        self.interval_ms = max(round_interval_ms(span_ms / max_data_points), min_interval_ms)


def interpolate_frontend(text: str, variables: dict[str, Var], tr: TimeRange) -> str:
    """templateSrv.replace with the data source's interpolateVariable."""
    builtins = {
        "__interval": format_interval(tr.interval_ms),
        "__interval_ms": str(tr.interval_ms),
        "__rate_interval": format_interval(max(tr.interval_ms * 4, 60000)),
        "__range": format_interval(int((tr.end - tr.start).total_seconds() * 1000)),
        "__range_s": str(int((tr.end - tr.start).total_seconds())),
        "__range_ms": str(int((tr.end - tr.start).total_seconds() * 1000)),
        "__from": str(int(tr.start.timestamp() * 1000)),
        "__to": str(int(tr.end.timestamp() * 1000)),
    }

    def repl(m):
        name = m.group(1) or m.group(2) or m.group(4)
        fmt = m.group(3) or m.group(6)
        if name in builtins:
            return builtins[name]
        if name in variables:
            return format_var(variables[name], fmt)
        return m.group(0)  # unknown: left as is (Grafana does the same)

    return VAR_RE.sub(repl, text)


def interpolate_backend(text: str, tr: TimeRange, timescaledb: bool) -> str:
    """sqleng.Interpolate + the PostgreSQL macro engine."""
    text = text.replace("$__interval_ms", str(tr.interval_ms))
    text = text.replace("$__interval", format_interval(tr.interval_ms))
    text = text.replace("$__unixEpochFrom()", str(int(tr.start.timestamp())))
    text = text.replace("$__unixEpochTo()", str(int(tr.end.timestamp())))
    frm, to = go_rfc3339nano(tr.start), go_rfc3339nano(tr.end)

    def evaluate(name, args):
        if name == "__time":
            return f'{args[0]} AS "time"'
        if name == "__timeEpoch":
            return f'extract(epoch from {args[0]}) as "time"'
        if name == "__timeFilter":
            return f"{args[0]} BETWEEN '{frm}' AND '{to}'"
        if name == "__timeFrom":
            return f"'{frm}'"
        if name == "__timeTo":
            return f"'{to}'"
        if name in ("__timeGroup", "__timeGroupAlias"):
            assert 2 <= len(args) <= 3, f"{name} needs column and interval"
            secs = parse_interval_seconds(args[1].strip("'"))
            if timescaledb:
                expr = f"time_bucket('{go_float(secs)}s',{args[0]})"
            else:
                expr = f"floor(extract(epoch from {args[0]})/{go_float(secs)})*{go_float(secs)}"
            return expr + (' AS "time"' if name == "__timeGroupAlias" else "")
        if name == "__unixEpochFilter":
            return f"{args[0]} >= {int(tr.start.timestamp())} AND {args[0]} <= {int(tr.end.timestamp())}"
        if name == "__unixEpochNanoFilter":
            return f"{args[0]} >= {int(tr.start.timestamp() * 1e9)} AND {args[0]} <= {int(tr.end.timestamp() * 1e9)}"
        if name == "__unixEpochNanoFrom":
            return str(int(tr.start.timestamp() * 1e9))
        if name == "__unixEpochNanoTo":
            return str(int(tr.end.timestamp() * 1e9))
        if name in ("__unixEpochGroup", "__unixEpochGroupAlias"):
            secs = go_float(parse_interval_seconds(args[1].strip("'")))
            return f"floor({args[0]}/{secs})*{secs}" + (' AS "time"' if name.endswith("Alias") else "")
        raise AssertionError(f"Unknown macro {name}")

    def repl(m):
        name = m.group(1)
        if name == "__timeGroup":
            # pre-5.3 compatibility: a ',' right after the macro means the alias form.
            idx = text.find(m.group(0))
            if idx >= 0 and text[idx + len(m.group(0)):idx + len(m.group(0)) + 1] == ",":
                name = "__timeGroupAlias"
        return evaluate(name, [a.strip(" ") for a in m.group(2).split(",")])

    return MACRO_RE.sub(repl, text)


def expand(text: str, variables: dict[str, Var], tr: TimeRange, timescaledb: bool) -> str:
    out = interpolate_backend(interpolate_frontend(text, variables, tr), tr, timescaledb)
    left = re.search(r"\$\{?[A-Za-z_]\w*|\[\[\w+", out)
    assert not left, f"not interpolated: {left.group(0)!r} in\n{out}"
    return out


# ----------------------------------------------------------------------------------------------
# Fixtures

@pytest.fixture(scope="module")
def admin():
    with psycopg.connect(DATABASE_URL, autocommit=True, connect_timeout=10) as c:
        yield c


@pytest.fixture(scope="module")
def prepared(admin):
    """Corpus ingested, role applied, time range and runs picked."""
    bodies = corpus_bodies()
    assert len(bodies) >= 15, f"shared OTLP corpus not found in {corpus_dir()}"
    for b in bodies:
        meta = json.loads(b.with_name(b.name.replace(".bin", ".meta.json")).read_text())
        row = admin.execute(
            "SELECT accepted_spans, rejected_spans, error_message FROM agenttrace.ingest(%s, %s, %s)",
            (b.read_bytes(), meta.get("content_type") or "application/x-protobuf", meta.get("content_encoding")),
        ).fetchone()
        assert row[2] is None, f"{b}: {row}"

    admin.execute(ROLE_SQL.read_text())

    ids = corpus_trace_ids()
    # MAST findings for the corpus runs (classification is not automatic by default).
    for (run_id,) in admin.execute("SELECT DISTINCT run_id FROM agenttrace.traces WHERE trace_id = ANY(%s::uuid[])",
                                   (ids,)).fetchall():
        admin.execute("SELECT * FROM agenttrace.classify(%s::uuid)", (run_id,)).fetchall()
    lo, hi = admin.execute(
        "SELECT min(start_time), max(end_time) FROM agenttrace.spans WHERE trace_id = ANY(%s::uuid[])", (ids,)
    ).fetchone()
    assert lo is not None, "corpus spans not stored"
    # Dead letters: make sure the dead-letter panels have something to show.
    if not admin.execute("SELECT EXISTS (SELECT 1 FROM agenttrace.dead_letters WHERE received_at >= %s)", (lo,)).fetchone()[0]:
        err = admin.execute("SELECT error_message FROM agenttrace.ingest(%s, 'application/x-protobuf')",
                            (b"\xff\xffnot a protobuf body",)).fetchone()[0]
        assert err, "an undecodable body was accepted"
    now = admin.execute("SELECT now()").fetchone()[0]
    tr = TimeRange(lo - dt.timedelta(minutes=1), max(hi, now) + dt.timedelta(minutes=1))

    corpus_runs = "SELECT DISTINCT run_id FROM agenttrace.traces WHERE trace_id = ANY(%s::uuid[])"
    pick = f"""
        SELECT r.run_id::text FROM agenttrace.runs r
         WHERE r.run_id IN ({corpus_runs}) AND r.status = %s
         ORDER BY EXISTS (SELECT 1 FROM agenttrace.failures f WHERE f.run_id = r.run_id) DESC,
                  EXISTS (SELECT 1 FROM agenttrace.tool_calls t WHERE t.run_id = r.run_id) DESC,
                  EXISTS (SELECT 1 FROM agenttrace.agent_messages m WHERE m.run_id = r.run_id) DESC,
                  r.span_count DESC, r.run_id
         LIMIT 1"""
    runs = {}
    for status in ("failure", "success"):
        row = admin.execute(pick, (ids, status)).fetchone()
        assert row, f"no {status} run in the corpus"
        runs[status] = row[0]
    # The provisioned data source says timescaledb: true; on a database without TimescaleDB the
    # data source has to be configured with it off (grafana/README.md), so emulate that there.
    has_tsdb = admin.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')").fetchone()[0]
    return {"range": tr, "runs": runs, "trace_ids": ids, "timescaledb": datasource_timescaledb() and has_tsdb}


@pytest.fixture(scope="module")
def grafana_conn(prepared):
    """A session that runs as agenttrace_grafana (what Grafana's login role gets)."""
    with psycopg.connect(DATABASE_URL, autocommit=True, connect_timeout=10) as c:
        c.execute(pgsql.SQL("SET ROLE {}").format(pgsql.Identifier(ROLE)))
        assert c.execute("SELECT current_user").fetchone()[0] == ROLE
        yield c


# ----------------------------------------------------------------------------------------------
# Running a dashboard

def run_sql(conn, text: str):
    """Runs one query in its own transaction; returns (column names, rows)."""
    with conn.transaction(force_rollback=True):
        cur = conn.execute(text)
        return [d.name for d in cur.description], cur.fetchall()


def resolve_variables(conn, dash: dict, tr: TimeRange, timescaledb: bool, run: str | None) -> tuple[dict, list]:
    """Variables in dashboard order, each from its own query; All selected where offered."""
    variables: dict[str, Var] = {}
    report = []
    for v in dash.get("templating", {}).get("list", []):
        assert v["type"] == "query", f"variable {v['name']}: only query variables are emulated"
        raw = variable_sql(v)
        text = expand(raw, variables, tr, timescaledb)
        try:
            cols, rows = run_sql(conn, text)
        except psycopg.Error as e:
            raise AssertionError(f"{dash['uid']}: variable ${v['name']} failed: {e}\n{text}") from e
        assert rows, f"{dash['uid']}: variable ${v['name']} has no values\n{text}"
        if "__value" in cols:
            values = [r[cols.index("__value")] for r in rows]
            texts = [r[cols.index("__text")] for r in rows] if "__text" in cols else values
        else:
            values = texts = [r[0] for r in rows]
        multi, include_all = bool(v.get("multi")), bool(v.get("includeAll"))
        if v["name"] == "run":
            assert run is not None
            variables["run"] = Var("run", [run], [run], multi, include_all)
        elif include_all:
            variables[v["name"]] = Var(v["name"], values, texts, multi, include_all)
        else:
            variables[v["name"]] = Var(v["name"], values[:1], texts[:1], multi, include_all)
        report.append((v["name"], len(rows)))
    return variables, report


def uses_run(dash: dict) -> bool:
    return any(v["name"] == "run" for v in dash.get("templating", {}).get("list", []))


def check_result(dash, panel, target, cols, rows, must_have_rows):
    where = f"{dash['uid']} / {panel['title']} / {target['refId']}"
    assert len(cols) == len(set(cols)), f"{where}: duplicate column names {cols}"
    if must_have_rows:
        assert rows, f"{where}: no rows"
    fmt = target.get("format", "time_series")
    if fmt == "time_series":
        assert "time" in cols, f"{where}: time_series without a time column: {cols}"
        ti = cols.index("time")
        times = [r[ti] for r in rows]
        assert times == sorted(times), f"{where}: time series not ordered by time"
        assert any(c not in ("time", "metric") for c in cols), f"{where}: no value column"
        if rows:
            for i, c in enumerate(cols):
                if c not in ("time", "metric"):
                    assert all(r[i] is None or isinstance(r[i], (int, float, decimal.Decimal)) for r in rows), \
                        f"{where}: value column {c} is not numeric"
    if panel["type"] == "nodeGraph":
        if target["refId"] == "nodes":
            assert {"id", "title"} <= set(cols), f"{where}: node frame needs id, title: {cols}"
            arcs = [i for i, c in enumerate(cols) if c.startswith("arc__")]
            for r in rows:
                if arcs:
                    assert abs(sum(r[i] for i in arcs) - 1.0) < 1e-6, f"{where}: arc__ fields do not sum to 1: {r}"
        elif target["refId"] == "edges":
            assert {"id", "source", "target"} <= set(cols), f"{where}: edge frame needs id, source, target: {cols}"
        else:
            raise AssertionError(f"{where}: node graph targets must be refId nodes / edges")
    if panel["type"] == "barchart":
        x = panel.get("options", {}).get("xField")
        assert x in cols, f"{where}: xField {x} not among {cols}"
    # Field overrides must name returned columns (catches renamed columns); in long time series
    # the field names are the values of the metric column instead, which depend on the data.
    long_series = fmt == "time_series" and "metric" in cols
    for o in panel.get("fieldConfig", {}).get("overrides", []):
        m = o.get("matcher", {})
        if m.get("id") == "byName" and len(panel["targets"]) == 1 and not long_series:
            assert m["options"] in cols, f"{where}: override for missing field {m['options']!r} ({cols})"


def run_dashboard(conn, admin, dash: dict, prepared: dict, timescaledb: bool, run: str | None, only_time_series=False):
    """Runs every query of a dashboard; returns a list of (panel title, refId, rows)."""
    tr = prepared["range"]
    variables, _ = resolve_variables(conn, dash, tr, timescaledb, run)
    results = []
    for panel, target in queries_of(dash):
        if only_time_series and target.get("format") != "time_series":
            continue
        text = expand(target["rawSql"], variables, tr, timescaledb)
        try:
            cols, rows = run_sql(conn, text)
        except psycopg.Error as e:
            raise AssertionError(f"{dash['uid']} / {panel['title']} / {target['refId']} as "
                                 f"{conn.execute('SELECT current_user').fetchone()[0]}: {e}\n{text}") from e
        oracle = DATA_EXISTS.get((dash["uid"], panel["title"]))
        must = True if oracle is None else run_sql(admin, expand(oracle, variables, tr, timescaledb))[1][0][0]
        check_result(dash, panel, target, cols, rows, must)
        results.append((panel["title"], target["refId"], rows, cols))
    return results


def runs_to_test(dash, prepared):
    return list(prepared["runs"].values()) if uses_run(dash) else [None]


# ----------------------------------------------------------------------------------------------
# Tests: files

def test_dashboards_present():
    names = {p.name for p in DASHBOARDS}
    assert {"agenttrace-overview.json", "agenttrace-run-detail.json", "agenttrace-failures.json"} <= names


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_dashboard_model(path):
    dash = load(path)
    assert dash["schemaVersion"] == 39
    assert dash["uid"] and len(dash["uid"]) <= 40
    ids = [p["id"] for p in all_panels(dash)]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    titles = [p["title"] for p in all_panels(dash) if p["type"] != "row"]
    assert len(titles) == len(set(titles)), "panel titles must be unique (the test names panels by title)"
    names = {v["name"] for v in dash.get("templating", {}).get("list", [])}
    n = 0
    for p in all_panels(dash):
        g = p["gridPos"]
        assert g["x"] + g["w"] <= 24, f"{p['title']}: wider than the grid"
        if p["type"] == "row":
            continue
        assert p.get("datasource", {}).get("uid") == DS_UID, f"{p['title']}: data source"
        for t in p.get("targets", []):
            n += 1
            assert t.get("datasource", {}).get("type") == DS_TYPE and t["datasource"]["uid"] == DS_UID
            assert t.get("rawQuery") and t.get("editorMode") == "code"
            assert t.get("format") in ("table", "time_series"), f"{p['title']}: format {t.get('format')}"
            for m in VAR_RE.finditer(t["rawSql"]):
                name = m.group(1) or m.group(2) or m.group(4)
                assert name.startswith("__") or name in names, f"{p['title']}: unknown variable ${name}"
            if p["type"] == "timeseries":
                assert t["format"] == "time_series", f"{p['title']}: timeseries panel with table query"
    assert n > 0
    for v in dash.get("templating", {}).get("list", []):
        assert v.get("datasource", {}).get("uid") == DS_UID
        assert variable_sql(v).strip()


def test_provisioning_files():
    ds = (GRAFANA / "provisioning" / "datasources" / "agenttrace.yaml").read_text()
    for needle in (f"type: {DS_TYPE}", f"uid: {DS_UID}", "timescaledb: true", "sslmode: disable",
                   "${AGENTTRACE_DB_HOST}", "${AGENTTRACE_DB_USER}", "${AGENTTRACE_DB_PASSWORD}", "${AGENTTRACE_DB_NAME}"):
        assert needle in ds, needle
    prov = (GRAFANA / "provisioning" / "dashboards" / "agenttrace.yaml").read_text()
    assert "type: file" in prov and "path:" in prov


def test_macro_expansion_matches_grafana():
    tr = TimeRange(dt.datetime(2026, 11, 22, 14, 0, tzinfo=dt.timezone.utc),
                   dt.datetime(2026, 11, 22, 15, 0, 0, 123000, tzinfo=dt.timezone.utc))
    assert tr.interval_ms == 10000  # 1h / 1000 points -> 5s, raised to the 10s minimum
    s = interpolate_backend("$__timeGroupAlias(start_time, 1m)", tr, False)
    assert s == 'floor(extract(epoch from start_time)/60)*60 AS "time"'
    assert interpolate_backend("$__timeGroupAlias(start_time, 1m)", tr, True) == "time_bucket('60s',start_time) AS \"time\""
    assert interpolate_backend("$__timeGroup(t, '5m'), x", tr, False) == 'floor(extract(epoch from t)/300)*300 AS "time", x'
    assert interpolate_backend("$__timeFilter(s.start_time)", tr, True) == \
        "s.start_time BETWEEN '2026-11-22T14:00:00Z' AND '2026-11-22T15:00:00.123Z'"
    assert interpolate_backend("$__timeFrom() $__timeTo()", tr, True) == "'2026-11-22T14:00:00Z' '2026-11-22T15:00:00.123Z'"
    assert interpolate_backend("$__unixEpochFilter(t)", tr, True) == "t >= 1795356000 AND t <= 1795359600"
    v = {"service": Var("service", ["a", "b'c"], ["a", "b'c"], True, True),
         "run": Var("run", ["x'y"], ["x'y"], False, False)}
    assert interpolate_frontend("IN ($service)", v, tr) == "IN ('a','b''c')"
    assert interpolate_frontend("IN (${service:sqlstring}) ${service:csv}", v, tr) == "IN ('a','b''c') a,b'c"
    assert interpolate_frontend("= '$run' '${run}' $__interval", v, tr) == "= 'x''y' 'x''y' 10s"


# ----------------------------------------------------------------------------------------------
# Tests: queries against the database

@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_every_query_runs_and_has_data(admin, prepared, path):
    dash = load(path)
    for run in runs_to_test(dash, prepared):
        results = run_dashboard(admin, admin, dash, prepared, prepared["timescaledb"], run)
        assert results
        if dash["uid"] == "agenttrace-run-detail":
            by = {(t, r): (rows, cols) for t, r, rows, cols in results}
            nodes, ncols = by[("Agent graph", "nodes")]
            edges, ecols = by[("Agent graph", "edges")]
            node_ids = {r[ncols.index("id")] for r in nodes}
            for e in edges:
                assert e[ecols.index("source")] in node_ids and e[ecols.index("target")] in node_ids, \
                    f"edge {e} refers to a node not in the nodes frame"
            rows, cols = by[("Run", "A")]
            assert len(rows) == 1 and rows[0][cols.index("run_id")] == run


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_time_series_without_timescaledb_macros(admin, prepared, path):
    """The same queries with the data source's timescaledb switched off (floor(extract(epoch ...)))."""
    dash = load(path)
    for run in runs_to_test(dash, prepared)[:1]:
        run_dashboard(admin, admin, dash, prepared, False, run, only_time_series=True)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_every_query_runs_as_grafana_role(admin, grafana_conn, prepared, path):
    dash = load(path)
    for run in runs_to_test(dash, prepared):
        results = run_dashboard(grafana_conn, admin, dash, prepared, prepared["timescaledb"], run)
        if run is not None:
            # One run's data does not change while other tests ingest: the role sees all of it.
            as_admin = run_dashboard(admin, admin, dash, prepared, prepared["timescaledb"], run)
            assert [(t, r, len(rows)) for t, r, rows, _ in results] == [(t, r, len(rows)) for t, r, rows, _ in as_admin]


# ----------------------------------------------------------------------------------------------
# Tests: the role is read-only and minimal

def test_role_is_nologin_and_read_only(admin, prepared):
    row = admin.execute("SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolinherit FROM pg_roles WHERE rolname = %s",
                        (ROLE,)).fetchone()
    assert row is not None, f"role {ROLE} missing"
    assert row[:4] == (False, False, False, False)

    rels = admin.execute("""
        SELECT c.relname,
               has_table_privilege(%(r)s, c.oid, 'SELECT'),
               has_table_privilege(%(r)s, c.oid, 'INSERT') OR has_table_privilege(%(r)s, c.oid, 'UPDATE')
                 OR has_table_privilege(%(r)s, c.oid, 'DELETE') OR has_table_privilege(%(r)s, c.oid, 'TRUNCATE')
                 OR has_table_privilege(%(r)s, c.oid, 'REFERENCES') OR has_table_privilege(%(r)s, c.oid, 'TRIGGER'),
               has_any_column_privilege(%(r)s, c.oid, 'INSERT') OR has_any_column_privilege(%(r)s, c.oid, 'UPDATE')
          FROM pg_class c
         WHERE c.relnamespace = 'agenttrace'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p', 'f')""",
                         {"r": ROLE}).fetchall()
    selectable = {name for name, sel, _, _ in rels if sel}
    writable = {name for name, _, w, cw in rels if w or cw}
    assert selectable == ROLE_SELECT, f"SELECT granted on {sorted(selectable)}, expected {sorted(ROLE_SELECT)}"
    assert not writable, f"write privileges on {sorted(writable)}"

    col_rels = {r[0] for r in admin.execute("""
        SELECT c.relname FROM pg_class c
         WHERE c.relnamespace = 'agenttrace'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
           AND NOT has_table_privilege(%(r)s, c.oid, 'SELECT') AND has_any_column_privilege(%(r)s, c.oid, 'SELECT')""",
                                             {"r": ROLE}).fetchall()}
    assert col_rels == set(ROLE_COLUMNS), f"column SELECT granted on {sorted(col_rels)}"
    for rel, expected in ROLE_COLUMNS.items():
        cols = admin.execute("""
            SELECT attname, has_column_privilege(%s, a.attrelid, attnum, 'SELECT')
              FROM pg_attribute a WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped""",
                             (ROLE, f"agenttrace.{rel}")).fetchall()
        assert {c for c, ok in cols if ok} == expected, f"{rel}: columns readable {sorted(c for c, ok in cols if ok)}"

    granted = {r[0] for r in admin.execute("""
        SELECT DISTINCT p.proname FROM pg_proc p, aclexplode(p.proacl) a
         WHERE p.pronamespace = 'agenttrace'::regnamespace AND a.grantee = %s::regrole""", (ROLE,)).fetchall()}
    assert granted == ROLE_EXECUTE, f"EXECUTE granted on {sorted(granted)}"
    seqs = admin.execute("""
        SELECT c.relname FROM pg_class c
         WHERE c.relnamespace = 'agenttrace'::regnamespace AND c.relkind = 'S'
           AND (has_sequence_privilege(%(r)s, c.oid, 'USAGE') OR has_sequence_privilege(%(r)s, c.oid, 'UPDATE'))""",
                         {"r": ROLE}).fetchall()
    assert not seqs, f"sequence privileges on {seqs}"


def test_role_grants_are_all_used(prepared):
    """Least privilege: every relation and function granted is used by some dashboard query."""
    text = "\n".join(t["rawSql"] for p in DASHBOARDS for _, t in queries_of(load(p)))
    text += "\n".join(variable_sql(v) for p in DASHBOARDS for v in load(p).get("templating", {}).get("list", []))
    for rel in (ROLE_SELECT | set(ROLE_COLUMNS)) - READ_BY_FUNCTIONS:
        assert re.search(rf"agenttrace\.{rel}\b", text), f"{rel} granted but no dashboard reads it"
    for fn in ROLE_EXECUTE - {"span_id_hex"}:  # span_id_hex: called by the runs view
        assert re.search(rf"agenttrace\.{fn}\(", text), f"{fn} granted but no dashboard calls it"


def test_role_cannot_write_or_read_bodies(grafana_conn, prepared):
    c = grafana_conn
    def denied(q, params=None):
        with pytest.raises(errors.InsufficientPrivilege):
            with c.transaction(force_rollback=True):
                c.execute(q, params)
    denied("INSERT INTO agenttrace.spans (trace_id, span_id, run_id, start_time, end_time, start_time_unix_nano,"
           " end_time_unix_nano, duration_ns, name, kind, status_code, service_name, resource_hash, attributes)"
           " VALUES (gen_random_uuid(), 1, gen_random_uuid(), now(), now(), 0, 0, 0, 'x', 0, 0, 'x', 0, '{}')")
    denied("DELETE FROM agenttrace.spans")
    denied("UPDATE agenttrace.tool_calls SET result = NULL")
    denied("INSERT INTO agenttrace.failure_annotations (run_id, mode_id, explanation) VALUES (gen_random_uuid(), 'FM-1.1', 'x')")
    denied("SELECT body FROM agenttrace.dead_letters LIMIT 1")
    denied("SELECT input_text FROM agenttrace.spans LIMIT 1")
    denied("SELECT attributes FROM agenttrace.spans LIMIT 1")
    denied("SELECT * FROM agenttrace.dead_letters LIMIT 1")
    denied("SELECT * FROM agenttrace.run_summaries LIMIT 1")
    denied("SELECT * FROM agenttrace.failure_annotations LIMIT 1")
    denied("SELECT * FROM agenttrace.ingest_staging LIMIT 1")
    body = corpus_bodies()[0]
    denied("SELECT * FROM agenttrace.ingest(%s)", (body.read_bytes(),))
    # ... while what it is granted works.
    with c.transaction(force_rollback=True):
        assert c.execute("SELECT count(body_bytes) FROM agenttrace.dead_letters").fetchone()[0] >= 1
