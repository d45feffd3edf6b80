package org.taskfs.task;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a session's tasks are named to their processes (TASKFS_*): the server the user reached, the session
 * path there, the number of the session's first task in that session, and its size. A coordinator that
 * reserves on a member tells the member session its place with {@code ident}, so a task's TASKFS_INDEX and
 * TASKFS_TASK are the same at every level of a tree.
 */
public record Identity(String address, String session, int first, int size) {

    /** The identity a part's tasks get: counted on from the part's first task in this session. */
    public Identity forPart(int partFirst) {
        return new Identity(address, session, first + partFirst, size);
    }

    /** TASKFS_* of the task numbered {@code i} in this session. */
    public Map<String, String> variables(int i) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("TASKFS_ADDR", address);
        env.put("TASKFS_SESSION", session);
        env.put("TASKFS_TASK", session + "/" + (first + i));
        env.put("TASKFS_INDEX", Integer.toString(first + i));
        env.put("TASKFS_SIZE", Integer.toString(size));
        return env;
    }

    /** The ctl command that gives a member session this identity. */
    public String command() {
        return "ident " + org.taskfs.styx.util.PlanNineQuoting.quote(address) + " " + session + " " + first + " "
                + size;
    }

    /** The number task {@code i} of this session has where the user sees it, for error messages. */
    public int number(int i) {
        return first + i;
    }
}
