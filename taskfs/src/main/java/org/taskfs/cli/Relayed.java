package org.taskfs.cli;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxWire;
import org.taskfs.styx.codec.Tmessage;

/**
 * How a message changes on its way through the relay: a request gets the upstream tag and fid numbers,
 * and the relay's user as its attach name; a reply goes back byte for byte under the client's tag.
 */
final class Relayed {
    private Relayed() {}

    /**
     * The upstream connection also carries the relay's own attach (and whatever fid the authentication
     * left), numbered from 0 up by StyxClient; clients number theirs from 0 up too. Flipping bit 30 moves
     * the clients' into a range of their own, with no table to keep.
     */
    static int upstreamFid(int fid) {
        return fid == P9.NOFID ? P9.NOFID : fid ^ 0x4000_0000;
    }

    /**
     * {@code t} as sent upstream under {@code tag}. Version, Auth and Flush are the relay's own business
     * and never come here.
     *
     * @param uname the relay's user: every attach is made as the one user the relay serves, whatever the
     *              client says (v9fs says "nobody" unless told otherwise); the afid is the server's
     *              sticky authentication of this connection
     */
    static Tmessage upstream(Tmessage t, int tag, String uname) {
        if (t instanceof Tmessage.Attach a) {
            return new Tmessage.Attach(tag, upstreamFid(a.fid()), P9.NOFID, uname, a.aname());
        }
        if (t instanceof Tmessage.Walk w) {
            return new Tmessage.Walk(tag, upstreamFid(w.fid()), upstreamFid(w.newfid()), w.names());
        }
        if (t instanceof Tmessage.Open o) {
            return new Tmessage.Open(tag, upstreamFid(o.fid()), o.mode());
        }
        if (t instanceof Tmessage.Create c) {
            return new Tmessage.Create(tag, upstreamFid(c.fid()), c.name(), c.perm(), c.mode());
        }
        if (t instanceof Tmessage.Read r) {
            return new Tmessage.Read(tag, upstreamFid(r.fid()), r.offset(), r.count());
        }
        if (t instanceof Tmessage.Write w) {
            return new Tmessage.Write(tag, upstreamFid(w.fid()), w.offset(), w.data());
        }
        if (t instanceof Tmessage.Clunk c) {
            return new Tmessage.Clunk(tag, upstreamFid(c.fid()));
        }
        if (t instanceof Tmessage.Remove r) {
            return new Tmessage.Remove(tag, upstreamFid(r.fid()));
        }
        if (t instanceof Tmessage.Stat s) {
            return new Tmessage.Stat(tag, upstreamFid(s.fid()));
        }
        if (t instanceof Tmessage.Wstat w) {
            return new Tmessage.Wstat(tag, upstreamFid(w.fid()), w.dir());
        }
        throw new IllegalArgumentException("the relay does not forward " + t.type());
    }

    /** Whether a request may wait indefinitely upstream (a task's stdout, wait): a flush of it is passed on. */
    static boolean mayBlock(Tmessage t) {
        return t instanceof Tmessage.Read || t instanceof Tmessage.Write;
    }

    /** The reply's frame with the client's tag in place of the upstream one (size[4] type[1] tag[2] …). */
    static ByteBuf downstream(Rmessage r, int tag, ByteBufAllocator alloc) {
        ByteBuf frame = alloc.ioBuffer(StyxWire.size(r));
        StyxWire.encode(r, frame);
        frame.setShortLE(frame.readerIndex() + 5, tag);
        return frame;
    }
}
