#!/bin/sh
# One link of ring.sh: the token from the previous task, plus this task's index.
if [ "$TASKFS_INDEX" -eq 0 ]; then
    echo "token from 0"
else
    taskfs cat "$TASKFS_SESSION/$((TASKFS_INDEX - 1))/stdout" | sed "s/\$/ via $TASKFS_INDEX/"
fi
