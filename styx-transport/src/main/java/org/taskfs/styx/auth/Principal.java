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
public record Principal(int uid, String user, String proof, boolean speaker) {}
