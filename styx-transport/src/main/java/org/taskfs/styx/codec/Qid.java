package org.taskfs.styx.codec;

/**
 * The server's unique identification of a file: type[1] version[4] path[8].
 * {@code version} and {@code path} carry unsigned wire values.
 */
public record Qid(int type, int version, long path) {
    public static final int SIZE = 13;

    public Qid {
        if ((type & ~0xFF) != 0) {
            throw new IllegalArgumentException("qid type does not fit a byte: " + type);
        }
    }

    public static Qid file(long path) {
        return new Qid(P9.QTFILE, 0, path);
    }

    public static Qid directory(long path) {
        return new Qid(P9.QTDIR, 0, path);
    }

    public boolean isDirectory() {
        return (type & P9.QTDIR) != 0;
    }

    public boolean isAuth() {
        return (type & P9.QTAUTH) != 0;
    }

    @Override
    public String toString() {
        return "(" + Long.toHexString(path) + " " + Integer.toUnsignedString(version) + " "
                + (isDirectory() ? "d" : "") + ((type & P9.QTAPPEND) != 0 ? "a" : "")
                + ((type & P9.QTAUTH) != 0 ? "A" : "") + ")";
    }
}
