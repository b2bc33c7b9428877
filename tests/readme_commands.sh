#!/usr/bin/env bash
# Every command the README shows must run as written. This test reads README.md,
# takes every command out of its ```sh blocks, every statement out of its ```sql blocks, the
# commands and SQL shown in `inline code` (cargo ..., scripts/..., docker ..., SELECT ...) and the
# repository paths it names, and checks each one in the cheapest faithful way, without running
# anything that installs, builds, serves, or changes data:
#
#   scripts/X.sh ...   exists, is executable, `bash -n` parses it, and its arguments are the ones
#                      the script accepts (read from the script: the labels of its
#                      `case "${1:-...}"` dispatch, the --flags it compares against); per-script
#                      rules are in SCRIPTS below, with the reason each is never run for real
#                      (run.sh starts the ingress in the foreground, test.sh runs every test,
#                      setup.sh and install-*.sh install and build, db.sh reset-db deletes data).
#                      Environment prefixes: AGENTTRACE_PG / AGENTTRACE_TEST_PG must name a
#                      version the scripts know (15 or scripts/pg-versions); any other variable
#                      must be read somewhere in the repository (a misspelt one would be ignored).
#   cargo ...          `cargo metadata --no-deps`: the -p package, the --bin binary and the
#                      --features exist; `cargo run` without --bin resolves (default-run or one
#                      binary: a past bug was "could not determine which binary to run"); every
#                      option is in `cargo <sub> --help` (`cargo pgrx <sub> --help` for pgrx, whose
#                      installed version must be the pinned one). Nothing is built or installed.
#                      Options after `--` go to the program: binaries with a clap --help
#                      (agenttrace-ingress, agenttrace-judge) are asked with --help when built in
#                      target/release; the bench binaries parse arguments by hand, ignore unknown
#                      ones and have no --help (running them starts a benchmark), so each option
#                      must appear as a literal in the binary's source.
#   target/release/B   B is a binary of the workspace; if built, `B --help` runs and lists the
#                      options the command and its comment give.
#   psql, pg_dump, pg_restore, createdb
#                      on PATH and every option in the tool's --help; SQL given with -c is checked
#                      like the ```sql blocks. Never run (they name placeholder databases).
#   docker build ...   docker is not usable here (no daemon), so: the Dockerfile exists and has
#                      the --target stages and --build-arg ARGs the command names.
#   export / cd        the directory exists; exported OTEL_* variables are the OpenTelemetry SDK's
#                      (not read by this repository): only the shell syntax is checked.
#   ```sql statements  only with a database: AGENTTRACE_TEST_DATABASE_URL, else DATABASE_URL (if
#                      psql can connect; otherwise these lines say "skip"). Placeholders are
#                      filled: '<run id>', '...' and '…' with a real run id from
#                      agenttrace.run_summaries (AGENTTRACE_README_RUN_ID overrides), [...] in
#                      JSON with [], '/path/0001.v1_traces.bin' with a corpus capture; statements
#                      with a placeholder that cannot be filled (`body`, `batch_id`, a remaining
#                      ...) are skipped with a note. Each statement runs in its own transaction
#                      that is always rolled back, with statement_timeout and lock_timeout:
#                      first READ ONLY; one that needs to write (SQLSTATE 25006, e.g. annotate,
#                      classify) is run again read-write and rolled back. Statements with
#                      unbounded or structural work (classify_pending, renormalize,
#                      apply_retention, enable_timescaledb, distribute, timescaledb_*_restore)
#                      and UPDATE/INSERT/DELETE are only EXPLAINed (names and types resolved, not
#                      executed). DDL (CREATE/ALTER/GRANT/DROP) is never run: it would change a
#                      shared database; scripts/test.sh's fresh test databases and
#                      tests/tests/upgrade.rs run those.
#   ```python/```js    syntax only (python3 compile, node --check when node is installed).
#   `path/in/repo`     a repository path named in inline code exists (globs allowed).
#   `--option` alone   (the ingress and judge settings tables) an option of the clap binary the
#                      README named last: in its --help when built, else in its clap source.
#   `AGENTTRACE_X`     a variable named alone must be read by the repository.
#   `--a x --b y`      option fragments: --features must be features of the extension crate,
#                      --target a Dockerfile stage, others options of the `cargo run` shown last.
#
# Prints one line per check ("ok", "skip" with the reason, or "FAIL" with the README line) and
# exits 1 if any check failed. Never modifies or deletes data; takes seconds.
#   tests/readme_commands.sh [--no-db] [README]   (default README.md of this checkout;
#                                                  AGENTTRACE_README also sets it)
#   tests/readme_commands.sh --self-test          a copy of the README with broken commands
#                                                  appended must fail, naming those lines
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

