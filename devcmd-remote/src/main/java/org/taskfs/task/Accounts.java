package org.taskfs.task;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.taskfs.styx.auth.Users;
import org.taskfs.styx.server.StyxException;

/**
 * The users of this machine as the system's name service knows them ({@code getent}, so LDAP and the like count
 * too), looked up off the event loops and remembered for a minute: who a session's owner is when a task runs
 * as them, and who administers the server.
 */
public final class Accounts {
    /** A user: what a task running as them gets. */
    public record Account(String user, int uid, int gid, List<Integer> groups, String home) {
        public Account {
            groups = List.copyOf(groups);
        }
    }

    private static final long KEEP_NANOS = TimeUnit.MINUTES.toNanos(1);

    private record Cached<T>(T value, long at) {}

    private static final Map<String, Cached<CompletableFuture<Account>>> USERS = new ConcurrentHashMap<>();
    private static final Map<String, Cached<CompletableFuture<Integer>>> GROUPS = new ConcurrentHashMap<>();

    /** The user this JVM runs as. */
    public static final String SELF = System.getProperty("user.name", "root");
    /** Whether this JVM runs as root (and so may start processes as anyone). */
    public static final boolean ROOT = new com.sun.security.auth.module.UnixSystem().getUid() == 0;

    /** This machine's name, for messages that say where something is missing. */
    public static final String HOST = hostName();

    private Accounts() {}

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "this machine";
        }
    }

    /** {@code user}'s account; fails with "no user USER on this machine" if the name service has none. */
    public static CompletableFuture<Account> lookup(String user) {
        return cached(USERS, user, () -> read(user));
    }

    /** The number of group {@code name}, or -1 if there is no such group. */
    public static CompletableFuture<Integer> group(String name) {
        return cached(GROUPS, name, () -> {
            List<String> line = getent("group", name);
            return line == null ? -1 : Integer.parseInt(line.get(2));
        });
    }

    /** Blocking: for threads that may wait (a spawn thread). */
    public static Account lookupNow(String user) {
        return lookup(user).join();
    }

    /**
     * Whether {@code user} administers a server of {@code adminGroup} (null: none): root, the user the server
     * runs as, or a member of that group. Unknown users are not admins.
     */
    public static CompletableFuture<Boolean> isAdmin(String user, String adminGroup) {
        if (user.equals("root") || user.equals(SELF)) {
            return CompletableFuture.completedFuture(true);
        }
        if (adminGroup == null) {
            return CompletableFuture.completedFuture(false);
        }
        return group(adminGroup).thenCombine(lookup(user).handle((a, e) -> a),
                (gid, account) -> gid >= 0 && account != null
                        && (account.gid() == gid || account.groups().contains(gid)));
    }

    private interface Lookup<T> {
        T call() throws IOException;
    }

    private static <T> CompletableFuture<T> cached(Map<String, Cached<CompletableFuture<T>>> map, String key,
                                                   Lookup<T> how) {
        long now = System.nanoTime();
        Cached<CompletableFuture<T>> c = map.get(key);
        if (c != null && now - c.at() < KEEP_NANOS && !c.value().isCompletedExceptionally()) {
            return c.value();
        }
        CompletableFuture<T> f = Disk.supply(how::call);
        map.put(key, new Cached<>(f, now));
        return f;
    }

    private static Account read(String user) throws IOException {
        if (user.isEmpty() || user.startsWith("-") || user.indexOf(':') >= 0 || user.indexOf('\n') >= 0) {
            throw new StyxException("no user \"" + user + "\" on this machine");
        }
        List<String> pw = Users.passwd(user).orElse(null);
        if (pw == null || !pw.get(0).equals(user)) {
            throw new StyxException("no user " + user + " on " + HOST);
        }
        int uid = Integer.parseInt(pw.get(2));
        int gid = Integer.parseInt(pw.get(3));
        List<Integer> groups = new ArrayList<>();
        for (String g : run("id", "-G", "--", user).trim().split("\\s+")) {
            if (!g.isEmpty()) {
                groups.add(Integer.parseInt(g));
            }
        }
        return new Account(pw.get(0), uid, gid, groups, pw.get(5));
    }

    /** The fields of {@code key}'s entry in the name service's {@code db}, or null if it has none. */
    private static List<String> getent(String db, String key) throws IOException {
        String out = run("getent", db, "--", key);
        if (out.isEmpty()) {
            return null;
        }
        List<String> fields = List.of(out.lines().findFirst().orElse("").split(":", -1));
        return fields.size() < 3 ? null : fields;
    }

    /** Runs a lookup command; its standard output, empty if it found nothing (getent exits 2). */
    private static String run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not answer in 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd));
        }
        return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8) : "";
    }
}
