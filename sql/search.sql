-- Trace search: full-text (GIN over agenttrace.run_search.tsv) blended with trigram similarity
-- when pg_trgm is installed, and with vector similarity when pgvector and an `embedding`
-- column on agenttrace.run_search are present (embeddings computed outside the database).

DO $$
DECLARE trgm name := (SELECT extnamespace::regnamespace::name FROM pg_extension WHERE extname = 'pg_trgm');
BEGIN
    IF trgm IS NOT NULL THEN
        EXECUTE format('CREATE INDEX run_search_trgm_idx ON agenttrace.run_search USING gin (keywords %I.gin_trgm_ops)', trgm);
    END IF;
END
$$;

CREATE FUNCTION search_runs(query text, max_results integer DEFAULT 10, service text DEFAULT NULL,
                            min_score real DEFAULT 0, query_embedding real[] DEFAULT NULL)
RETURNS TABLE (run_id uuid, score real, snippet text, start_time timestamptz, service_name text,
               framework text, status text)
LANGUAGE plpgsql STABLE
SET search_path = agenttrace, pg_catalog, pg_temp
SET pg_trgm.word_similarity_threshold = 0.45
AS $fn$
DECLARE
    trgm name := (SELECT extnamespace::regnamespace::name FROM pg_extension WHERE extname = 'pg_trgm');
    vec name := (SELECT extnamespace::regnamespace::name FROM pg_extension WHERE extname = 'vector');
    has_embedding boolean := EXISTS (SELECT 1 FROM pg_attribute
                                      WHERE attrelid = 'agenttrace.run_search'::regclass AND attname = 'embedding' AND NOT attisdropped);
    text_score text := 'ts_rank_cd(s.tsv, q.tsq, 32)';
    text_match text := 's.tsv @@ q.tsq';
    sql text;
BEGIN
    IF coalesce(btrim(query), '') = '' AND query_embedding IS NULL THEN
        RAISE EXCEPTION 'search_runs: query must not be empty' USING ERRCODE = '22023';
    END IF;
    IF trgm IS NOT NULL THEN
        -- Typos and partial words: trigram word similarity of the query within the run's keywords
        -- (the <% operator uses the trigram index; threshold set on this function).
        text_score := format('(0.7 * ts_rank_cd(s.tsv, q.tsq, 32) + 0.3 * %I.word_similarity(q.raw, s.keywords))', trgm);
        text_match := format('(s.tsv @@ q.tsq OR q.raw OPERATOR(%I.<%%) s.keywords)', trgm);
        IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
            -- Citus runs the match on the workers, where this function's threshold is not set:
            -- the same test with the threshold written into the query.
            text_match := format('(s.tsv @@ q.tsq OR %I.word_similarity(q.raw, s.keywords) >= %s::real)',
                                 trgm, current_setting('pg_trgm.word_similarity_threshold')::real);
        END IF;
    END IF;
    IF query_embedding IS NOT NULL THEN
        IF vec IS NULL OR NOT has_embedding THEN
            RAISE EXCEPTION 'search_runs: query_embedding needs pgvector and an embedding column on agenttrace.run_search'
                USING ERRCODE = '0A000',
                      HINT = 'CREATE EXTENSION vector; ALTER TABLE agenttrace.run_search ADD COLUMN embedding vector(384); then fill it.';
        END IF;
        text_score := format('(0.5 * %s + 0.5 * (1 - (s.embedding OPERATOR(%I.<=>) $5::%I.vector)))', text_score, vec, vec);
        text_match := format('(%s OR s.embedding IS NOT NULL)', text_match);
    END IF;
    sql := format($q$
        WITH q AS (SELECT websearch_to_tsquery('english', translate(coalesce($1, ''), '._/:', '    ')) AS tsq, coalesce($1, '') AS raw),
        ranked AS (
            SELECT s.run_id, (%s)::real AS score, s.start_time, s.service_name, s.framework, s.document
              FROM agenttrace.run_search s, q
             WHERE %s AND ($3 IS NULL OR s.service_name = $3)
             ORDER BY 2 DESC, s.start_time DESC
             LIMIT greatest($2, 0))
        SELECT r.run_id, r.score,
               ts_headline('english', r.document, q.tsq, 'MaxFragments=2, MaxWords=18, MinWords=6, FragmentDelimiter=" … "'),
               r.start_time, r.service_name, r.framework, rs.status
          FROM ranked r CROSS JOIN q LEFT JOIN agenttrace.run_summaries rs ON rs.run_id = r.run_id
         WHERE r.score >= $4
         ORDER BY r.score DESC, r.start_time DESC$q$, text_score, text_match);
    RETURN QUERY EXECUTE sql USING query, max_results, service, min_score, query_embedding;
END
$fn$;
COMMENT ON FUNCTION search_runs(text, integer, text, real, real[]) IS
'Ranks runs for a query in plain words (web-search syntax: "quoted phrases", -exclusions, or) by full-text match over span, agent and tool names, errors and messages, blended with trigram word similarity when pg_trgm is installed (typos, partial words) and with cosine similarity when query_embedding is given and agenttrace.run_search has a pgvector `embedding` column. Returns run id, score, a highlighted snippet, time, service, framework and outcome. Example: SELECT * FROM agenttrace.search_runs(''search backend unreachable'', 5);';
