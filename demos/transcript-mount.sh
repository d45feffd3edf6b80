#!/usr/bin/env bash
# The seed session through a FUSE mount, typed as a user would: cat, echo, tree, ls -l.
# Needs a running coordinator (`bin/taskfs up`) and FUSE (libfuse2, /dev/fuse).
set -euo pipefail
taskfs=${TASKFS:-"$(cd "$(dirname "$0")/.." && pwd)/bin/taskfs"}
addr=${TASKFS_ADDR:-tcp!127.0.0.1!5555}
mnt=$(mktemp -d /tmp/taskfs-mnt.XXXXXX)
"$taskfs" mount --daemon "$addr" "$mnt"
trap '"$taskfs" umount "$mnt"; rmdir "$mnt"' EXIT

cd "$mnt"
echo "% cat clone"; s=$(cat clone); echo "$s"
cd "$s"
echo "% tree ../$s"; tree --noreport "../$s"
echo "% echo res 4 > ctl"; echo res 4 > ctl
echo "% tree ."; tree --noreport .
echo "% cd 3; ls -l"; (cd 3 && ls -l | sed 1d | awk '{print $1, $NF}')
echo "% cat 3/status"; cat 3/status
echo "% cat status"; cat status
echo "% echo exec hostname > ctl"; echo exec hostname > ctl
echo "% cat stdio"; cat stdio
echo "% cat stderr"; cat stderr
echo "% cat status"; cat status
echo release > ctl
cd /
