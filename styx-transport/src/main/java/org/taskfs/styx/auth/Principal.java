package org.taskfs.styx.auth;

/**
 * Who a connection's peer was proved to be, and by what: the kernel (a Unix socket's SO_PEERCRED, the owner of
 * a loopback TCP peer's socket), a MUNGE credential, or the shared key. The attach name a client sends is a
 * claim checked against this, never trusted on its own.
 *
 * @param uid   the peer's numeric uid, or -1 when the proof names no uid (the shared key: the cluster's service)
 * @param user  the peer's user name (for the key: the user the server itself runs as)
 * @param proof how it was proved, for errors and logs: {@code unix socket}, {@code loopback tcp}, {@code munge},
 *              {@code key}, {@code none}
 * @param speaker whether the peer may attach as any user (root, the server's own user, a holder of the
 *              cluster key): a coordinator naming a session's owner to a node, as slurmctld does to slurmd
 */
public record Principal(int uid, String user, String proof, boolean speaker) {
    public static final String UNIX_SOCKET = "unix socket";
    public static final String LOOPBACK_TCP = "loopback tcp";
    public static final String MUNGE = "munge";
    public static final String KEY = "key";
    public static final String NONE = "none";

    /**
     * The principal of a peer the kernel or munge vouches for as {@code uid}: a speaker when it is root or
     * the server's own user. Blocks (name lookup): call it off the event loop.
     */
    public static Principal ofUid(int uid, String proof) {
        return new Principal(uid, Users.name(uid), proof, Users.isSpeakerUid(uid));
    }

    /** The holder of the shared cluster key: the service itself, so it speaks for anyone. Blocks. */
    public static Principal keyHolder() {
        return new Principal(-1, Users.selfName(), KEY, true);
    }

    /** A peer nobody vouches for, taken at its word (a server started with --insecure). */
    public static Principal claimed(String user) {
        return new Principal(-1, user, NONE, false);
    }

    /** For errors: {@code user nobody (uid 65534, unix socket)}. */
    public String describe() {
        if (uid < 0) {
            return proof.equals(KEY) ? "the holder of the shared key" : "user " + user + " (unproven)";
        }
        return "user " + user + " (uid " + uid + ", " + proof + ")";
    }
}
