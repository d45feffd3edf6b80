package org.taskfs.styx.server;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;

/**
 * 9P2000's rules for a request, checked before any node sees it: permissions, names, open modes,
 * counts and what create and wstat may ask for. Pure: every check looks only at its arguments and
 * either returns or throws the {@link StyxException} whose text the client gets, so the server and
 * the FUSE bridge (which answers access(2) itself) apply the same rules.
 */
public final class ProtocolRules {
    private ProtocolRules() {}

    /** The permission bit a change to a directory's entries needs. */
    public static final int WRITE = 2;

    /** Permission bits a create or wstat may carry: 9P2000 has no special files. */
    static final int CREATABLE_BITS = P9.DMDIR | P9.DMAPPEND | P9.DMEXCL | P9.DMTMP | 0777;

    private static final int OPEN_MODE_BITS = 3 | P9.OTRUNC | P9.ORCLOSE;

    // ------------------------------------------------------------------ permissions

    /** The permission bits (4 read, 2 write, 1 execute) an open with {@code mode} needs. */
    public static int access(int mode) {
        int need = switch (mode & 3) {
            case P9.OREAD -> 4;
            case P9.OWRITE -> 2;
            case P9.ORDWR -> 6;
            default -> 1;
        };
        if ((mode & P9.OTRUNC) != 0) {
            need |= WRITE;
        }
        return need;
    }

    /** Plan 9's check: the bits of every class the user belongs to count. */
    public static boolean permits(Dir d, String user, int need) {
        int have = d.mode() & 7;
        if (d.gid().equals(user)) {
            have |= (d.mode() >> 3) & 7;
        }
        if (d.uid().equals(user)) {
            have |= (d.mode() >> 6) & 7;
        }
        return (have & need) == need;
    }

    static void checkPermits(Dir d, String user, int need) {
        if (!permits(d, user, need)) {
            throw new StyxException(Errors.PERMISSION);
        }
    }

    // ------------------------------------------------------------------ names

    /** A name a walk may take: one path element, no "." (".." is the caller's to allow). */
    static void checkName(String name) {
        if (name.isEmpty() || name.equals(".") || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new StyxException(Errors.BAD_NAME + ": \"" + name.replace("\0", "\\0") + "\"");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > P9.MAX_NAME) {
            throw new StyxException(Errors.NAME_TOO_LONG + " (" + P9.MAX_NAME + " bytes at most)");
        }
    }

    /** A name a file may be given by create or wstat: ".." would be a second parent. */
    static void checkNewName(String name) {
        checkName(name);
        if (name.equals("..")) {
            throw new StyxException(Errors.BAD_NAME + ": \"..\"");
        }
    }

    // ------------------------------------------------------------------ walk

    /** Only a fid that is neither open nor an auth fid walks (walk(5)). */
    static void checkWalkable(boolean auth, boolean busy) {
        // An auth fid counts as open too; say what it really is.
        if (auth) {
            throw new StyxException("cannot walk an authentication fid");
        }
        if (busy) {
            throw new StyxException(Errors.WALK_OPEN);
        }
    }

    /** Every name a proper element or "..", and a walk of any names starts at a directory. */
    static void checkWalkNames(List<String> names, boolean fromDirectory) {
        for (String name : names) {
            if (!name.equals("..")) {
                checkName(name);
            }
        }
        if (!names.isEmpty() && !fromDirectory) {
            throw new StyxException(Errors.NOT_DIR);
        }
    }

    // ------------------------------------------------------------------ open and create

    /** @param busy the fid is open, or an open or create of it is under way */
    static void checkOpen(boolean busy, int mode, boolean directory) {
        checkNotOpen(busy);
        checkMode(mode);
        if (directory && ((mode & 3) == P9.OWRITE || (mode & 3) == P9.ORDWR
                || (mode & (P9.OTRUNC | P9.ORCLOSE)) != 0)) {
            throw new StyxException(Errors.IS_DIR);
        }
    }

