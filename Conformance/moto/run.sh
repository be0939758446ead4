#!/usr/bin/env bash
# Run moto 5.2.1's API Gateway test suites (apigateway, apigatewayv2,
# apigatewaymanagementapi) in moto "server mode" against a running endpoint
# (Portico, or moto_server itself for validating this runner).
#
# Usage:
#   Conformance/moto/run.sh [ENDPOINT] [extra pytest args, e.g. -k rest_api -x]
#
# ENDPOINT defaults to $PORTICO_ENDPOINT, then http://127.0.0.1:4566.
#
# Environment:
#   PORTICO_MOTO_DIR      cache dir for the moto sdist, venv and results
#                         (default $HOME/.cache/portico-moto). The moto tests are
#                         third-party code: they are never copied into the repo.
#   PORTICO_MOTO_SUITES   space-separated subset of suites to run
#                         (default: "apigateway apigatewayv2 apigatewaymanagementapi")
#   PORTICO_MOTO_TIMEOUT  overall time bound in seconds (default 900)
#   PORTICO_MOTO_TEST_TIMEOUT  per-test timeout in seconds (default 60)
#   PORTICO_MOTO_INPROCESS=1   also run tests/*/test_server.py, which exercise
#                         moto's own in-process Flask app and never touch ENDPOINT
#                         (excluded by default: they would pass regardless)
#   PORTICO_MOTO_TRACE=FILE    write one JSON line per botocore call made by the
#                         tests (test id, service, operation, HTTP method/path,
#                         status, error code/message) - useful to see what fails
#   PORTICO_MOTO_STRICT=1 exit 1 if any test failed or errored (default: exit 0
#                         once the suites ran and a summary was printed)
#   PORTICO_MOTO_PYTHON   use this python as-is (no venv, no pip install)
#
# How moto's server mode works (moto 5.2.1, moto/core/models.py ServerModeMockAWS):
#   - every @mock_aws / `with mock_aws()` POSTs $TEST_SERVER_MODE_ENDPOINT/moto-api/reset
#     on entry and on exit (response ignored; state is expected to be wiped by it);
#   - boto3.client()/boto3.resource() are patched to pass endpoint_url=ENDPOINT
#     unless the test gives one, and append "region/<region>" to the User-Agent;
#   - AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are set to FOOBARKEY/FOOBARSECRET.
set -uo pipefail

MOTO_VERSION=5.2.1
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${PORTICO_MOTO_DIR:-$HOME/.cache/portico-moto}"
SRC="$CACHE/moto-$MOTO_VERSION"
RESULTS="$CACHE/results"
OVERALL="${PORTICO_MOTO_TIMEOUT:-900}"
PER_TEST="${PORTICO_MOTO_TEST_TIMEOUT:-60}"
SUITES="${PORTICO_MOTO_SUITES:-apigateway apigatewayv2 apigatewaymanagementapi}"

