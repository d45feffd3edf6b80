package org.taskfs.node.task;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.taskfs.task.Identity;

/**
 * What a node gives its tasks so that they reach their siblings (DESIGN §3.6): {@code taskfs} first on their
 * PATH, TASKFS_AUTH for its client, and TASKFS_MNT where the server their session came through is mounted on
 * this machine. Thread-safe: mounts come and go while tasks start.
 */
public final class Siblings {
    /**
     * A mount of a task server on this machine.
     *
     * @param dir  where it is mounted
     * @param user the only user whose view it is (a mount attached as them, which others cannot enter), or null
     *             for a mount that shows each user their own view
     */
    public record Mount(Path dir, String user) {}

    private volatile Path bin;
    private volatile String auth;
    /** By the dial string the server names itself with (its TASKFS_ADDR). */
    private final Map<String, Mount> mounts = new ConcurrentHashMap<>();

    /** The directory holding {@code taskfs}, put first on every task's PATH; null for none. */
    public void bin(Path dir) {
        bin = dir;
    }

    public Path bin() {
        return bin;
    }

    /**
     * TASKFS_AUTH of the tasks: what their client must say to be let in as their user ({@code none},
     * {@code munge}); null to leave it unset (a shared key, which users do not hold).
     */
    public void auth(String method) {
        auth = method;
    }

    /** The server whose TASKFS_ADDR is {@code address} is mounted at {@code mount} on this machine. */
    public void mounted(String address, Mount mount) {
        mounts.put(address, mount);
    }

    public void unmounted(String address) {
        mounts.remove(address);
    }

    /** TASKFS_AUTH and TASKFS_MNT for a task of {@code owner}'s session named {@code names}; before the session env. */
    void variables(Identity names, String owner, Map<String, String> env) {
        String a = auth;
        if (a != null) {
            env.put("TASKFS_AUTH", a);
        }
        Mount m = mounts.get(names.address());
        if (m != null && (m.user() == null || m.user().equals(owner))) {
            env.put("TASKFS_MNT", m.dir().resolve(names.session().substring(1)).toString());
        }
    }

    /** Puts the bin directory first on the PATH of {@code env}, the environment the task gets; last. */
    void path(Map<String, String> env) {
        Path b = bin;
        if (b != null) {
            String path = env.get("PATH");
            env.put("PATH", path == null || path.isEmpty() ? b + ":/usr/bin:/bin" : b + ":" + path);
        }
    }
}
