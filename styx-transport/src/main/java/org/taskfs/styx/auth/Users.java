package org.taskfs.styx.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * User names and uids as this host's name service knows them. Lookups may block (getent can reach
 * LDAP), so they run on {@link AuthExecutor}, never on an event loop; answers are cached for the
 * life of the process, as a uid's name does not change under a running server.
 */
public final class Users {
    private Users() {}

    private static final Map<Integer, String> NAMES = new ConcurrentHashMap<>();
    private static final Map<String, OptionalInt> UIDS = new ConcurrentHashMap<>();
    private static volatile int self = -1;

    /** The effective uid this process runs as: the owner of /proc/self. */
    public static int selfUid() {
        int s = self;
        if (s < 0) {
            try {
                s = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            } catch (IOException | UnsupportedOperationException e) {
                throw new IllegalStateException("cannot tell which uid this process runs as: " + e.getMessage(), e);
            }
            self = s;
        }
        return s;
    }

    /** The user this process runs as. Blocks on the first call. */
    public static String selfName() {
        return name(selfUid());
    }

    /** Root, or the user the server itself runs as: a peer who may attach as anyone. */
    public static boolean isSpeakerUid(int uid) {
        return uid == 0 || uid == selfUid();
    }

    /** The name of {@code uid}, or the uid in decimal when no passwd entry names it. Blocks. */
    public static String name(int uid) {
        return NAMES.computeIfAbsent(uid, u -> lookup(String.valueOf(u))
                .map(fields -> fields.get(0)).orElse(String.valueOf(u)));
    }

    /** The uid of user {@code name}, if there is such a user. Blocks. */
    public static OptionalInt uid(String name) {
        if (name.isEmpty() || name.contains(":")) {
            return OptionalInt.empty();
        }
        return UIDS.computeIfAbsent(name, n -> lookup(n).map(fields -> parseUid(fields.get(2)))
                .orElse(OptionalInt.empty()));
    }

    private static OptionalInt parseUid(String s) {
        try {
            return OptionalInt.of(Integer.parseInt(s));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /**
     * The passwd entry (its seven fields) for a name or uid: getent first (it sees NSS, LDAP), /etc/passwd if
     * it is missing. Blocks, uncached: for callers that keep their own answers.
     */
    public static Optional<List<String>> passwd(String key) {
        return lookup("passwd", key);
    }

    /** The group entry (name, password, gid, members) for a name or gid, as {@link #passwd} looks. Blocks, uncached. */
    public static Optional<List<String>> group(String key) {
        return lookup("group", key);
    }

    private static Optional<List<String>> lookup(String key) {
        return lookup("passwd", key);
    }

    private static Optional<List<String>> lookup(String database, String key) {
        try {
            Process p = new ProcessBuilder("getent", database, key).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor(10, TimeUnit.SECONDS)) {
                // getent: 0 found, 2 not found; anything else (no getent) falls through to the file.
                if (p.exitValue() == 0) {
                    return entry(out.lines().findFirst().orElse(""));
                }
                if (p.exitValue() == 2) {
                    return Optional.empty();
                }
            } else {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            // no getent here: read the file
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        try {
            boolean byUid = key.chars().allMatch(Character::isDigit);
            return Files.readAllLines(Path.of("/etc", database), StandardCharsets.UTF_8).stream()
                    .map(Users::entry).flatMap(Optional::stream)
                    .filter(f -> f.get(byUid ? 2 : 0).equals(key)).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<List<String>> entry(String line) {
        String[] f = line.split(":", -1);
        return f.length >= 3 ? Optional.of(List.of(f)) : Optional.empty();
    }
}
