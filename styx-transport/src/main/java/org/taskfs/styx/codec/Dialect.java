package org.taskfs.styx.codec;

import io.netty.util.AttributeKey;

/**
 * The version of the protocol a connection agreed on in Tversion. 9P2000.u adds numeric ids and errnos to
 * a few 9P2000 messages; 9P2000.L keeps 9P2000's walk, read, write and clunk, adds Linux-shaped messages
 * (lopen, getattr, readdir, …) and answers errors with Rlerror. A message's layout may depend on it: see
 * {@link Message#bodySize(Dialect)}.
 */
public enum Dialect {
    P9_2000("9P2000"), U("9P2000.u"), L("9P2000.L");

    /** The dialect of a channel once agreed (the encoder reads it); absent means 9P2000. */
    public static final AttributeKey<Dialect> CHANNEL = AttributeKey.valueOf(Dialect.class, "dialect");

    private final String version;

    Dialect(String version) {
        this.version = version;
    }

    /** The version string, as Tversion and Rversion carry it. */
    public String version() {
        return version;
    }

    /**
     * The dialect for a client's Tversion string, or null if it names none of them. As version(5) has it, a
     * suffix after a known version is the client's own business ("9P2000.L.Google.7" is 9P2000.L, "9P2000.x"
     * is 9P2000), so the longest known prefix wins.
     */
    public static Dialect of(String asked) {
        if (asked.startsWith(L.version)) {
            return L;
        }
        if (asked.startsWith(U.version)) {
            return U;
        }
        return asked.startsWith(P9_2000.version) ? P9_2000 : null;
    }

    /** 9P2000.u and .L both carry n_uname in Tauth/Tattach and the .u fields of stat, Tcreate and Rerror. */
    public boolean unixFields() {
        return this != P9_2000;
    }
}
