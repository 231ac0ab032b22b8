#!/usr/bin/env bash
# One gradnoise sweep as a Slurm job array: array task i runs shard i of N,
# i.e. the planned runs at positions p with p % N == i, into its own part file
# results/<experiment>-<scale>.part-<i>-of-<N>.jsonl. See deploy/README.md.
#
# From the repository root on the login node (the tasks run in the directory
# sbatch was called from, which must be on a file system the nodes share):
#
#   npm ci && npm run build                                  # once; tasks do not rebuild
#   sbatch --array=0-7 deploy/slurm-array.sh deep-mlp cpu    # N = 8 shards: --array=0-(N-1)
#   # when every task has finished:
#   npm run experiment -- merge deep-mlp --scale cpu
#
# --array on the command line overrides the #SBATCH line below (3 shards).
# Keep the array one range starting at 0 (or 1): the shard count is the
# array's task count, so --array=1,3,8 or a resubmitted subset such as
# --array=5-7 is refused instead of silently re-planning the sweep. To redo
# failed tasks, resubmit the same --array: runs already in a part file are
# skipped. To pin the count as a check, also pass --export=ALL,GRADNOISE_SHARDS=8.
# Extra arguments after the scale go to the experiment command.
#
# DRY_RUN=1 prints the shard and the command instead of running it (the test
# suite uses this to check the arithmetic below against shardFromEnv).
#
#SBATCH --job-name=gradnoise
#SBATCH --array=0-2
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=24:00:00
#SBATCH --output=gradnoise-%A_%a.out

set -euo pipefail

die() {
  echo "slurm-array.sh: $*" >&2
  exit 2
}

trim() {
  local v="$1"
  v="${v#"${v%%[![:space:]]*}"}"
  printf '%s' "${v%"${v##*[![:space:]]}"}"
}

# Whole number from variable $1 (empty = unset is handled by the caller); 10# so "010" is 10, not octal 8.
num() {
  local v
  v="$(trim "${!1:-}")"
  [[ "$v" =~ ^[0-9]+$ ]] || die "$1=\"${!1:-}\" is not a whole number"
  echo "$((10#$v))"
}

set_() { [[ -n "$(trim "${!1:-}")" ]]; }

# The same rules as shardFromEnv in src/experiments/framework/shard.ts (Slurm
# part), so the log says which shard this task is before node starts.
shard_of_env() {
  if set_ GRADNOISE_SHARD; then
    local s
    s="$(trim "$GRADNOISE_SHARD")"
    [[ "$s" =~ ^([0-9]+)/([0-9]+)$ ]] || die "GRADNOISE_SHARD=\"$GRADNOISE_SHARD\": expected i/n, e.g. 0/3 (shards are numbered from 0)"
    index=$((10#${BASH_REMATCH[1]}))
    count=$((10#${BASH_REMATCH[2]}))
    ((count >= 1)) || die "GRADNOISE_SHARD=$s: the shard count must be at least 1"
    ((index < count)) || die "GRADNOISE_SHARD=$s: index out of range (shards are numbered from 0)"
    source_="GRADNOISE_SHARD=$s"
  else
    local missing=()
    for v in SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_COUNT; do set_ "$v" || missing+=("$v"); done
    ((${#missing[@]} == 0)) || die "not a complete Slurm array task (${missing[*]} unset); submit with sbatch --array=0-<N-1>, or set GRADNOISE_SHARD=i/n"
    local id min step max
    id="$(num SLURM_ARRAY_TASK_ID)"
    min="$(num SLURM_ARRAY_TASK_MIN)"
    count="$(num SLURM_ARRAY_TASK_COUNT)"
    step=1
    if set_ SLURM_ARRAY_TASK_STEP; then step="$(num SLURM_ARRAY_TASK_STEP)"; fi
    ((count >= 1 && step >= 1)) || die "SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_STEP must be at least 1"
    ((min <= 1)) || die "the array starts at $min, not 0 or 1: it looks like part of an earlier array; resubmit the whole --array=0-<N-1>, or set GRADNOISE_SHARD=i/n"
    if set_ SLURM_ARRAY_TASK_MAX; then
      max="$(num SLURM_ARRAY_TASK_MAX)"
      ((max >= min && (max - min) % step == 0 && (max - min) / step + 1 == count)) ||
        die "the array's task IDs (min $min, max $max, step $step, count $count) are not one evenly spaced range; submit --array=0-<N-1>"
    fi
    ((id >= min && (id - min) % step == 0)) || die "SLURM_ARRAY_TASK_ID=$id is not on the array's range"
    index=$(((id - min) / step))
    ((index < count)) || die "task $index of $count is out of range"
    source_="Slurm array task $id (min $min, step $step, count $count)"
  fi
  if set_ GRADNOISE_SHARDS; then
    local declared
    declared="$(num GRADNOISE_SHARDS)"
    ((declared == count)) || die "conflicting shard counts: $source_ gives $count shards but GRADNOISE_SHARDS=$declared"
  fi
}

experiment="${1:-}"
scale="${2:-}"
[[ -n "$experiment" && -n "$scale" ]] || die "usage: sbatch --array=0-<N-1> deploy/slurm-array.sh <experiment> <scale> [experiment options...]"
shift 2

index=""
count=""
source_=""
shard_of_env
cmd=(npm run --ignore-scripts experiment -- "$experiment" --scale "$scale" "$@")

if [[ "${DRY_RUN:-}" == 1 ]]; then
  echo "shard=$index/$count"
  echo "source=$source_"
  echo "command=${cmd[*]}"
  exit 0
fi

cd "${SLURM_SUBMIT_DIR:-.}"
[[ -f dist/cli/experiment.js ]] || die "no build in $(pwd): run 'npm ci && npm run build' there before sbatch (array tasks do not build, so they cannot race on dist/)"
echo "gradnoise: $(hostname): shard $index/$count from $source_: ${cmd[*]}"
# --ignore-scripts skips the preexperiment build; exec so Slurm's SIGTERM (time limit, preemption) reaches npm and node.
exec "${cmd[@]}"
