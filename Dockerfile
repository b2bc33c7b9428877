# syntax=docker/dockerfile:1
# pg_agenttrace images. Two targets:
#   docker build --target db      -t pg_agenttrace-db .       PostgreSQL 15 + TimescaleDB + pg_agenttrace
#   docker build --target ingress -t pg_agenttrace-ingress .  the OTLP receiver (HTTP :4318, gRPC :4317)
# Build argument PG_MAJOR (default 15) picks the PostgreSQL version of the db image:
#   docker build --target db --build-arg PG_MAJOR=17 -t pg_agenttrace-db:pg17 .
#   15      Debian bookworm's postgresql-15 (the default)
#   16, 17  the PostgreSQL project's apt repository (apt.postgresql.org, set up with the script
#           Debian's postgresql-common ships), with TimescaleDB
#   18      the same, without TimescaleDB (2.19 supports 14-17): pg_agenttrace runs on plain tables
# These are the versions scripts/test.sh tests (README: "Tested PostgreSQL versions").
# Everything else comes from Debian's and crates.io's package registries; TimescaleDB is built from
# Debian trixie's source package exactly as scripts/setup.sh does on a bare machine.

ARG DEBIAN=bookworm
ARG PG_MAJOR=15

# ---------------------------------------------------------------- build
FROM rust:1.95-bookworm AS build
ARG PG_MAJOR
COPY docker/install-postgresql.sh /usr/local/bin/install-postgresql.sh
RUN install-postgresql.sh "$PG_MAJOR" postgresql-server-dev-$PG_MAJOR libclang-dev clang \
        cmake build-essential pkg-config libssl-dev protobuf-compiler ca-certificates xz-utils
ENV PG_CONFIG=/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config
COPY scripts/install-timescaledb.sh /usr/local/bin/install-timescaledb.sh
RUN mkdir -p /out/tsdb/lib /out/tsdb/ext \
 && if [ "$PG_MAJOR" -le 17 ]; then \
      TSDB_WORKDIR=/tmp/tsdb install-timescaledb.sh "$PG_CONFIG" \
      && cp /usr/lib/postgresql/$PG_MAJOR/lib/timescaledb*.so /out/tsdb/lib/ \
      && cp /usr/share/postgresql/$PG_MAJOR/extension/timescaledb* /out/tsdb/ext/; \
    fi
# cargo-pgrx with the vendored SQL generator: the same sources give the same install script (vendor/README.md)
COPY vendor/pgrx-sql-entity-graph /opt/pgrx-sql-entity-graph
RUN cargo install cargo-pgrx --version 0.18.0 --locked \
      --config 'patch.crates-io.pgrx-sql-entity-graph.path="/opt/pgrx-sql-entity-graph"' \
 && cargo pgrx init --pg$PG_MAJOR "$PG_CONFIG"
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY core core
COPY pg_agenttrace pg_agenttrace
COPY ingress ingress
COPY tests tests
COPY bench bench
COPY sql sql
RUN cd pg_agenttrace && cargo pgrx package --no-default-features --features pg$PG_MAJOR --pg-config "$PG_CONFIG" --out-dir /out/ext
RUN cargo build --release -p agenttrace-ingress && cp target/release/agenttrace-ingress /out/agenttrace-ingress

# ---------------------------------------------------------------- db
FROM debian:${DEBIAN}-slim AS db
ARG PG_MAJOR
COPY docker/install-postgresql.sh /usr/local/bin/install-postgresql.sh
RUN install-postgresql.sh "$PG_MAJOR" ca-certificates
COPY --from=build /out/tsdb/lib/ /usr/lib/postgresql/${PG_MAJOR}/lib/
COPY --from=build /out/tsdb/ext/ /usr/share/postgresql/${PG_MAJOR}/extension/
COPY --from=build /out/ext/ /
COPY docker/db-entrypoint.sh /usr/local/bin/db-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data \
    POSTGRES_DB=agenttrace \
    PG_MAJOR=${PG_MAJOR}
RUN mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA"
VOLUME /var/lib/postgresql/data
EXPOSE 5432
USER postgres
ENTRYPOINT ["/usr/local/bin/db-entrypoint.sh"]

# ---------------------------------------------------------------- ingress
FROM debian:${DEBIAN}-slim AS ingress
RUN apt-get update -q && apt-get install -y -q --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/agenttrace-ingress /usr/local/bin/agenttrace-ingress
ENV AGENTTRACE_HTTP_ADDR=0.0.0.0:4318 \
    AGENTTRACE_GRPC_ADDR=0.0.0.0:4317
EXPOSE 4318 4317
USER nobody
ENTRYPOINT ["/usr/local/bin/agenttrace-ingress"]