if [ "${1:-}" = "--self-test" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  cp "$ROOT/README.md" "$tmp/README.md"
  base=$(wc -l < "$tmp/README.md")
  cat >> "$tmp/README.md" <<'EOF'

```sh
scripts/setpu.sh                                    # misspelt script
cargo run --release -p agenttrace-bench --bin no_such_bench -- --spans 10
scripts/db.sh rest-db --delete-all-data             # unknown subcommand
cargo run --release -p agenttrace-bench -- --spanz 10   # option the bench does not read
AGENTTRACE_PG=19 scripts/setup.sh                   # version not in scripts/pg-versions
AGENTTRACE_TEST_PGS="15 17" scripts/test.sh         # misspelt variable: silently ignored
scripts/test.sh --quik                              # misspelt option
```
`agenttrace-ingress` takes `--pool-sise`.
EOF
  expect=( $((base + 3)) $((base + 4)) $((base + 5)) $((base + 6)) $((base + 7)) $((base + 8)) $((base + 9)) $((base + 11)) )
  set +e
  out="$("$0" --no-db "$tmp/README.md" 2>&1)"; rc=$?
  set -e
  bad=0
  [ "$rc" = 1 ] || { echo "self-test: expected exit 1 on the broken README, got $rc"; bad=1; }
  for n in "${expect[@]}"; do
    if grep -q "^FAIL .*README.md:$n:" <<<"$out"; then
      echo "self-test ok: line $n reported: $(grep "^FAIL .*README.md:$n:" <<<"$out" | head -1 | cut -c1-160)"
    else
      echo "self-test: line $n ($(sed -n "${n}p" "$tmp/README.md")) was not reported"; bad=1
    fi
  done
  others=$(grep '^FAIL ' <<<"$out" | grep -v -E "README.md:($(IFS='|'; echo "${expect[*]}")):" || true)
  [ -z "$others" ] || { echo "self-test: the unchanged part of the README failed too:"; echo "$others"; bad=1; }
  [ $bad = 0 ] && echo "self-test passed: the broken commands were reported and the test exited 1"
  exit $bad
fi

use_db=1
if [ "${1:-}" = "--no-db" ]; then use_db=0; shift; fi
README="${1:-${AGENTTRACE_README:-$ROOT/README.md}}"
[ -f "$README" ] || { echo "no README at $README" >&2; exit 2; }

DB=""
if [ $use_db = 1 ]; then
  url="${AGENTTRACE_TEST_DATABASE_URL:-${DATABASE_URL:-}}"
  if [ -n "$url" ] && command -v psql >/dev/null && \
     timeout 10 psql -X -qAt -d "$url" -c "SELECT 1 FROM pg_extension WHERE extname = 'pg_agenttrace'" 2>/dev/null | grep -q 1; then
    DB="$url"
  elif [ -n "$url" ]; then
    echo "note: $url does not answer or has no pg_agenttrace: SQL is not executed"
  else
    echo "note: no AGENTTRACE_TEST_DATABASE_URL / DATABASE_URL: SQL is not executed"
  fi
fi

exec python3 - "$ROOT" "$README" "$DB" <<'PY'
import glob, json, os, re, shlex, shutil, subprocess, sys, tempfile, time

ROOT, README, DB = sys.argv[1], sys.argv[2], sys.argv[3] or None
T0 = time.time()
REL = os.path.relpath(README, ROOT) if os.path.abspath(README).startswith(ROOT + "/") else README
failures = 0

def say(status, line, what, detail=""):
    global failures
    if status == "FAIL":
        failures += 1
    what = re.sub(r"\s+", " ", what).strip()
    if len(what) > 110:
        what = what[:107] + "..."
    print(f"{status:<4} {REL}:{line}: {what}" + (f"  -- {detail}" if detail else ""), flush=True)

def run(cmd, cwd=ROOT, timeout=30, **kw):
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, **kw)
        return p.returncode, p.stdout + p.stderr
    except (OSError, subprocess.TimeoutExpired) as e:
        return 127, str(e)

_cache = {}
def cached(key, fn):
    if key not in _cache:
        _cache[key] = fn()
    return _cache[key]

# ------------------------------------------------------------------ README parsing
text = open(README, encoding="utf-8").read().split("\n")
blocks, prose = [], list(text)   # prose: the README with code blocks blanked (line numbers kept)
i = 0
while i < len(text):
    m = re.match(r"^```(\w*)\s*$", text[i])
    if m:
        lang, start, body = m.group(1), i + 1, []
        prose[i] = ""
        i += 1
        while i < len(text) and not re.match(r"^```\s*$", text[i]):
            body.append((i + 1, text[i])); prose[i] = ""; i += 1
        if i < len(text):
            prose[i] = ""
        blocks.append((lang, start, body))
    i += 1
prose_text = "\n".join(prose)
inline = []   # (line, text) of `code spans` (may span lines)
for m in re.finditer(r"(?<!`)`([^`]+)`(?!`)", prose_text):
    inline.append((prose_text.count("\n", 0, m.start()) + 1, re.sub(r"\s+", " ", m.group(1)).strip()))

# ------------------------------------------------------------------ repository facts
def metadata():
    rc, out = run(["cargo", "metadata", "--no-deps", "--format-version", "1", "--offline"], timeout=60)
    if rc != 0:
        return None
    meta = json.loads(out[out.index("{"):])
    pk = {}
    for p in meta["packages"]:
        pk[p["name"]] = {
            "dir": os.path.dirname(p["manifest_path"]),
            "bins": {t["name"]: t["src_path"] for t in p["targets"] if "bin" in t["kind"]},
            "features": set(p["features"]),
            "default_run": p.get("default_run"),
            "pgrx_ext": any(d["name"] == "pgrx" for d in p["dependencies"])
                        and any("cdylib" in t["crate_types"] for t in p["targets"]),
        }
    return pk

