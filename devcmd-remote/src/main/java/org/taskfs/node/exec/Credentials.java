package org.taskfs.node.exec;

import java.util.List;

/** The uid, gid and supplementary groups a process is started with, when they are not the daemon's. */
public record Credentials(int uid, int gid, List<Integer> groups) {
    public Credentials {
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("uid " + uid + ", gid " + gid);
        }
        groups = List.copyOf(groups);
    }
}
