#!/usr/bin/env bash
# Every test Detour has, in the order that fails fastest: types, the architecture (import cycles and
# layering, scripts/check-architecture.mjs), unit tests (engine, background with a fake browser, the
# service on loopback), the three builds, their background's size against its budget, the lab's
# build (npm run build:lab), addons-linter on the Firefox packages, then end-to-end tests with the
# built extension in real Chromium and Firefox ESR inside the lab's network namespace. Prints each
# stage's time.
set -euo pipefail
cd "$(dirname "$0")/.."

stage() {
  local name=$1
  shift
  local start=$SECONDS
  echo "== $name"
  "$@"
  echo "== $name: $((SECONDS - start)) s"
}

total=$SECONDS
stage typecheck npm run -s typecheck
stage architecture npm run -s check:architecture
stage unit bash scripts/in-lab-netns.sh npx vitest run --project unit
stage build npm run -s build
stage size npm run -s size -- --check
stage lab-build npm run -s build:lab
stage lint npm run -s lint:firefox
stage e2e npm run -s test:e2e
echo "== all tests passed in $((SECONDS - total)) s"
