package org.taskfs.styx.util;

/** The one readable line a failure shows a user: the message of its real cause. */
public final class Failures {
    private Failures() {}

    /** See {@link Futures#cause}. */
    public static Throwable cause(Throwable e) {
        return Futures.cause(e);
    }

    public static String text(Throwable e) {
        Throwable t = Futures.cause(e);
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
