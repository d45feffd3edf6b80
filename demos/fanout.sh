#!/usr/bin/env bash
# One command on every node, output tagged by node and task (pdsh style), failures summed up on stderr.
set -euo pipefail
taskfs=${TASKFS:-"$(cd "$(dirname "$0")/.." && pwd)/bin/taskfs"}
nodes=$("$taskfs" cat ns | grep -c 'state=up')
"$taskfs" run -n "$nodes" --tagged -- sh -c 'echo "$(hostname) $(uname -sm) task $TASKFS_TASK of $TASKFS_SIZE"'