META = metadata()
if META is None:
    say("FAIL", 0, "cargo metadata --no-deps", "cargo metadata failed: cargo commands cannot be checked")
    META = {}

def pg_versions():
    v = {"15"}
    for l in open(os.path.join(ROOT, "scripts/pg-versions")):
        l = l.strip()
        if l and not l.startswith("#"):
            v.add(l.split()[0])
    return v

def pinned_pgrx():
    m = re.search(r'PGRX_VERSION="([^"]+)"', open(os.path.join(ROOT, "scripts/setup.sh")).read())
    return m.group(1) if m else None

def read_in_repo(name):
    """Is environment variable `name` read anywhere in the repository (not counting the README)?"""
    def look():
        rc, _ = run(["git", "grep", "-q", "-w", "-F", name, "--", ".", ":!README.md", ":!tests/readme_commands.sh"])
        if rc not in (0, 1):   # not a git checkout: grep the files
            rc, _ = run(["grep", "-rqwF", "--exclude=README.md", "--exclude=readme_commands.sh",
                         "--exclude-dir=target", "--exclude-dir=.git", name, "."])
        return rc == 0
    return cached(("env", name), look)

def help_text(cmd):
    return cached(tuple(cmd), lambda: run(cmd + ["--help"], timeout=20))

def option_in_help(opt, help_out):
    opt = opt.split("=", 1)[0]
    if opt.startswith("--"):
        return re.search(re.escape(opt) + r"(?![\w-])", help_out) is not None
    return re.search(r"(^|[\s,\[])" + re.escape(opt[:2]) + r"(?![\w-])", help_out, re.M) is not None

def options(args):
    return [a for a in args if re.match(r"^--?[A-Za-z]", a)]

# ------------------------------------------------------------------ shell parsing
def split_comment(line):
    q = None
    for k, c in enumerate(line):
        if q:
            if c == q: q = None
            elif c == "\\" and q == '"': pass
        elif c in "'\"": q = c
        elif c == "#" and (k == 0 or line[k - 1].isspace()):
            return line[:k], line[k + 1:]
    return line, ""

def simple_commands(code):
    lex = shlex.shlex(code, posix=True, punctuation_chars=";&|")
    lex.whitespace_split = True
    lex.commenters = ""
    cmds, cur = [], []
    for tok in lex:
        if tok in ("&&", "||", ";", "|", "&"):
            cmds.append(cur); cur = []
        else:
            cur.append(tok)
    cmds.append(cur)
    return [c for c in cmds if c]

def env_prefix(argv):
    env = {}
    while argv and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", argv[0]):
        k, v = argv[0].split("=", 1); env[k] = v; argv = argv[1:]
    return env, argv

def check_env(line, env, what):
    ok = True
    for k, v in env.items():
        if k == "AGENTTRACE_PG" and v not in pg_versions():
            say("FAIL", line, what, f"AGENTTRACE_PG={v}: not 15 and not in scripts/pg-versions"); ok = False
        elif k == "AGENTTRACE_TEST_PG" and not set(v.split()) <= pg_versions():
            say("FAIL", line, what, f"AGENTTRACE_TEST_PG={v}: {sorted(set(v.split()) - pg_versions())} not in scripts/pg-versions"); ok = False
        elif not k.startswith("OTEL_") and not read_in_repo(k):
            say("FAIL", line, what, f"environment variable {k} is read nowhere in the repository"); ok = False
    return ok

# ------------------------------------------------------------------ scripts
# args: "none"       takes no arguments (a given one would be silently ignored)
#       "flags"      only the --options that the script compares $1 against
#       "dispatch"   $1 is a label of its `case "${1:-...}" in` block; later --options literal in it
#       "positional" free positional arguments (versions, a pg_config path); --options literal
SCRIPTS = {
    "scripts/run.sh": ("none", "never run: sets up, then serves the ingress in the foreground"),
    "scripts/test.sh": ("flags", "never run: runs every test, or with --quick the formatting, clippy and unit tests (this check is one of its stages)"),
    "scripts/setup.sh": ("flags", "never run: installs packages, builds and starts the cluster"),
    "scripts/db.sh": ("dispatch", "never run: start/stop change the shared cluster, reset-db deletes data"),
    "scripts/citus.sh": ("dispatch", "never run: starts or stops a 3-node cluster"),
    "scripts/install-citus.sh": ("positional", "never run: builds Citus (minutes)"),
    "scripts/install-pg.sh": ("positional", "never run: downloads PostgreSQL wheels"),
    "scripts/install-release.sh": ("positional", "never run: builds released versions"),
    "scripts/install-timescaledb.sh": ("positional", "never run: builds TimescaleDB"),
    "tests/setup_rerun.sh": ("none", "never run: re-runs the set-up (a scripts/test.sh stage)"),
}

def dispatch_labels(src):
    m = re.search(r'^case "\$\{1:-?[^}]*\}" in\n(.*?)^esac', src, re.M | re.S)
    if not m:
        return None
    labels = set()
    for l in re.findall(r"^  ([a-z][a-z0-9|-]*)\)", m.group(1), re.M):
        labels.update(l.split("|"))
    return labels

