#!/usr/bin/env bash
# npm test's runner: the compiled tests in three node:test runs, unit -> sections -> e2e, so fast
# failures print first (one run over all the files would sort them, e2e first). A failing stage
# does not stop the later ones; the exit status is non-zero if any stage failed. Extra arguments
# go to every node --test run (e.g. --test-name-pattern=...).
set -uo pipefail
cd "$(dirname "$0")/.."
failed=()
for stage in unit sections e2e; do
  if [[ ! -d "build/test/$stage" ]]; then
    echo "test: build/test/$stage is missing: run npm run build:all" >&2
    exit 1
  fi
  node --test --test-concurrency=1 "$@" "build/test/$stage" || failed+=("$stage")
done
if ((${#failed[@]})); then
  echo "test: failed in ${failed[*]}" >&2
  exit 1
fi
