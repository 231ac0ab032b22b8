#!/usr/bin/env bash
# Files a GPU check's output (the `run` call's files_at folder, or any folder
# scripts/gpu-check.sh wrote with --out) under results/device/<date>-<adapter>/,
# the folder its summary.md names, for committing (docs/gpu-check.md).
#
# Usage: bash scripts/gpu-check-collect.sh <folder with summary.md> [--force]
set -euo pipefail
SRC="${1:-}"
FORCE="${2:-}"
[ -n "$SRC" ] && [ -f "$SRC/summary.md" ] || { echo "usage: bash scripts/gpu-check-collect.sh <folder with summary.md> [--force] (no summary.md in '${SRC}')" >&2; exit 2; }
cd "$(dirname "$0")/.."
DEST=$(sed -n 's/^- results folder: \(results\/device\/[A-Za-z0-9._-]*\)\/$/\1/p' "$SRC/summary.md")
[ -n "$DEST" ] || { echo "gpu-check-collect: $SRC/summary.md names no results folder (a line '- results folder: results/device/<name>/')" >&2; exit 1; }
if [ -e "$DEST" ] && [ "$FORCE" != --force ]; then
  echo "gpu-check-collect: $DEST exists; pass --force to replace its files" >&2
  exit 1
fi
mkdir -p "$DEST"
n=0
for f in summary.md log.txt adapter.json conformance.txt bench.txt population.txt paper-run.txt family-steps.txt; do
  if [ -f "$SRC/$f" ]; then cp "$SRC/$f" "$DEST/$f"; n=$((n + 1)); fi
done
echo "gpu-check-collect: $n files -> $DEST/ ($(grep -m1 '^- all passed\|all passed' "$DEST/summary.md" | sed 's/^- //'))"