def check_script(line, what, cwd, env, argv):
    path = os.path.normpath(os.path.join(cwd, argv[0]))
    rel = os.path.relpath(path, ROOT)
    if not os.path.isfile(path):
        return say("FAIL", line, what, f"{rel} does not exist")
    if not os.access(path, os.X_OK):
        return say("FAIL", line, what, f"{rel} is not executable")
    rc, out = run(["bash", "-n", path])
    if rc != 0:
        return say("FAIL", line, what, f"bash -n {rel}: {out.strip()[:200]}")
    if not check_env(line, env, what):
        return
    src = open(path).read()
    args = [a.strip("[]") for a in argv[1:]]
    kind, why = SCRIPTS.get(rel, ("positional", "no rule for this script: existence, syntax, --options"))
    lit = lambda o: re.search(r"(?<![\w-])" + re.escape(o) + r"(?![\w-])", src) is not None
    if kind == "none" and args:
        return say("FAIL", line, what, f"{rel} takes no arguments; {args} would be ignored")
    if kind == "flags":
        bad = [a for a in args if not (a.startswith("--") and lit(a))]
        if bad:
            return say("FAIL", line, what, f"{rel} does not accept {bad}")
    if kind == "dispatch" and args:
        labels = dispatch_labels(src) or set()
        alts = args[0].split("|")
        bad = [a for a in alts if a not in labels]
        if bad:
            return say("FAIL", line, what, f"{rel}: no subcommand {bad} (has {sorted(labels)})")
        if alts == ["psql"]:
            check_pg_tool(line, what, ["psql"] + args[1:])
            return
        bad = [a for a in options(args[1:]) if not lit(a)]
        if bad:
            return say("FAIL", line, what, f"{rel} {args[0]} does not accept {bad}")
    if kind == "positional":
        bad = [a for a in options(args) if not lit(a)]
        if bad:
            return say("FAIL", line, what, f"{rel} does not accept {bad}")
    say("ok", line, what, f"exists, executable, parses, arguments accepted ({why})")

# ------------------------------------------------------------------ cargo
def pkg_for_cwd(cwd):
    for name, p in META.items():
        if os.path.abspath(cwd) == p["dir"]:
            return name
    return None

def feature_list(args):
    out, k = [], 0
    while k < len(args):
        a = args[k]
        if a in ("--features", "-F") and k + 1 < len(args):
            out += re.split(r"[\s,]+", args[k + 1].strip()); k += 1
        elif a.startswith("--features="):
            out += re.split(r"[\s,]+", a.split("=", 1)[1])
        k += 1
    return [f for f in out if f]

def arg_value(args, *names):
    for k, a in enumerate(args):
        if a in names and k + 1 < len(args):
            return args[k + 1]
        for n in names:
            if n.startswith("--") and a.startswith(n + "="):
                return a.split("=", 1)[1]
    return None

def check_cargo(line, what, cwd, env, argv):
    if not check_env(line, env, what):
        return
    if not shutil.which("cargo"):
        return say("FAIL", line, what, "cargo is not on PATH")
    args = argv[1:]
    sub = args[0] if args else ""
    if sub == "pgrx":
        return check_cargo_pgrx(line, what, cwd, args[1:])
    prog_args = []
    if "--" in args:
        k = args.index("--"); args, prog_args = args[:k], args[k + 1:]
    prog_args = [a.strip("[]") for a in prog_args]
    rc, h = help_text(["cargo", sub])
    if rc != 0:
        return say("FAIL", line, what, f"cargo {sub}: not a cargo command")
    bad = [o for o in options(args[1:]) if not option_in_help(o, h)]
    if bad:
        return say("FAIL", line, what, f"cargo {sub} has no option {bad}")
    if sub == "install":
        return check_cargo_install(line, what, args[1:])
    pkg = arg_value(args, "-p", "--package") or pkg_for_cwd(cwd)
    if pkg and pkg not in META:
        return say("FAIL", line, what, f"no workspace package {pkg}")
    feats = [f for f in feature_list(args) if pkg and "/" not in f and f not in META[pkg]["features"]]
    if feats:
        return say("FAIL", line, what, f"package {pkg} has no feature {feats}")
    detail = f"package {pkg} exists" if pkg else "workspace command"
    if sub == "run":
        if not pkg:
            return say("FAIL", line, what, "cargo run at the workspace root needs -p")
        p = META[pkg]
        b = arg_value(args, "--bin")
        if b is None:
            if p["default_run"]:
                b = p["default_run"]
            elif len(p["bins"]) == 1:
                b = next(iter(p["bins"]))
            else:
                return say("FAIL", line, what, f"{pkg} has {len(p['bins'])} binaries and no default-run: "
                                               "cargo run could not determine which binary to run")
            if b not in p["bins"]:
                return say("FAIL", line, what, f"default-run {b} is not a binary of {pkg}")
            detail += f", cargo run resolves to binary {b}"
        elif b not in p["bins"]:
            return say("FAIL", line, what, f"{pkg} has no binary {b} (has {sorted(p['bins'])})")
        else:
            detail += f", binary {b} exists"
        cargo_runs.append((line, b, p["bins"][b]))
        msg = check_program_options(b, p["bins"][b], prog_args)
        if msg and msg.startswith("FAIL:"):
            return say("FAIL", line, what, msg[5:].strip())
        if msg:
            detail += "; " + msg
    say("ok", line, what, detail + "; options accepted (not run: builds)")

cargo_runs = []   # (line, binary, source) of every `cargo run` seen, for option fragments after it

