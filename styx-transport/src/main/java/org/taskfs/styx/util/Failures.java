package org.taskfs.styx.util;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.regex.Pattern;

/** The one readable line a failure shows a user: the message of its real cause. */
public final class Failures {
    private Failures() {}

    /** Netty's native transport words a system call's failure as {@code bind(..) failed with error(-98): TEXT}. */
    private static final Pattern NATIVE_CALL = Pattern.compile("^\\w+\\(\\.\\.\\) failed with error\\(-?\\d+\\): (.*?)(?:: /\\S+)?$");

    /** See {@link Futures#cause}. */
    public static Throwable cause(Throwable e) {
        return Futures.cause(e);
    }

    public static String text(Throwable e) {
        Throwable t = Futures.cause(e);
        if (t instanceof FileSystemException f && f.getReason() == null && f.getFile() != null) {
            // Java words these as the bare path ("/etc/hosts"): say what is wrong with it.
            return f.getFile() + ": " + reason(f);
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return t.getClass().getSimpleName();
        }
        return NATIVE_CALL.matcher(m).replaceFirst("$1");
    }

    private static String reason(FileSystemException f) {
        if (f instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (f instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (f instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        if (f instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (f instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        return f.getClass().getSimpleName();
    }
}
