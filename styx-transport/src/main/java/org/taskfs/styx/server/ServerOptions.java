package org.taskfs.styx.server;

import java.time.Duration;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.codec.P9;

/**
 * Per-connection limits of a server.
 *
 * @param maxMsize            the largest msize offered in Rversion
 * @param maxFids             fids one connection may hold
 * @param maxOutstanding      requests one connection may have in flight; more get Rerror
 * @param partialFrameTimeout how long a connection may sit on an incomplete frame (slow senders)
 * @param writeHighWaterMark  bytes of replies queued for a slow reader before the server stops reading its requests
 * @param auth                how remote peers authenticate (Tauth); local peers are known from the kernel
 * @param socketGroup         the group of a Unix socket this server creates (mode 0660), or null for mode 0600
 */
public record ServerOptions(int maxMsize, int maxFids, int maxOutstanding, Duration partialFrameTimeout,
                            int writeHighWaterMark, AuthMethod auth, String socketGroup) {

    public static final ServerOptions DEFAULTS =
            new ServerOptions(P9.MAX_MSIZE, 4096, 1024, Duration.ofSeconds(60), 2 * 1024 * 1024,
                    AuthMethod.NONE, null);

    public ServerOptions {
        if (maxMsize < P9.MIN_MSIZE || maxMsize > P9.MAX_MSIZE) {
            throw new IllegalArgumentException("maxMsize must be within " + P9.MIN_MSIZE + ".." + P9.MAX_MSIZE);
        }
        java.util.Objects.requireNonNull(auth, "auth");
        if (maxFids < 1 || maxOutstanding < 1 || writeHighWaterMark < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    public ServerOptions withMaxFids(int n) {
        return new ServerOptions(maxMsize, n, maxOutstanding, partialFrameTimeout, writeHighWaterMark, auth, socketGroup);
    }

    public ServerOptions withMaxOutstanding(int n) {
        return new ServerOptions(maxMsize, maxFids, n, partialFrameTimeout, writeHighWaterMark, auth, socketGroup);
    }

    public ServerOptions withPartialFrameTimeout(Duration d) {
        return new ServerOptions(maxMsize, maxFids, maxOutstanding, d, writeHighWaterMark, auth, socketGroup);
    }

    public ServerOptions withAuth(AuthMethod method) {
        return new ServerOptions(maxMsize, maxFids, maxOutstanding, partialFrameTimeout, writeHighWaterMark, method, socketGroup);
    }

    public ServerOptions withSocketGroup(String group) {
        return new ServerOptions(maxMsize, maxFids, maxOutstanding, partialFrameTimeout, writeHighWaterMark, auth,
                group);
    }

    public ServerOptions withWriteHighWaterMark(int bytes) {
        return new ServerOptions(maxMsize, maxFids, maxOutstanding, partialFrameTimeout, bytes, auth, socketGroup);
    }
}
