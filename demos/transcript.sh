#!/usr/bin/env bash
# The seed session of taskfs, step by step, with `taskfs cat` and `taskfs write` as the 9P client:
# a session, four tasks, `hostname` on all of them, their output and status gathered.
# Needs a running coordinator: `bin/taskfs up` (TASKFS_ADDR defaults to tcp!127.0.0.1!5555).
set -euo pipefail
taskfs=${TASKFS:-"$(cd "$(dirname "$0")/.." && pwd)/bin/taskfs"}

s=$("$taskfs" cat clone)                 # a new session directory, /$s
echo "% cat clone"; echo "$s"
echo "% ls $s"; "$taskfs" ls "$s"
"$taskfs" write "$s/ctl" res 4           # four tasks, spread over the nodes
echo "% echo res 4 > ctl; ls $s"; "$taskfs" ls "$s"
echo "% cat $s/3/status"; "$taskfs" cat "$s/3/status"
echo "% cat $s/status"; "$taskfs" cat "$s/status"
"$taskfs" write "$s/ctl" exec hostname   # runs on all four
echo "% echo exec hostname > ctl; cat stdio"; "$taskfs" cat "$s/stdio"
echo "% cat stderr"; "$taskfs" cat "$s/stderr"
echo "% cat status"; "$taskfs" cat "$s/status"
"$taskfs" write "$s/ctl" release
