package org.taskfs.fuse;

import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import org.taskfs.styx.client.StyxConnectionException;
import org.taskfs.styx.client.StyxRemoteException;
import org.taskfs.styx.util.Failures;
import ru.serce.jnrfuse.ErrorCodes;

/** Turns what a 9P request failed with into the errno a FUSE callback returns (negated by the caller). */
final class Errnos {
    private static final System.Logger LOG = System.getLogger(Errnos.class.getName());

    private Errnos() {}

    static final int ENOENT = ErrorCodes.ENOENT();
    static final int EACCES = ErrorCodes.EACCES();
    static final int EPERM = ErrorCodes.EPERM();
    static final int EEXIST = ErrorCodes.EEXIST();
    static final int EISDIR = ErrorCodes.EISDIR();
    static final int ENOTDIR = ErrorCodes.ENOTDIR();
    static final int ENOTEMPTY = ErrorCodes.ENOTEMPTY();
    static final int EINTR = ErrorCodes.EINTR();
    static final int EIO = ErrorCodes.EIO();
    static final int EXDEV = ErrorCodes.EXDEV();
    static final int EBADF = ErrorCodes.EBADF();
    static final int EINVAL = ErrorCodes.EINVAL();
    static final int ENAMETOOLONG = ErrorCodes.ENAMETOOLONG();

    /** An errno to return from a callback, thrown through the bridge's own code. No stack trace: it is an answer. */
    static final class Errno extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;

        Errno(int errno, String message) {
            super(message, null, false, false);
            this.errno = errno;
        }
    }

    /**
     * The errno for a server's Rerror string, by the one table every server's words are classed in
     * ({@link org.taskfs.styx.server.Errno}), given as this platform numbers it.
     */
    static int forServerError(String error) {
        return forClass(org.taskfs.styx.server.Errno.of(error));
    }

    static int forClass(org.taskfs.styx.server.Errno e) {
        return jnr.constants.platform.Errno.valueOf(e.name()).intValue();
    }

    /**
     * The errno for a failed request, noting the server's text in the mount's log: a mount's user sees only the
     * errno, so the words that explain it go there.
     */
    static Errno of(Throwable failure, String op, String path, MountLog log) {
        Throwable t = Failures.cause(failure);
        if (t instanceof Errno e) {
            return e;
        }
        if (t instanceof StyxRemoteException r) {
            int errno = forServerError(r.error());
            // The kernel looks names up all the time, and a name that is not there is no one's mistake.
            boolean routine = (errno == ENOENT && (op.equals("getattr") || op.equals("access")))
                    || (errno == EEXIST && op.equals("mkdir"));
            log.note(errno == EIO ? System.Logger.Level.WARNING : System.Logger.Level.INFO, op, path, r.error(),
                    routine);
            return new Errno(errno, r.error());
        }
        if (t instanceof CancellationException) {
            return new Errno(EINTR, "interrupted");
        }
        if (t instanceof StyxConnectionException) {
            log.note(System.Logger.Level.WARNING, op, path, t.getMessage(), false);
            return new Errno(EIO, t.getMessage());
        }
        if (t instanceof TimeoutException) {
            log.note(System.Logger.Level.WARNING, op, path, "no answer from the server in time", false);
            return new Errno(EIO, "timed out");
        }
        if (t instanceof IllegalArgumentException) {
            log.note(System.Logger.Level.INFO, op, path, t.getMessage(), false);
            return new Errno(EINVAL, t.getMessage());
        }
        LOG.log(System.Logger.Level.WARNING, op + " " + path + " failed", t);
        if (log.file() != null) {
            log.note(System.Logger.Level.WARNING, op, path, "failed: " + Failures.text(t), false);
        }
        return new Errno(EIO, Failures.text(t));
    }
}
