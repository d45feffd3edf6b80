package org.taskfs.node.task;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
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
    /** Mounts a server first seen in a session's identity (taskfs node --mount); null for none. */
    private volatile Function<String, CompletableFuture<Void>> mounter;
    /** The servers handed to the mounter, each once, and how that went (a failure is only a missing TASKFS_MNT). */
    private final Map<String, CompletableFuture<Void>> offered = new ConcurrentHashMap<>();

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

    /**
     * {@code mount} is asked, once per address, to mount a server this node's sessions come through (a
     * coordinator, named by its {@code ident}) before their first exec, and to call {@link #mounted} if it did.
     */
    public void mountOnFirstUse(Function<String, CompletableFuture<Void>> mount) {
        mounter = mount;
    }

    /**
     * Completes when the server {@code names} came through has been offered to the mounter: at once, unless this
     * is the first exec through it. {@code own} is this node's own address, which is never mounted.
     */
    CompletableFuture<Void> ready(Identity names, String own) {
        Function<String, CompletableFuture<Void>> m = mounter;
        if (m == null || names.address().equals(own)) {
            return CompletableFuture.completedFuture(null);
        }
        return offered.computeIfAbsent(names.address(), a -> m.apply(a).exceptionally(e -> null));
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
