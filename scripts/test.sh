#!/usr/bin/env bash
# npm test's runner: every compiled test file in one node:test run (one summary), in the order
# unit -> sections -> e2e, so fast failures print first and a failure in one stage still lets
# the later stages run. Extra arguments go to node --test (e.g. --test-name-pattern=...).
set -euo pipefail
cd "$(dirname "$0")/.."
files=()
for stage in unit sections e2e; do
  [[ -d "build/test/$stage" ]] || { echo "test: build/test/$stage is missing: run npm run build:all" >&2; exit 1; }
  while IFS= read -r f; do files+=("$f"); done < <(find "build/test/$stage" -name '*.test.js' | LC_ALL=C sort)
done
exec node --test --test-concurrency=1 "$@" "${files[@]}"