def check_program_options(bin_name, src_path, prog_args):
    """Options given to a workspace binary: its --help when built, else the literals in its source."""
    opts = options(prog_args)
    exe = os.path.join(ROOT, "target/release", bin_name)
    src = open(src_path).read()
    clap = "clap::" in src or "derive(Parser" in src
    if clap:
        if not os.access(exe, os.X_OK):
            found = [(o, option_known(bin_name, o)) for o in opts]
            bad = [o for o, (ok, _) in found if not ok]
            if bad:
                return f"FAIL: {bin_name} has no option {bad} (not built: its clap source)"
            return f"not built: {opts} in its clap source" if opts else "not built (no options to check)"
        rc, h = help_text([exe])
        if rc != 0:
            return f"FAIL: target/release/{bin_name} --help exited {rc}: {h.strip()[:200]}"
        bad = [o for o in opts if not option_in_help(o, h)]
        return f"FAIL: {bin_name} --help lists no {bad}" if bad else f"{bin_name} --help lists {opts or 'its options'}"
    bad = [o for o in opts if not re.search(r'"' + re.escape(o.split("=")[0]) + r'"', src)]
    if bad:
        return f"FAIL: {bin_name} ({os.path.relpath(src_path, ROOT)}) reads no option {bad} (it ignores unknown options)"
    return f"{opts} read by {os.path.relpath(src_path, ROOT)}" if opts else ""

def check_cargo_install(line, what, args):
    crate = next((a for a in args if not a.startswith("-") and args[args.index(a) - 1] not in ("--version", "--config")), None)
    ver = arg_value(args, "--version")
    notes = []
    if crate == "cargo-pgrx":
        pin = pinned_pgrx()
        dep = open(os.path.join(ROOT, "pg_agenttrace/Cargo.toml")).read()
        if ver != pin or f'pgrx = "={ver}"' not in dep:
            m = re.search(r'pgrx = "[^"]+"', dep)
            return say("FAIL", line, what, f"--version {ver}, but scripts/setup.sh pins {pin} and "
                                           f"pg_agenttrace/Cargo.toml has {m.group(0) if m else 'no pgrx'}")
        notes.append(f"version {ver} = the pinned pgrx")
    cfg = arg_value(args, "--config")
    if cfg:
        for pth in re.findall(r'path=\\?"?([^"\\]+)', cfg):
            pth = pth.replace("$PWD", ROOT).replace("${PWD}", ROOT)
            if not os.path.isdir(pth):
                return say("FAIL", line, what, f"--config names {pth}, which does not exist (run from the repository root)")
            notes.append(f"patch path {os.path.relpath(pth, ROOT)} exists")
    say("ok", line, what, ", ".join(notes + ["options accepted (not run: installs)"]))

def check_cargo_pgrx(line, what, cwd, args):
    rc, out = cached(("pgrxv",), lambda: run(["cargo", "pgrx", "--version"]))
    if rc != 0:
        return say("skip", line, what, "cargo-pgrx is not installed here (the README's previous line installs it)")
    pin = pinned_pgrx()
    if pin and pin not in out:
        return say("FAIL", line, what, f"installed {out.strip()}, pinned {pin}")
    sub = args[0] if args else ""
    rc, h = help_text(["cargo", "pgrx", sub])
    if rc != 0:
        return say("FAIL", line, what, f"cargo pgrx {sub}: no such subcommand")
    bad = [o for o in options(args[1:]) if not option_in_help(o, h)]
    if bad:
        return say("FAIL", line, what, f"cargo pgrx {sub} has no option {bad}")
    notes = []
    if sub != "init":
        pkg = arg_value(args, "-p", "--package") or pkg_for_cwd(cwd)
        if pkg is None:   # cargo-pgrx auto-detects the one pgrx cdylib of a virtual workspace
            ext = [n for n, p in META.items() if p["pgrx_ext"]]
            if len(ext) != 1:
                return say("FAIL", line, what, f"run outside a package, cargo-pgrx needs exactly one pgrx extension crate, found {ext}")
            pkg = ext[0]; notes.append(f"auto-detects package {pkg}")
        else:
            notes.append(f"package {pkg}")
        bad = [f for f in feature_list(args) if f not in META.get(pkg, {}).get("features", ())]
        if bad:
            return say("FAIL", line, what, f"package {pkg} has no feature {bad}")
    for a in args:
        if a.startswith("/") and a.endswith("pg_config") and not os.path.exists(a):
            notes.append(f"{a} is not on this machine (the reader's PostgreSQL)")
    say("ok", line, what, ", ".join(notes + [f"options in `cargo pgrx {sub} --help` (not run: builds)"]))

# ------------------------------------------------------------------ PostgreSQL client tools
def check_pg_tool(line, what, argv):
    tool = argv[0]
    if not shutil.which(tool):
        return say("FAIL", line, what, f"{tool} is not on PATH")
    rc, h = help_text([tool])
    bad = [o for o in options(argv[1:]) if not option_in_help(o, h)]
    if bad:
        return say("FAIL", line, what, f"{tool} has no option {bad}")
    say("ok", line, what, f"{tool} on PATH, options in its --help (not run: placeholder database)")
    if tool == "psql":
        for k, a in enumerate(argv):
            if a in ("-c", "--command") and k + 1 < len(argv):
                check_sql(line, argv[k + 1])

