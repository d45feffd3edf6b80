package org.taskfs.styx.server;

import java.util.Arrays;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;

/** Small helpers for synthetic files, in the spirit of lib9p's readstr/readbuf. */
public final class Files9 {
    private Files9() {}

    /** The part of {@code content} a read at {@code offset} for {@code count} bytes gets. */
    public static byte[] slice(byte[] content, long offset, int count) {
        if (offset >= content.length) {
            return new byte[0];
        }
        int from = (int) offset;
        return Arrays.copyOfRange(content, from, (int) Math.min(content.length, (long) from + count));
    }

    /** A directory entry with the current time, length 0, as synthetic files have. */
    public static Dir dir(String name, Qid qid, int perm, String owner) {
        int now = (int) (System.currentTimeMillis() / 1000);
        int mode = qid.isDirectory() ? (perm | P9.DMDIR) : perm;
        return new Dir(0, 0, qid, mode, now, now, 0, name, owner, owner, owner);
    }
}
