#!/usr/bin/env bash
# What a newcomer does right after `npm install` on a fresh clone, checked by CI before the tests:
# `npm start` serves GET /v1/health with 200 within 30 s; a SIGTERM sent to `npm start` reaches the
# node, which leaves gracefully and exits, leaving no orphan that keeps serving; and `npx kos`
# runs this repository's CLI. Every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

API=127.0.0.1:7070
fail () { echo "first run: FAILED: $*" >&2; [[ -f "$LOG" ]] && tail -n 40 "$LOG" >&2; exit 1; }

version=$(npx --no -- kos --version) || fail "npx --no -- kos --version exited $?"
expected=$(node -p "require('./packages/cli/package.json').version")
[[ "$version" == "$expected" ]] || fail "npx kos --version printed '$version', expected '$expected'"
echo "first run: npx --no -- kos --version prints $version"

if curl -s -o /dev/null "http://$API/v1/health"; then fail "something already answers on $API; cannot check npm start"; fi

LOG=$(mktemp)
DATA=$(mktemp -d)
# setsid: its own process group, so that the clean-up below can end whatever is left, and only that.
setsid npm start -- --data "$DATA" >"$LOG" 2>&1 &
NPM_PID=$!
cleanup () { kill -KILL -- "-$NPM_PID" 2>/dev/null || true; rm -rf "$DATA" "$LOG"; }
trap cleanup EXIT

code=000
for _ in $(seq 1 60); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$API/v1/health" || true)
  [[ "$code" == 200 ]] && break
  kill -0 "$NPM_PID" 2>/dev/null || fail "npm start exited before serving /v1/health"
  sleep 0.5
done
[[ "$code" == 200 ]] || fail "GET /v1/health answered $code, not 200, within 30 s of npm start"
echo "first run: npm start serves GET /v1/health with 200"

NODE_PID=$(pgrep -g "$NPM_PID" -f 'kos start' | head -n 1 || true)
[[ -n "$NODE_PID" ]] || fail "no kos start process in npm start's process group"
kill -TERM "$NPM_PID"
for _ in $(seq 1 40); do
  kill -0 "$NPM_PID" 2>/dev/null || kill -0 "$NODE_PID" 2>/dev/null || break
  sleep 0.5
done
kill -0 "$NODE_PID" 2>/dev/null && fail "the node (pid $NODE_PID) still runs 20 s after SIGTERM to npm start"
kill -0 "$NPM_PID" 2>/dev/null && fail "npm start (pid $NPM_PID) still runs 20 s after SIGTERM"
grep -q 'leaving the cluster' "$LOG" || fail "the node did not leave gracefully on SIGTERM"
if curl -s -o /dev/null --max-time 2 "http://$API/v1/health"; then fail "something still serves $API after npm start ended"; fi
echo "first run: SIGTERM to npm start made the node leave and exit; nothing serves $API any more"
