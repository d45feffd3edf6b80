package org.taskfs.fuse;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jnr.posix.Group;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.Passwd;

/**
 * 9P owners are names; a stat needs numbers. A name that is a local user (or group) gets its
 * number; any other name (a Plan 9 user, "taskfs", "none") shows as the user who mounted, so that
 * user's tools treat the files as their own, as 9pfuse does.
 */
final class Owners {
    private final POSIX posix = POSIXFactory.getNativePOSIX();
    private final long defaultUid;
    private final long defaultGid;
    private final Map<String, Long> uids = new ConcurrentHashMap<>();
    private final Map<String, Long> gids = new ConcurrentHashMap<>();

    Owners() {
        defaultUid = posix.getuid();
        defaultGid = posix.getgid();
    }

    /** The uid of this process, the mount's owner. */
    long self() {
        return defaultUid;
    }

    long uid(String name) {
        return uids.computeIfAbsent(name, n -> {
            long[] user = lookupUser(n);
            return user == null ? defaultUid : user[0];
        });
    }

    long gid(String name) {
        return gids.computeIfAbsent(name, n -> {
            Long group = lookupGroup(n);
            if (group != null) {
                return group;
            }
            // Plan 9 servers usually give a user's name as the group too.
            long[] user = lookupUser(n);
            return user == null ? defaultGid : user[1];
        });
    }

    // getpwnam and friends return static storage that jnr-posix reads lazily: one caller at a
    // time, and every field wanted is read before the lock is let go.

    /** The user name for a uid, for chown; null if the uid has none. */
    String userName(long uid) {
        synchronized (posix) {
            Passwd p = posix.getpwuid((int) uid);
            return p == null ? null : p.getLoginName();
        }
    }

    String groupName(long gid) {
        synchronized (posix) {
            Group g = posix.getgrgid((int) gid);
            return g == null ? null : g.getName();
        }
    }

    /** {uid, gid} of a local user, or null. */
    private long[] lookupUser(String name) {
        if (name.isEmpty()) {
            return null;
        }
        synchronized (posix) {
            Passwd p = posix.getpwnam(name);
            return p == null ? null : new long[] {p.getUID(), p.getGID()};
        }
    }

    private Long lookupGroup(String name) {
        if (name.isEmpty()) {
            return null;
        }
        synchronized (posix) {
            Group g = posix.getgrnam(name);
            return g == null ? null : g.getGID();
        }
    }
}