# ------------------------------------------------------------------ docker
def check_docker(line, what, argv):
    df = os.path.join(ROOT, "Dockerfile")
    if not os.path.isfile(df):
        return say("FAIL", line, what, "no Dockerfile")
    src = open(df).read()
    stages = set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", src, re.M | re.I))
    argsdecl = set(re.findall(r"^ARG\s+([A-Za-z_]+)", src, re.M))
    bad = []
    for k, a in enumerate(argv):
        if a == "--target" and k + 1 < len(argv) and argv[k + 1] not in stages:
            bad.append(f"stage {argv[k + 1]}")
        if a == "--build-arg" and k + 1 < len(argv) and argv[k + 1].split("=")[0] not in argsdecl:
            bad.append(f"ARG {argv[k + 1].split('=')[0]}")
    if bad:
        return say("FAIL", line, what, f"Dockerfile has no {bad}")
    say("ok", line, what, "Dockerfile has the stages/ARGs named (docker is not usable here: not built)")

# ------------------------------------------------------------------ dispatch of one shell line
_cwd = [ROOT]
def check_shell(line, code, comment=""):
    try:
        cmds = simple_commands(code)
    except ValueError as e:
        return say("FAIL", line, code, f"shell syntax: {e}")
    _cwd[0] = ROOT   # every README line is run from the repository root
    for argv in cmds:
        what = " ".join(argv)
        env, argv = env_prefix(argv)
        if not argv:
            if check_env(line, env, what):
                say("ok", line, what, "environment setting")
            continue
        c = argv[0]
        if c == "export":
            if all(re.match(r"^[A-Za-z_]\w*=", a) for a in argv[1:]):
                say("ok", line, what, "exports for the OpenTelemetry SDK (not read by this repository): syntax only")
            else:
                say("FAIL", line, what, "not NAME=value")
        elif c == "cd":
            d = os.path.join(_cwd[0], argv[1]) if len(argv) > 1 else os.environ.get("HOME", "/")
            if os.path.isdir(d):
                _cwd[0] = d; say("ok", line, what, "directory exists")
            else:
                say("FAIL", line, what, f"no directory {os.path.relpath(d, ROOT)}")
        elif c.startswith(("scripts/", "tests/", "./")):
            check_script(line, what, _cwd[0], env, argv)
        elif c == "cargo":
            check_cargo(line, what, _cwd[0], env, argv)
        elif c.startswith("target/"):
            b = os.path.basename(c)
            owner = [n for n, p in META.items() if b in p["bins"]]
            if not owner:
                say("FAIL", line, what, f"{b} is not a binary of any workspace package")
            elif check_env(line, env, what):
                opts = argv[1:] + re.findall(r"(?<![\w-])--[a-z][a-z-]*", comment)
                msg = check_program_options(b, META[owner[0]]["bins"][b], opts)
                if msg.startswith("FAIL:"):
                    say("FAIL", line, what, msg[5:].strip())
                else:
                    say("ok", line, what, f"binary of {owner[0]}; {msg} (not run: serves)")
        elif c in ("psql", "pg_dump", "pg_restore", "createdb"):
            if check_env(line, env, what):
                check_pg_tool(line, what, argv)
        elif c == "docker":
            check_docker(line, what, argv)
        elif shutil.which(c):
            say("ok", line, what, f"{c} is on PATH (not run)")
        else:
            say("FAIL", line, what, f"{c}: no such command or repository script")

# ------------------------------------------------------------------ SQL
EXPLAIN_ONLY = re.compile(r"\b(classify_pending|renormalize|apply_retention|enable_timescaledb|distribute|"
                          r"timescaledb_pre_restore|timescaledb_post_restore)\s*\(")
_runid = []
def run_id():
    if not _runid:
        rid = os.environ.get("AGENTTRACE_README_RUN_ID")
        if not rid and DB:
            rc, out = psql("SELECT run_id FROM agenttrace.run_summaries WHERE span_count BETWEEN 5 AND 300 "
                           "ORDER BY agent_count DESC, span_count DESC, run_id LIMIT 1", quiet_out=False)
            rid = out.strip() if rc == 0 and re.match(r"^[0-9a-f-]{32,36}$", out.strip()) else None
        _runid.append(rid)
    return _runid[0]

def corpus_capture():
    for d in (os.environ.get("AGENTTRACE_CORPUS"), os.path.join(ROOT, "../shared/otlp-corpus"), "/work/shared/otlp-corpus"):
        if d and os.path.isdir(d):
            f = sorted(glob.glob(os.path.join(d, "*/0001.v1_traces.bin")))
            if f:
                return os.path.abspath(f[0])
    return None

def psql(sql, quiet_out=True):
    rc, out = run(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose", "-d", DB],
                  input=sql, timeout=60)
    return rc, out

def db_is_local():
    return re.search(r"@(127\.0\.0\.1|localhost)[:/]|host=(127\.0\.0\.1|localhost|/)", DB or "") is not None

def sql_statements(lines):
    """(line, statement) pairs: -- comments removed, split at ; outside quotes."""
    out, cur, start = [], "", None
    for ln, l in lines:
        q, k, code = None, 0, ""
        while k < len(l):
            c = l[k]
            if q:
                if c == q: q = None
            elif c == "'": q = c
            elif l.startswith("--", k):
                break
            if c == ";" and not q:
                cur += code + ";"; code = ""
                if cur.strip(" ;"):
                    out.append((start or ln, cur.strip()))
                cur, start = "", None
                k += 1; continue
            code += c; k += 1
        if code.strip():
            start = start or ln
            cur += code + "\n"
    if cur.strip():
        out.append((start, cur.strip()))
    return out

