#!/usr/bin/env bash
# Scatter/gather word count: words are dealt to 4 tasks by hash (`input hash`), so every
# occurrence of a word meets on one task; each task counts its words; the gathered stdout is
# the whole count. Reads text from the file given, or standard input.
set -euo pipefail
taskfs=${TASKFS:-"$(cd "$(dirname "$0")/.." && pwd)/bin/taskfs"}

s=$("$taskfs" cat clone)
"$taskfs" write "$s/ctl" res 4
"$taskfs" write "$s/ctl" input hash
"$taskfs" write "$s/ctl" "exec awk '{n[\$1]++} END {for (w in n) print n[w], w}'"
# One word per line; closing stdin ends every task's input.
tr -cs '[:alnum:]' '\n' < "${1:-/dev/stdin}" | tr '[:upper:]' '[:lower:]' | grep -v '^$' | "$taskfs" write "$s/stdin"
"$taskfs" cat "$s/stdout" | sort -k1,1nr -k2
"$taskfs" write "$s/ctl" release
