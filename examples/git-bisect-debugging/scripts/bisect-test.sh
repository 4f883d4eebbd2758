#!/bin/sh
# One step of `git bisect run`: optionally builds the checked-out commit, runs the test command,
# and turns the outcome into the exit codes git bisect understands:
#   0 good (old), 1 bad (new), 125 skip (this commit cannot be tested).
# Any code above 127 aborts the whole bisect, so a crash (signal) is reported as 1 and this
# script's own usage errors as 255 (abort, rather than silently marking commits bad).
#
# Usage: bisect-test.sh [-b <build command>] [-t <seconds>] [-T skip|bad] [--] <test command> [args...]
#   -b  shell command run first; if it fails, the commit is skipped (125)
#   -t  time limit for the test command (needs `timeout` from coreutils)
#   -T  what a timeout means: skip (default) or bad (use bad when hunting a hang)
set -u

usage() {
  echo "usage: bisect-test.sh [-b <build command>] [-t <seconds>] [-T skip|bad] [--] <test command> [args...]" >&2
  exit 255
}

build=""
limit=""
on_timeout=skip
while [ "$#" -gt 0 ]; do
  case "$1" in
    -b) [ "$#" -ge 2 ] || usage; build=$2; shift 2 ;;
    -t) [ "$#" -ge 2 ] || usage; limit=$2; shift 2 ;;
    -T) [ "$#" -ge 2 ] || usage; on_timeout=$2; shift 2 ;;
    --) shift; break ;;
    -h | --help) usage ;;
    -*) usage ;;
    *) break ;;
  esac
done
[ "$#" -ge 1 ] || usage
case "$on_timeout" in skip | bad) ;; *) usage ;; esac
case "$limit" in "" | *[!0-9]*) [ -z "$limit" ] || usage ;; esac

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
report() {
  echo "bisect-test: $commit $1 ($2)" >&2
  case "$1" in
    good) exit 0 ;;
    bad) exit 1 ;;
    *) exit 125 ;;
  esac
}

if [ -n "$build" ]; then
  # Build output goes to stderr so it does not mix with the verdict lines.
  if ! sh -c "$build" >&2; then
    report skip "build failed"
  fi
fi

if [ -n "$limit" ] && command -v timeout >/dev/null 2>&1; then
  timeout "$limit" "$@"
  rc=$?
  if [ "$rc" -eq 124 ]; then
    report "$on_timeout" "timed out after ${limit}s"
  fi
else
  [ -z "$limit" ] || echo "bisect-test: 'timeout' not found, running without a time limit" >&2
  "$@"
  rc=$?
fi

case "$rc" in
  0) report good "test passed" ;;
  125) report skip "test asked to skip" ;;
  126 | 127) report skip "test command could not run (exit $rc)" ;;
  *)
    if [ "$rc" -gt 127 ]; then
      report bad "test crashed with signal $((rc - 128))"
    fi
    report bad "test failed with exit $rc"
    ;;
esac
