package org.taskfs.styx.util;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** The one readable line a failure shows a user: the message of its real cause. */
public final class Failures {
    private Failures() {}

    public static Throwable cause(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    public static String text(Throwable e) {
        Throwable t = cause(e);
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
