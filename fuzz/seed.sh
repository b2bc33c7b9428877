#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the captured OTLP bodies in shared/otlp-corpus
# (*.bin raw request bodies, gzip ones included; *.otlp.json the same requests as OTLP/JSON).
# Each capture is split into one small request per span (split_seeds.py): libFuzzer mutates
# 1-10 KB inputs far faster and deeper than 100 KB ones (runs use -max_len=16384).
# Usage: fuzz/seed.sh [CORPUS_DIR]   (default: $OTLP_CORPUS, else shared/otlp-corpus beside the repo)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="${1:-${OTLP_CORPUS:-$here/../../shared/otlp-corpus}}"
[ -d "$src" ] || src=/work/shared/otlp-corpus
if [ ! -d "$src" ]; then
    echo "seed.sh: no corpus at $src; targets start from an empty corpus" >&2
    exit 0
fi
c="$here/corpus"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mapfile -d '' bins < <(find "$src" -name '*.bin' -print0 | sort -z)
mapfile -d '' jsons < <(find "$src" -name '*.otlp.json' -print0 | sort -z)
python3 "$here/split_seeds.py" "$tmp/pb" pb_ "${bins[@]}" >/dev/null
python3 "$here/split_seeds.py" "$tmp/js" js_ "${jsons[@]}" >/dev/null
for t in decode_protobuf decode_protobuf_gzip decode_json normalize_decoded normalize_structured; do
    mkdir -p "$c/$t"
done
cp "$tmp"/pb/* "$c/decode_protobuf/"
cp "$tmp"/js/* "$c/decode_json/"
cp "$tmp"/pb/* "$tmp"/js/* "$c/normalize_decoded/"
# The structured target reads its bytes through `arbitrary`: any bytes are a valid start.
cp "$tmp"/pb/* "$c/normalize_structured/"
# decode_protobuf_gzip: first byte even = the harness gzips the rest, odd = the rest is a gzip body.
for f in "$tmp"/pb/*; do
    n="$(basename "$f")"
    { printf '\000'; cat "$f"; } > "$c/decode_protobuf_gzip/$n"
    { printf '\001'; gzip -c "$f"; } > "$c/decode_protobuf_gzip/$n.gz"
done
# Whole captured gzip bodies too (real exporter output, larger than -max_len: truncated in runs).
for f in "${bins[@]}"; do
    if [ "$(head -c2 "$f" | od -An -tx1 | tr -d ' \n')" = "1f8b" ]; then
        { printf '\001'; cat "$f"; } > "$c/decode_protobuf_gzip/full_$(basename "$(dirname "$f")")"
    fi
done
echo "seed.sh: $(find "$c" -type f | wc -l) corpus files from $src into $c"