def check_sql(line, stmt):
    s = stmt.strip().rstrip(";").strip()
    what = s
    kw = s.split()[0].upper() if s else ""
    if kw in ("CREATE", "ALTER", "GRANT", "REVOKE", "DROP", "COPY"):
        return say("skip", line, what, "DDL: not run against a shared database (fresh test databases and tests/tests/upgrade.rs run it)")
    bare = re.search(r"agenttrace\.\w+\(\s*([a-z_]+)\s*[,)]", s)
    if bare and bare.group(1) not in ("now", "true", "false", "null"):
        return say("skip", line, what, f"`{bare.group(1)}` is a placeholder")
    needs_run = bool(re.search(r"'<[^'>]+>'|'(\.\.\.|…)'", s))
    s = re.sub(r"'<[^'>]+>'|'(\.\.\.|…)'", "'@RUN@'", s)
    s = s.replace("[...]", "[]")
    if "/path/" in s:
        cap = corpus_capture() if db_is_local() else None
        if not cap:
            return say("skip", line, what, "'/path/...' placeholder: no corpus capture the database server can read")
        s = re.sub(r"'/path/[^']*'", "'" + cap.replace("'", "''") + "'", s)
    if "..." in s or "…" in s:
        return say("skip", line, what, "contains a ... placeholder")
    if not DB:
        return say("skip", line, what, "no database given")
    if needs_run:
        rid = run_id()
        if not rid:
            return say("skip", line, what, "no run in agenttrace.run_summaries to fill the run id with")
        s = s.replace("@RUN@", rid)
    limits = "SET LOCAL statement_timeout = '20s'; SET LOCAL lock_timeout = '3s';\n"
    if kw in ("UPDATE", "INSERT", "DELETE") or EXPLAIN_ONLY.search(s):
        rc, out = psql(f"BEGIN READ ONLY;\n{limits}EXPLAIN {s};\nROLLBACK;\n")
        how = "EXPLAINed only (resolved, not executed)"
    else:
        rc, out = psql(f"BEGIN READ ONLY;\n{limits}{s};\nROLLBACK;\n")
        how = "ran read-only, rolled back"
        if rc != 0 and "25006" in out:
            rc, out = psql(f"BEGIN;\n{limits}{s};\nROLLBACK;\n")
            how = "ran (it writes), rolled back"
    if rc != 0:
        err = next((l for l in out.splitlines() if "ERROR" in l), out.strip()[:200])
        return say("FAIL", line, what, err.strip()[:300])
    say("ok", line, what, how + (" with run " + run_id() if needs_run else ""))

# Options and variables named alone in prose and tables (`--pool-size`, `AGENTTRACE_POOL_SIZE`):
# an option belongs to the clap binary (agenttrace-ingress, agenttrace-judge) the README named
# last before it; it must be in that binary's --help when built, else a field or literal of its
# package's source. A variable must be read by the repository (`_BYTES` after
# `AGENTTRACE_BATCH_MAX_BODIES` on the same line abbreviates AGENTTRACE_BATCH_MAX_BYTES).
CLAP = {b: (n, src) for n, p in META.items() for b, src in p["bins"].items()
        if "clap::" in open(src).read() or "derive(Parser" in open(src).read()}
mentions = sorted((k + 1, b) for k, l in enumerate(text) for b in CLAP
                  if re.search(r"(?<![\w-])" + re.escape(b) + r"(?![\w-])", l))

def option_known(b, opt):
    exe = os.path.join(ROOT, "target/release", b)
    if os.access(exe, os.X_OK):
        rc, h = help_text([exe])
        return option_in_help(opt, h), f"in {b} --help"
    # not built: the clap structs (files with #[arg]/derive(Parser)) of the modules the binary uses
    pkg_dir = META[CLAP[b][0]]["dir"]
    mods = re.findall(r"^use \w+::(\w+)", open(CLAP[b][1]).read(), re.M)
    field = opt[2:].replace("-", "_")
    for f in glob.glob(os.path.join(pkg_dir, "src/**/*.rs"), recursive=True):
        src = open(f).read()
        relf = os.path.relpath(f, os.path.join(pkg_dir, "src"))
        if not (re.search(r"derive\([^)]*Parser|#\[arg\(", src) and relf.split("/")[0].removesuffix(".rs") in mods):
            continue
        if re.search(r"\b" + field + r"\b\s*:", src) or f'"{opt[2:]}"' in src or f'"{opt}"' in src:
            return True, f"in {os.path.relpath(f, ROOT)} ({b} not built)"
    return False, f"neither in {b} --help nor in its source"