    static void checkCreate(boolean busy, boolean inDirectory, String name, int perm, int mode) {
        checkNotOpen(busy);
        if (!inDirectory) {
            throw new StyxException(Errors.NOT_DIR);
        }
        checkNewName(name);
        if ((perm & ~CREATABLE_BITS) != 0) {
            throw new StyxException("cannot create \"" + name + "\": permission bits 0x"
                    + Integer.toHexString(perm & ~CREATABLE_BITS) + " are not supported");
        }
        checkMode(mode);
        if ((perm & P9.DMDIR) != 0 && ((mode & 3) != P9.OREAD || (mode & P9.OTRUNC) != 0)) {
            throw new StyxException("cannot create a directory open for writing");
        }
    }

    private static void checkNotOpen(boolean busy) {
        if (busy) {
            throw new StyxException(Errors.ALREADY_OPEN);
        }
    }

    private static void checkMode(int mode) {
        if ((mode & ~OPEN_MODE_BITS) != 0) {
            throw new StyxException("bad open mode " + mode);
        }
    }

    // ------------------------------------------------------------------ read and write

    /** @param openMode the fid's open mode, {@link Fid#NOT_OPEN} if it is not open */
    static void checkRead(int openMode, long count, int iounit, long offset) {
        if (openMode == Fid.NOT_OPEN) {
            throw new StyxException(Errors.NOT_OPEN);
        }
        if ((openMode & 3) == P9.OWRITE) {
            throw new StyxException(Errors.NOT_READABLE);
        }
        if (count > iounit) {
            throw new StyxException("read count " + count + " exceeds the iounit " + iounit);
        }
        if (offset < 0) {
            throw new StyxException("read offset " + Long.toUnsignedString(offset) + " is out of range");
        }
    }

    /** @param directory the data would be a directory's (an auth fid's never is) */
    static void checkWrite(int openMode, boolean directory, int length, int iounit, long offset) {
        if (openMode == Fid.NOT_OPEN) {
            throw new StyxException(Errors.NOT_OPEN);
        }
        if (directory) {
            throw new StyxException(Errors.IS_DIR);
        }
        int mode = openMode & 3;
        if (mode != P9.OWRITE && mode != P9.ORDWR) {
            throw new StyxException(Errors.NOT_WRITABLE);
        }
        if (length > iounit) {
            throw new StyxException("write count " + length + " exceeds the iounit " + iounit);
        }
        if (offset < 0 || offset > Long.MAX_VALUE - length) {
            throw new StyxException("write offset " + Long.toUnsignedString(offset) + " is out of range");
        }
    }

    // ------------------------------------------------------------------ wstat

    /**
     * What a Twstat may change (stat(5)): never type, dev, qid or the directory bit, no special
     * files, no name for the root, no length for a directory.
     */
    static void checkWstat(Dir d, Qid current, boolean directory, boolean root) {
        if (d.type() != 0xFFFF || d.dev() != -1) {
            throw new StyxException("wstat cannot change a file's type or device");
        }
        Qid q = d.qid();
        if (!(q.type() == 0xFF && q.version() == -1 && q.path() == -1) && !q.equals(current)) {
            throw new StyxException("wstat cannot change a file's qid");
        }
        if (d.mode() != -1 && ((d.mode() & P9.DMDIR) != 0) != directory) {
            throw new StyxException("wstat cannot change whether a file is a directory");
        }
        // As for create: no special files, and a node should not have to drop bits it cannot keep.
        if (d.mode() != -1 && (d.mode() & ~CREATABLE_BITS) != 0) {
            throw new StyxException("wstat: permission bits 0x" + Integer.toHexString(d.mode() & ~CREATABLE_BITS)
                    + " are not supported");
        }
        if (!d.name().isEmpty()) {
            checkNewName(d.name());
            if (root) {
                throw new StyxException("cannot rename the root");
            }
        }
        if (d.length() != -1 && directory && d.length() != 0) {
            throw new StyxException("cannot set the length of a directory");
        }
    }
}
