package org.taskfs.styx.server;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.taskfs.styx.auth.AuthExecutor;
import org.taskfs.styx.auth.Users;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;

/**
 * User and group names against their numbers, for 9P2000.u and .L, which carry numbers where 9P2000 has
 * names. The name service may block (getent), so lookups run on {@link AuthExecutor} and their answers are
 * kept for the process's life. A name the host does not know is {@link #NOBODY}: Linux refuses writes to a
 * file whose owner or group it cannot map (an unknown id), and a group named after a user, as Plan 9's
 * files have, is that user's primary group. A number the host does not know is spelled in decimal (as
 * {@link Users#name} does). Callers get copies: cancelling one (a flushed request) leaves the kept answer
 * alone.
 */
final class UnixIds {
    private UnixIds() {}

    private static final Map<String, CompletableFuture<Integer>> UIDS = new ConcurrentHashMap<>();
    private static final Map<String, CompletableFuture<Integer>> GIDS = new ConcurrentHashMap<>();
    private static final Map<Integer, CompletableFuture<String>> USERS = new ConcurrentHashMap<>();
    private static final Map<Integer, CompletableFuture<String>> GROUPS = new ConcurrentHashMap<>();

    /** nobody and nogroup on Debian and most Linux systems: an id every kernel maps. */
    static final int NOBODY = 65534;

    static CompletableFuture<Integer> uid(String user) {
        return number(UIDS, user, n -> Users.passwd(n).map(f -> f.get(2)));
    }

    static CompletableFuture<Integer> gid(String group) {
        return number(GIDS, group, n -> Users.group(n).map(f -> f.get(2))
                .or(() -> Users.passwd(n).filter(f -> f.size() > 3).map(f -> f.get(3))));
    }

    static CompletableFuture<String> user(int uid) {
        return USERS.computeIfAbsent(uid, u -> AuthExecutor.submit(() -> Users.name(u))).copy();
    }

    static CompletableFuture<String> group(int gid) {
        return GROUPS.computeIfAbsent(gid, g -> AuthExecutor.submit(() -> Users.group(Integer.toUnsignedString(g))
                .map(f -> f.get(0)).orElse(Integer.toUnsignedString(g)))).copy();
    }

    /** {@code d} with its owner's, group's and last modifier's numbers, as a 9P2000.u stat carries them. */
    static CompletableFuture<Dir> numbered(Dir d) {
        CompletableFuture<Integer> uid = uid(d.uid());
        CompletableFuture<Integer> gid = gid(d.gid());
        CompletableFuture<Integer> muid = uid(d.muid());
        return CompletableFuture.allOf(uid, gid, muid)
                .thenApply(x -> d.withNumericIds(uid.join(), gid.join(), muid.join()));
    }

    static CompletableFuture<List<Dir>> numbered(List<Dir> dirs) {
        List<CompletableFuture<Dir>> each = dirs.stream().map(UnixIds::numbered).toList();
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                .thenApply(x -> each.stream().map(CompletableFuture::join).toList());
    }

    /**
     * A 9P2000.u Twstat's changes with names for the numbers it gave in place of names: a client that knows
     * only numbers sends "" and the number.
     */
    static CompletableFuture<Dir> named(Dir changes) {
        CompletableFuture<String> user = changes.uid().isEmpty() && changes.nUid() != P9.NONUNAME
                ? user(changes.nUid()) : CompletableFuture.completedFuture(changes.uid());
        CompletableFuture<String> group = changes.gid().isEmpty() && changes.nGid() != P9.NONUNAME
                ? group(changes.nGid()) : CompletableFuture.completedFuture(changes.gid());
        return user.thenCombine(group, changes::withOwners);
    }

    private static CompletableFuture<Integer> number(Map<String, CompletableFuture<Integer>> cache, String name,
                                                     Function<String, Optional<String>> lookup) {
        if (name.isEmpty()) {
            return CompletableFuture.completedFuture(NOBODY);
        }
        if (name.chars().allMatch(Character::isDigit) && name.length() < 10) {
            return CompletableFuture.completedFuture(Integer.parseInt(name)); // a number no name stands for
        }
        return cache.computeIfAbsent(name, n -> AuthExecutor.submit(() -> lookup.apply(n)
                .map(UnixIds::parse).orElse(NOBODY))).copy();
    }

    private static int parse(String number) {
        try {
            return Integer.parseUnsignedInt(number);
        } catch (NumberFormatException e) {
            return NOBODY;
        }
    }
}