# ------------------------------------------------------------------ the checks
for lang, start, body in blocks:
    if lang in ("sh", "bash", "shell", "console"):
        k = 0
        while k < len(body):
            ln, code = body[k]
            # continuation lines
            while code.rstrip().endswith("\\") and k + 1 < len(body):
                k += 1; code = code.rstrip()[:-1] + " " + body[k][1]
            k += 1
            code, comment = split_comment(code)
            if code.strip():
                check_shell(ln, code.strip(), comment)
    elif lang == "sql":
        for ln, st in sql_statements(body):
            check_sql(ln, st)
    elif lang == "python":
        try:
            compile("\n".join(t for _, t in body), README, "exec")
            say("ok", start, "```python block", "compiles (syntax only; not run: needs the SDK)")
        except SyntaxError as e:
            say("FAIL", start + (e.lineno or 0), "```python block", str(e))
    elif lang == "js":
        if shutil.which("node"):
            with tempfile.NamedTemporaryFile("w", suffix=".mjs", delete=False) as f:
                f.write("\n".join(t for _, t in body) + "\n")
            rc, out = run(["node", "--check", f.name]); os.unlink(f.name)
            say("ok" if rc == 0 else "FAIL", start, "```js block", "node --check: syntax only" if rc == 0 else out.strip()[:200])
        else:
            say("skip", start, "```js block", "node is not installed (syntax not checked)")
    else:
        say("skip", start, f"```{lang} block", "not a command block")

def check_lone_option(ln, code):
    owner = [b for l, b in mentions if l <= ln]
    if not owner:
        return
    ok, where = option_known(owner[-1], code)
    say("ok" if ok else "FAIL", ln, f"{code} ({owner[-1]})", where if ok else f"{owner[-1]} has no option {code} ({where})")

last_var = {}
def check_lone_var(ln, code):
    if code.startswith("_"):
        full = last_var.get(ln)
        if not full:
            return
        cands = [full.rsplit("_", 1)[0] + code, full + code]
    else:
        last_var[ln] = code; cands = [code]
    hit = next((c for c in cands if read_in_repo(c)), None)
    say("ok" if hit else "FAIL", ln, code, f"{hit} is read by the repository" if hit else f"none of {cands} is read anywhere in the repository")

TOP = {e for e in os.listdir(ROOT) if not e.startswith(".")} - {"target"}
for ln, code in inline:
    if re.match(r"^--[a-z][a-z-]*$", code):
        check_lone_option(ln, code); continue
    if re.match(r"^(AGENTTRACE_[A-Z0-9_]+|_[A-Z][A-Z0-9_]*)$", code):
        check_lone_var(ln, code); continue
    if re.match(r"^--[a-z][a-z-]* ", code) and not code.startswith("--bin ") and "NN" not in code:
        # option fragments: `--target ingress` (docker), `--no-default-features --features pg16`
        # (the extension's build), `--spans 20000 --batch 64` (the `cargo run` shown before them)
        toks = code.split()
        if toks[0] == "--target":
            check_docker(ln, code, toks); continue
        if "--features" in toks:
            ext = [n for n, p in META.items() if p["pgrx_ext"]]
            bad = [f for f in feature_list(toks) if not ext or f not in META[ext[0]]["features"]]
            say("FAIL" if bad else "ok", ln, code, f"{ext} has no feature {bad}" if bad else f"features of {ext[0]}")
            continue
        prev = sorted(r for r in cargo_runs if r[0] <= ln)
        if prev:
            msg = check_program_options(prev[-1][1], prev[-1][2], toks)
            if msg.startswith("FAIL:"):
                say("FAIL", ln, code, msg[5:].strip())
            else:
                say("ok", ln, code, f"options of {prev[-1][1]} (the cargo run on line {prev[-1][0]}): {msg}")
        continue
    first = code.split()[0] if code.split() else ""
    if re.match(r"^((SELECT|WITH) .*(\bFROM\b|agenttrace\.)|UPDATE \S+ SET |SET [\w.]+ (=|TO) )", code) \
            and ";" not in code.rstrip(";"):   # inline SQL statements (not words like `SET` in prose)
        check_sql(ln, code)
    elif first in ("cargo", "docker") or (first.startswith("scripts/") and " " in code) \
            or re.match(r"^[A-Z_]+=\S+ (scripts/|cargo )", code):
        if "<" in code or "NN" in code:
            say("skip", ln, code, "placeholder in the command")
        elif "|" in code and first.startswith("scripts/"):   # `scripts/db.sh start|stop|...`: alternatives
            check_script(ln, code, ROOT, {}, code.split())
        else:
            check_shell(ln, code)
    elif first == "--bin" and len(code.split()) == 2:
        b = code.split()[1]
        owner = [n for n, p in META.items() if b in p["bins"]]
        say("ok" if owner else "FAIL", ln, code, f"binary of {owner[0]}" if owner else f"no workspace binary {b}")
    elif re.match(r"^(AGENTTRACE_\w+)=\S*$", code) and "NN" not in code:
        name = code.split("=")[0]
        say("ok" if read_in_repo(name) else "FAIL", ln, code,
            "read by the repository" if read_in_repo(name) else f"{name} is read nowhere in the repository")
    elif re.match(r"^[\w.-]+/[\w./*-]*$", code) and code.split("/")[0] in TOP:
        if glob.glob(os.path.join(ROOT, code)):
            say("ok", ln, code, "path exists")
        else:
            say("FAIL", ln, code, "no such path in the repository")

print(f"{'FAILED' if failures else 'passed'}: {failures} failure(s), {time.time() - T0:.1f} s"
      + ("" if DB else " (SQL not executed: no database)"))
sys.exit(1 if failures else 0)
PY
