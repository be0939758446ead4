#!/usr/bin/env bash
# Fuzzes the byte-level HTTP/1 parsers with libFuzzer for a bounded time (default 60 s).
#   Fuzz/run.sh [SECONDS]
# Findings (crashing inputs) are written to Fuzz/findings/. Not part of `swift test` or CI.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
mkdir -p ../.build-fuzz && ln -sfn "$(cd .. && pwd)" ../.build-fuzz/portico
swift build -c debug --scratch-path ../.build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --product PorticoFuzzHTTP1
binary=$(swift build -c debug --scratch-path ../.build-fuzz --show-bin-path)/PorticoFuzzHTTP1
mkdir -p corpus findings
printf 'GET /a?b=c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc' > corpus/get
printf 'POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' > corpus/chunked
printf 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' > corpus/response
"$binary" -max_total_time="$seconds" -max_len=4096 -artifact_prefix=findings/ corpus
