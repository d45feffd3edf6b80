package org.taskfs.fuse;

import java.util.Locale;
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
     * The errno for a server's Rerror string. Plan 9's strings first, exactly; then the usual
     * variants other servers write (Linux-style "No such file or directory", lib9p's "file not found").
     */
    static int forServerError(String error) {
        switch (error) {
            case "file does not exist": return ENOENT;
            case "permission denied": return EACCES;
            case "file already exists": return EEXIST;
            case "is a directory": return EISDIR;
            case "not a directory": return ENOTDIR;
            case "directory not empty": return ENOTEMPTY;
            case "interrupted": return EINTR;
            default: break;
        }
        String e = error.toLowerCase(Locale.ROOT);
        if (e.contains("does not exist") || e.contains("not found") || e.contains("no such file")) {
            return ENOENT;
        }
        if (e.contains("permission denied") || e.contains("access denied")) {
            return EACCES;
        }
        if (e.contains("already exists") || e.equals("file exists")) {
            return EEXIST;
        }
        if (e.contains("not empty")) {
            return ENOTEMPTY;
        }
        if (e.contains("not a directory")) {
            return ENOTDIR;
        }
        if (e.contains("is a directory")) {
            return EISDIR;
        }
        if (e.contains("file name too long")) {
            return ENAMETOOLONG;
        }
        return EIO;
    }

    /**
     * The errno for a failed request, logging the server's text: a mount's user sees only the errno,
     * so the words that explain it go to the log.
     */
    static Errno of(Throwable failure, String op, String path) {
        Throwable t = Failures.cause(failure);
        if (t instanceof Errno e) {
            return e;
        }
        String what = op + " " + (path == null ? "(open file)" : path);
        if (t instanceof StyxRemoteException r) {
            int errno = forServerError(r.error());
            System.Logger.Level level = errno == ENOENT || errno == EEXIST ? System.Logger.Level.DEBUG
                    : errno == EIO ? System.Logger.Level.WARNING : System.Logger.Level.INFO;
            LOG.log(level, "{0}: {1}", what, r.error());
            return new Errno(errno, r.error());
        }
        if (t instanceof CancellationException) {
            return new Errno(EINTR, "interrupted");
        }
        if (t instanceof StyxConnectionException) {
            LOG.log(System.Logger.Level.WARNING, "{0}: {1}", what, t.getMessage());
            return new Errno(EIO, t.getMessage());
        }
        if (t instanceof TimeoutException) {
            LOG.log(System.Logger.Level.WARNING, "{0}: no answer from the server in time", what);
            return new Errno(EIO, "timed out");
        }
        if (t instanceof IllegalArgumentException) {
            LOG.log(System.Logger.Level.INFO, "{0}: {1}", what, t.getMessage());
            return new Errno(EINVAL, t.getMessage());
        }
        LOG.log(System.Logger.Level.WARNING, "{0} failed", what, t);
        return new Errno(EIO, Failures.text(t));
    }
}
