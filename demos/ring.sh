#!/usr/bin/env bash
# A chain of tasks that read their siblings by path: task 0 prints a token, task i reads task
# i-1's stdout through the coordinator ($TASKFS_SESSION/<i-1>/stdout) and adds its own index.
# No task knows where the others run; the session directory is the whole address book.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
taskfs=${TASKFS:-"$here/../bin/taskfs"}
n=${1:-4}

s=$("$taskfs" cat clone)
"$taskfs" write "$s/ctl" res "$n"
# Each task runs this script's sibling, with taskfs on its PATH (its node puts it there).
"$taskfs" write "$s/ctl" exec sh "$here/ring-task.sh"
echo "% cat $s/$((n - 1))/stdout"
"$taskfs" cat "$s/$((n - 1))/stdout"
"$taskfs" write "$s/ctl" release