ENDPOINT="${PORTICO_ENDPOINT:-http://127.0.0.1:4566}"
if [[ $# -gt 0 && "$1" =~ ^https?:// ]]; then
  ENDPOINT="$1"
  shift
fi
ENDPOINT="${ENDPOINT%/}"
EXTRA_ARGS=("$@")

log() { echo "[moto-conformance] $*" >&2; }
die() { log "ERROR: $*"; exit 2; }

START=$(date +%s)
mkdir -p "$CACHE" || die "cannot create $CACHE"

# --- 1. python environment -------------------------------------------------
if [[ -n "${PORTICO_MOTO_PYTHON:-}" ]]; then
  PY="$PORTICO_MOTO_PYTHON"
else
  VENV="$CACHE/venv"
  if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating venv $VENV"
    # system site-packages: reuse whatever is already installed on the machine
    if ! python3 -m venv --system-site-packages "$VENV"; then
      rm -rf "$VENV"
      log "python3 -m venv failed (no python3-venv?); installing into python3 itself"
    fi
  fi
  if [[ -x "$VENV/bin/python" ]]; then PY="$VENV/bin/python"; else PY=python3; fi
  if ! "$PY" - <<EOF 2>/dev/null
import importlib.metadata as md, flask, freezegun, pytest, pytest_timeout, boto3, requests, yaml, joserfc, openapi_spec_validator
assert md.version("moto") == "$MOTO_VERSION"
EOF
  then
    log "installing moto[server]==$MOTO_VERSION and test dependencies"
    "$PY" -m pip install --quiet --disable-pip-version-check \
      "moto[server]==$MOTO_VERSION" pytest freezegun pytest-timeout boto3 requests \
      || die "pip install failed"
  fi
fi

# --- 2. moto sdist (tests live only in the sdist, never in the repo) -------
if [[ ! -f "$SRC/tests/test_apigateway/test_apigateway.py" ]]; then
  log "downloading moto==$MOTO_VERSION sdist into $CACHE"
  tmp="$(mktemp -d "$CACHE/dl.XXXXXX")"
  "$PY" -m pip download --quiet --disable-pip-version-check --no-deps \
    --no-binary :all: -d "$tmp" "moto==$MOTO_VERSION" || die "pip download failed"
  tar -xzf "$tmp/moto-$MOTO_VERSION.tar.gz" -C "$CACHE" || die "unpack failed"
  rm -rf "$tmp"
fi

# --- 3. endpoint reachable? -------------------------------------------------
if ! "$PY" - "$ENDPOINT" <<'EOF'
import sys, requests
try:
    requests.get(sys.argv[1] + "/", timeout=5)
except Exception as e:
    print(f"endpoint {sys.argv[1]} not reachable: {e}", file=sys.stderr)
    sys.exit(1)
EOF
then
  die "start the server first (endpoint $ENDPOINT)"
fi

# --- 4. run the suites --------------------------------------------------------
rm -rf "$RESULTS" && mkdir -p "$RESULTS"
export TEST_SERVER_MODE=true
export TEST_SERVER_MODE_ENDPOINT="$ENDPOINT"
export AWS_ACCESS_KEY_ID=FOOBARKEY
export AWS_SECRET_ACCESS_KEY=FOOBARSECRET
export AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ENDPOINT_URL \
  MOTO_CALL_RESET_API MOTO_TEST_ALLOW_AWS_REQUEST 2>/dev/null || true
export PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}"

PLUGIN_ARGS=()
if [[ -n "${PORTICO_MOTO_TRACE:-}" ]]; then
  export PORTICO_MOTO_TRACE
  : > "$PORTICO_MOTO_TRACE"
  PLUGIN_ARGS=(-p portico_trace)
fi

log "endpoint $ENDPOINT; suites: $SUITES"
for suite in $SUITES; do
  dir="tests/test_$suite"
  [[ -d "$SRC/$dir" ]] || die "unknown suite $suite"
  now=$(date +%s)
  left=$(( OVERALL - (now - START) ))
  if (( left <= 5 )); then
    log "overall time bound ${OVERALL}s reached; not running $suite"
    continue
  fi
  ignore=()
  if [[ "${PORTICO_MOTO_INPROCESS:-0}" != 1 && -f "$SRC/$dir/test_server.py" ]]; then
    ignore=(--ignore "$dir/test_server.py")
  fi
  log "running $suite (time left ${left}s)"
  (
    cd "$SRC" && timeout --kill-after=10 "$left" "$PY" -m pytest "$dir" "${ignore[@]}" \
      -q -rN --no-header -p no:cacheprovider -o addopts= --color=no \
      --timeout="$PER_TEST" --junitxml="$RESULTS/$suite.xml" \
      "${PLUGIN_ARGS[@]}" "${EXTRA_ARGS[@]}" > "$RESULTS/$suite.log" 2>&1
  )
  rc=$?
  tail -n 1 "$RESULTS/$suite.log" | sed "s/^/[$suite] /" >&2
  if (( rc == 124 || rc == 137 )); then
    log "$suite: killed by overall timeout"
  fi
done

# --- 5. summary ----------------------------------------------------------------
"$PY" "$HERE/summarize.py" "$RESULTS" $SUITES
rc=$?
log "logs and junit xml: $RESULTS"
if [[ "${PORTICO_MOTO_STRICT:-0}" == 1 ]]; then
  exit $rc
fi
(( rc == 2 )) && exit 2
exit 0
