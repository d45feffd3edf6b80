package org.taskfs.styx.codec;

import java.util.Objects;

/**
 * A directory entry, the {@code stat} structure of stat(5). {@code dev}, {@code mode}, {@code atime}
 * and {@code mtime} carry unsigned 32-bit wire values; times are seconds since the epoch.
 * In Twstat, ~0 (-1) in a number and "" in a string mean "don't touch".
 *
 * <p>The last four fields are 9P2000.u's (a special file's extension and the numeric ids); 9P2000 does not
 * carry them, and a server fills the ids in only for a .u client ({@link #withNumericIds}).
 */
public record Dir(int type, int dev, Qid qid, int mode, int atime, int mtime, long length,
                  String name, String uid, String gid, String muid,
                  String extension, int nUid, int nGid, int nMuid) {

    /** Bytes of the fixed part after size[2]: type[2] dev[4] qid[13] mode[4] atime[4] mtime[4] length[8]. */
    static final int FIXED_SIZE = 2 + 4 + Qid.SIZE + 4 + 4 + 4 + 8;

    public Dir {
        Objects.requireNonNull(qid, "qid");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(gid, "gid");
        Objects.requireNonNull(muid, "muid");
        Objects.requireNonNull(extension, "extension");
        if ((type & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("dir type does not fit 16 bits: " + type);
        }
    }

    /** A 9P2000 entry: no extension, ids unknown (~0). */
    public Dir(int type, int dev, Qid qid, int mode, int atime, int mtime, long length,
               String name, String uid, String gid, String muid) {
        this(type, dev, qid, mode, atime, mtime, length, name, uid, gid, muid, "", P9.NONUNAME, P9.NONUNAME,
                P9.NONUNAME);
    }

    /** A Twstat argument that changes nothing; use the {@code with…} methods to set fields. */
    public static Dir dontTouch() {
        return new Dir(0xFFFF, -1, new Qid(0xFF, -1, -1L), -1, -1, -1, -1L, "", "", "", "");
    }

    public boolean isDirectory() {
        return (mode & P9.DMDIR) != 0;
    }

    public Dir withName(String newName) {
        return new Dir(type, dev, qid, mode, atime, mtime, length, newName, uid, gid, muid, extension, nUid, nGid, nMuid);
    }

    public Dir withMode(int newMode) {
        return new Dir(type, dev, qid, newMode, atime, mtime, length, name, uid, gid, muid, extension, nUid, nGid, nMuid);
    }

    public Dir withLength(long newLength) {
        return new Dir(type, dev, qid, mode, atime, mtime, newLength, name, uid, gid, muid, extension, nUid, nGid, nMuid);
    }

    public Dir withMtime(int newMtime) {
        return new Dir(type, dev, qid, mode, atime, newMtime, length, name, uid, gid, muid, extension, nUid, nGid, nMuid);
    }

    public Dir withQid(Qid newQid) {
        return new Dir(type, dev, newQid, mode, atime, mtime, length, name, uid, gid, muid, extension, nUid, nGid, nMuid);
    }

    /** This entry with 9P2000.u's numeric user, group and last modifier. */
    public Dir withNumericIds(int newUid, int newGid, int newMuid) {
        return new Dir(type, dev, qid, mode, atime, mtime, length, name, uid, gid, muid, extension, newUid, newGid,
                newMuid);
    }

    public Dir withOwners(String newUid, String newGid) {
        return new Dir(type, dev, qid, mode, atime, mtime, length, name, newUid, newGid, muid, extension, nUid, nGid, nMuid);
    }
}
