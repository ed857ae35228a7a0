#!/usr/bin/env bash
# npm run test:fresh-clone — a user's first two commands on a fresh clone, with nothing beside it: this
# repository's HEAD is cloned into an empty temporary folder (no ../shared, no .env, no node_modules, no dist/),
# then the README's test command runs there (`npm ci && npm test`) as a user would: without TEST_DATABASE_URL
# (the PostgreSQL parts say SKIP) and without CI's variables. Ends with "fresh clone: passed" or "... FAILED";
# exit 0 only when every step passed. Slow (a whole npm ci and test run): CI runs it; run it before a release.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
clone="$empty/twiml-server"
git clone --quiet --no-local "$root" "$clone" || { echo "fresh clone: FAILED (git clone)"; exit 1; }
beside=$(ls -A "$empty" | grep -vx twiml-server || true)
[ -z "$beside" ] || { echo "fresh clone: FAILED (the folder is not empty beside the clone: $beside)"; exit 1; }
cd "$clone" || exit 1
echo "fresh clone of $(git rev-parse --short HEAD) in $clone (nothing beside it)"
started=$(date +%s)
env -u TEST_DATABASE_URL -u CI npm ci --no-audit --no-fund >"$empty/npm-ci.log" 2>&1 ||
  { tail -20 "$empty/npm-ci.log"; echo "fresh clone: FAILED (npm ci)"; exit 1; }
env -u TEST_DATABASE_URL -u CI npm test >"$empty/npm-test.log" 2>&1
rc=$?
grep -E '^(Tests|Test Suites):' "$empty/npm-test.log"
if [ "$rc" -ne 0 ]; then
  grep -E '●|FAIL|error' "$empty/npm-test.log" | head -40
  echo "fresh clone: FAILED (npm test exited $rc)"
  exit 1
fi
echo "fresh clone: passed (npm ci && npm test in $(($(date +%s) - started)) s)"
