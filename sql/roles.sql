-- Least-privilege roles. Runs last in CREATE EXTENSION (finalize), when every function exists.
--   agenttrace_ingest  may only call the ingest entry points (and stage batches for them)
--   agenttrace_reader  may read tables/views and call the read-only analysis functions
--   agenttrace_admin   everything: settings, classification, renormalize, retention
-- Roles are NOLOGIN groups: GRANT them to your login roles. Nothing is granted to PUBLIC.
DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['agenttrace_ingest', 'agenttrace_reader', 'agenttrace_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$$;

REVOKE ALL ON SCHEMA agenttrace FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA agenttrace FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA agenttrace FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA agenttrace FROM PUBLIC;
GRANT USAGE ON SCHEMA agenttrace TO agenttrace_ingest, agenttrace_reader, agenttrace_admin;

-- Functions that write run as the extension owner with a pinned search_path, so a caller's
-- objects can never be picked up in their place.
DO $$
DECLARE f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.pronamespace = 'agenttrace'::regnamespace
                AND p.proname IN ('ingest', 'ingest_staged', 'ingest_logs') LOOP
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = agenttrace, pg_catalog, pg_temp', f);
    END LOOP;
END
$$;

-- ingest
GRANT EXECUTE ON FUNCTION agenttrace.ingest(bytea, text, text), agenttrace.ingest_logs(bytea, text, text), agenttrace.ingest_staged(bigint), agenttrace.version() TO agenttrace_ingest;
GRANT INSERT ON agenttrace.ingest_staging TO agenttrace_ingest;
GRANT USAGE ON SEQUENCE agenttrace.ingest_batch_id_seq TO agenttrace_ingest;

-- reader: every table and view (log_records included) except the raw staging area and dead-letter bodies
GRANT SELECT ON ALL TABLES IN SCHEMA agenttrace TO agenttrace_reader;
REVOKE SELECT ON agenttrace.ingest_staging, agenttrace.dead_letters FROM agenttrace_reader;
GRANT SELECT (dead_letter_id, received_at, content_type, content_encoding, body_bytes, error_message, sqlstate, signal)
    ON agenttrace.dead_letters TO agenttrace_reader;
-- and every function that does not write (writers are listed here; new writers must be too)
DO $$
DECLARE f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.pronamespace = 'agenttrace'::regnamespace
                AND p.prokind = 'f'
                AND p.proname NOT IN ('ingest', 'ingest_staged', 'ingest_logs', 'renormalize', 'enable_timescaledb',
                                      'classify', 'classify_pending', 'annotate', 'judge_record', 'judge_failed',
                                      'set_retention', 'apply_retention', 'distribute') LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO agenttrace_reader', f);
    END LOOP;
END
$$;

-- admin
GRANT agenttrace_reader, agenttrace_ingest TO agenttrace_admin;
GRANT ALL ON ALL TABLES IN SCHEMA agenttrace TO agenttrace_admin;
GRANT ALL ON ALL SEQUENCES IN SCHEMA agenttrace TO agenttrace_admin;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA agenttrace TO agenttrace_admin;
GRANT EXECUTE ON ALL PROCEDURES IN SCHEMA agenttrace TO agenttrace_admin;
