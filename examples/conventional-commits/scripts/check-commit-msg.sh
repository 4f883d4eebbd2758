#!/bin/sh
# Checks one commit message against Conventional Commits 1.0.0.
# Usage: check-commit-msg.sh <file>     (a message file, e.g. .git/COMMIT_EDITMSG)
#        check-commit-msg.sh -          (read the message from stdin)
# Exit status: 0 valid, 1 invalid, 2 usage error.
# Errors make the message invalid; warnings are printed but do not change the exit status.
# Environment: MAX_HEADER (default 72), TYPES (space-separated list of allowed types).
set -u

MAX_HEADER=${MAX_HEADER:-72}
TYPES=${TYPES:-"feat fix docs style refactor perf test build ci chore revert"}

if [ "$#" -ne 1 ]; then
  echo "usage: $0 <message-file | ->" >&2
  exit 2
fi

tmp=$(mktemp) || exit 2
trap 'rm -f "$tmp"' EXIT INT TERM

if [ "$1" = "-" ]; then
  cat >"$tmp"
elif [ -r "$1" ]; then
  cat "$1" >"$tmp"
else
  echo "error: cannot read $1" >&2
  exit 2
fi

# Drop git's comment lines and everything below a scissors line, as git itself does.
msg=$(sed -e '/^# -\{8,\} >8 -\{8,\}$/,$d' -e '/^#/d' "$tmp")
header=$(printf '%s\n' "$msg" | sed -n '1p')
second=$(printf '%s\n' "$msg" | sed -n '2p')

case "$header" in
  "Merge "* | "fixup! "* | "squash! "* | "amend! "*)
    echo "skipped: git-generated header" >&2
    exit 0
    ;;
esac

status=0
fail() {
  echo "error: $1" >&2
  status=1
}
warn() {
  echo "warning: $1" >&2
}

if [ -z "$header" ]; then
  echo "error: the message is empty" >&2
  exit 1
fi

type_alt=$(printf '%s' "$TYPES" | tr -s ' ' '|')
pattern="^($type_alt)(\([a-z0-9][a-z0-9._/-]*\))?!?: [^ ].*$"
if ! printf '%s\n' "$header" | grep -Eq "$pattern"; then
  fail "header must look like 'type(scope): subject' with type one of: $TYPES"
  fail "got: $header"
fi

len=$(printf '%s' "$header" | wc -c | tr -d ' ')
if [ "$len" -gt "$MAX_HEADER" ]; then
  fail "header is $len characters; keep it at most $MAX_HEADER"
fi

subject=${header#*: }
case "$subject" in
  *.) fail "subject must not end with a period" ;;
esac
first_word=${subject%% *}
if printf '%s\n' "$first_word" | grep -Eq '^[A-Z][a-z]+$'; then
  fail "start the subject with a lowercase letter ('$first_word')"
fi
# Only a hint: "embed" or "proceed" end in -ed too.
case "$first_word" in
  *ed | *ing) warn "use the imperative mood ('add', not 'added' or 'adding'): '$first_word'" ;;
esac

if [ -n "$second" ]; then
  fail "leave the second line blank between header and body"
fi

if printf '%s\n' "$msg" | grep -Eiq '^breaking[ -]change' &&
  ! printf '%s\n' "$msg" | grep -Eq '^BREAKING[ -]CHANGE: [^ ]'; then
  fail "write the footer exactly as 'BREAKING CHANGE: <description>'"
fi

if [ "$status" -eq 0 ]; then
  echo "ok: $header"
fi
exit "$status"
