# syntax=docker/dockerfile:1
# pg_agenttrace images. Two targets:
#   docker build --target db      -t pg_agenttrace-db .       PostgreSQL 15 + TimescaleDB + pg_agenttrace
#   docker build --target ingress -t pg_agenttrace-ingress .  the OTLP receiver (HTTP :4318, gRPC :4317)
# Everything comes from Debian's and crates.io's package registries; TimescaleDB is built from
# Debian trixie's source package exactly as scripts/setup.sh does on a bare machine.

ARG DEBIAN=bookworm

# ---------------------------------------------------------------- build
FROM rust:1.95-bookworm AS build
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends postgresql-15 postgresql-server-dev-15 libclang-dev clang \
        cmake build-essential pkg-config libssl-dev protobuf-compiler ca-certificates xz-utils \
 && rm -rf /var/lib/apt/lists/*
ENV PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
COPY scripts/install-timescaledb.sh /usr/local/bin/install-timescaledb.sh
RUN TSDB_WORKDIR=/tmp/tsdb install-timescaledb.sh "$PG_CONFIG" \
 && mkdir -p /out/tsdb/lib /out/tsdb/ext \
 && cp /usr/lib/postgresql/15/lib/timescaledb*.so /out/tsdb/lib/ \
 && cp /usr/share/postgresql/15/extension/timescaledb* /out/tsdb/ext/
# cargo-pgrx with the vendored SQL generator: the same sources give the same install script (vendor/README.md)
COPY vendor/pgrx-sql-entity-graph /opt/pgrx-sql-entity-graph
RUN cargo install cargo-pgrx --version 0.18.0 --locked \
      --config 'patch.crates-io.pgrx-sql-entity-graph.path="/opt/pgrx-sql-entity-graph"' \
 && cargo pgrx init --pg15 "$PG_CONFIG"
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY core core
COPY pg_agenttrace pg_agenttrace
COPY ingress ingress
COPY tests tests
COPY bench bench
COPY sql sql
RUN cd pg_agenttrace && cargo pgrx package --pg-config "$PG_CONFIG" --out-dir /out/ext
RUN cargo build --release -p agenttrace-ingress && cp target/release/agenttrace-ingress /out/agenttrace-ingress

# ---------------------------------------------------------------- db
FROM debian:${DEBIAN}-slim AS db
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends postgresql-15 postgresql-contrib ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/tsdb/lib/ /usr/lib/postgresql/15/lib/
COPY --from=build /out/tsdb/ext/ /usr/share/postgresql/15/extension/
COPY --from=build /out/ext/ /
COPY docker/db-entrypoint.sh /usr/local/bin/db-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data \
    POSTGRES_DB=agenttrace
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
