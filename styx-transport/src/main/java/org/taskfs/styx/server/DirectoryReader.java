package org.taskfs.styx.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.taskfs.styx.codec.Dialect;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.StyxWire;

/**
 * Tread on a directory, as read(5) has it: the data is whole stat entries, never one cut in two;
 * the listing is taken by a read at offset 0 and then read in order, each read starting where the
 * last one ended, in the connection's dialect (9P2000.u's entries are longer). One per fid; touched only on
 * the connection's event loop.
 */
final class DirectoryReader {
    /** The listing of the last read at offset 0, encoded; null before the first. */
    private List<byte[]> entries;
    private int next;
    private long offset;

    /** A read at offset 0 begins again, from a fresh listing. */
    void restart(List<Dir> dirs, Dialect dialect) {
        List<byte[]> encoded = new ArrayList<>(dirs.size());
        for (Dir d : dirs) {
            ByteBuf b = Unpooled.buffer(StyxWire.dirSize(d, dialect));
            StyxWire.writeDir(b, d, dialect);
            encoded.add(b.array().length == b.readableBytes() ? b.array() : Arrays.copyOf(b.array(), b.readableBytes()));
        }
        entries = encoded;
        next = 0;
        offset = 0;
    }

    /** The entries that fit {@code count} bytes, read at {@code at}: where the last read ended. */
    byte[] read(long at, int count) {
        if (entries == null || at != offset) {
            throw new StyxException(Errors.BAD_DIR_OFFSET);
        }
        int n = 0;
        int end = next;
        while (end < entries.size() && n + entries.get(end).length <= count) {
            n += entries.get(end).length;
            end++;
        }
        if (end == next && end < entries.size()) {
            throw new StyxException("read count " + count + " is too small for a directory entry of "
                    + entries.get(end).length + " bytes");
        }
        byte[] data = new byte[n];
        int pos = 0;
        for (int i = next; i < end; i++) {
            byte[] e = entries.get(i);
            System.arraycopy(e, 0, data, pos, e.length);
            pos += e.length;
        }
        next = end;
        offset += n;
        return data;
    }
}
