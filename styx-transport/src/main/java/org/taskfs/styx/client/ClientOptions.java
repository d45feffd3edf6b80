package org.taskfs.styx.client;

import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.Objects;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.codec.P9;

/**
 * How a {@link StyxClient} connects. Start from {@link #defaults()} and change fields with the
 * {@code with…} methods.
 *
 * @param msize          the largest message asked for in Tversion; the server may lower it
 * @param uname          user name of {@link StyxClient#root()}'s attach
 * @param aname          file tree name of {@link StyxClient#root()}'s attach
 * @param requestTimeout how long a request may wait for its reply before it fails with
 *                       {@link java.util.concurrent.TimeoutException} and is flushed;
 *                       {@link Duration#ZERO} means no limit
 * @param connectTimeout bound on the TCP (or Unix socket) connect and, separately, on the version
 *                       handshake; {@link Duration#ZERO} means no limit
 * @param maxTags        most requests outstanding at once (tags 0..maxTags-1); more wait in order
 *                       for a free tag, their timeouts running meanwhile. As many tags again (as far as
 *                       the tag space goes) are kept for the Tflush of a cancelled or timed-out request, so
 *                       requests holding every tag can still be flushed
 * @param auth           how the client authenticates with Tauth when the server asks; {@link AuthMethod#NONE}
 *                       attaches without (local servers know a local client from the kernel)
 * @param group          event loop group to run on, made by
 *                       {@link org.taskfs.styx.dial.Transport#newGroup}; null makes the client own a
 *                       one-thread group that it shuts down on close
 */
public record ClientOptions(int msize, String uname, String aname, Duration requestTimeout,
                            Duration connectTimeout, int maxTags, AuthMethod auth, EventLoopGroup group) {

    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Every tag but NOTAG. */
    public static final int MAX_TAGS = P9.NOTAG;

    public ClientOptions {
        if (msize < P9.MIN_MSIZE || msize > P9.MAX_MSIZE) {
            throw new IllegalArgumentException("msize " + msize + " is out of range; expected "
                    + P9.MIN_MSIZE + ".." + P9.MAX_MSIZE);
        }
        Objects.requireNonNull(uname, "uname");
        Objects.requireNonNull(aname, "aname");
        Objects.requireNonNull(auth, "auth");
        requireNonNegative(requestTimeout, "requestTimeout");
        requireNonNegative(connectTimeout, "connectTimeout");
        if (maxTags < 1 || maxTags > MAX_TAGS) {
            throw new IllegalArgumentException("maxTags " + maxTags + " is out of range; expected 1.." + MAX_TAGS);
        }
    }

    private static void requireNonNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " " + d + " is negative; use Duration.ZERO for no limit");
        }
    }

    /** msize 64 KiB, the current user, aname "", 30 s per request, 10 s to connect, every tag, an own thread. */
    public static ClientOptions defaults() {
        return new ClientOptions(P9.DEFAULT_MSIZE, System.getProperty("user.name", "none"), "",
                DEFAULT_REQUEST_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, MAX_TAGS, AuthMethod.NONE, null);
    }

    public ClientOptions withMsize(int newMsize) {
        return new ClientOptions(newMsize, uname, aname, requestTimeout, connectTimeout, maxTags, auth, group);
    }

    public ClientOptions withUname(String newUname) {
        return new ClientOptions(msize, newUname, aname, requestTimeout, connectTimeout, maxTags, auth, group);
    }

    public ClientOptions withAname(String newAname) {
        return new ClientOptions(msize, uname, newAname, requestTimeout, connectTimeout, maxTags, auth, group);
    }

    public ClientOptions withRequestTimeout(Duration newTimeout) {
        return new ClientOptions(msize, uname, aname, newTimeout, connectTimeout, maxTags, auth, group);
    }

    public ClientOptions withConnectTimeout(Duration newTimeout) {
        return new ClientOptions(msize, uname, aname, requestTimeout, newTimeout, maxTags, auth, group);
    }

    public ClientOptions withMaxTags(int newMaxTags) {
        return new ClientOptions(msize, uname, aname, requestTimeout, connectTimeout, newMaxTags, auth, group);
    }

    public ClientOptions withAuth(AuthMethod newAuth) {
        return new ClientOptions(msize, uname, aname, requestTimeout, connectTimeout, maxTags, newAuth, group);
    }

    public ClientOptions withGroup(EventLoopGroup newGroup) {
        return new ClientOptions(msize, uname, aname, requestTimeout, connectTimeout, maxTags, auth, newGroup);
    }
}
