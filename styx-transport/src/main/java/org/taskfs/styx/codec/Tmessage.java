package org.taskfs.styx.codec;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Requests, one record per 9P2000 T-message. Fids and counts carry unsigned wire values.
 * Each record's body layout, as in intro(5), is written once in three forms: its size, its
 * encoding and its {@code decode}, which its {@link MessageType} constant names.
 */
public sealed interface Tmessage extends Message {

    /** The fid this request acts on, or {@link P9#NOFID} if it names none. */
    default int fid() {
        return P9.NOFID;
    }

    /** msize[4] version[s] */
    record Version(int tag, int msize, String version) implements Tmessage {
        public Version {
            Objects.requireNonNull(version, "version");
        }

        public MessageType type() {
            return MessageType.TVERSION;
        }

        public int bodySize() {
            return 4 + StyxWire.stringSize(version);
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(msize);
            StyxWire.writeString(out, version);
        }

        static Version decode(StyxWire.Reader in) {
            return new Version(in.tag(), in.u32("msize"), in.string("version"));
        }
    }

    /** afid[4] uname[s] aname[s] */
    record Auth(int tag, int afid, String uname, String aname) implements Tmessage {
        public Auth {
            Objects.requireNonNull(uname, "uname");
            Objects.requireNonNull(aname, "aname");
        }

        public MessageType type() {
            return MessageType.TAUTH;
        }

        @Override
        public int fid() {
            return afid;
        }

        public int bodySize() {
            return 4 + StyxWire.stringSize(uname) + StyxWire.stringSize(aname);
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(afid);
            StyxWire.writeString(out, uname);
            StyxWire.writeString(out, aname);
        }

        static Auth decode(StyxWire.Reader in) {
            return new Auth(in.tag(), in.u32("afid"), in.string("uname"), in.string("aname"));
        }
    }

    /** fid[4] afid[4] uname[s] aname[s] */
    record Attach(int tag, int fid, int afid, String uname, String aname) implements Tmessage {
        public Attach {
            Objects.requireNonNull(uname, "uname");
            Objects.requireNonNull(aname, "aname");
        }

        public MessageType type() {
            return MessageType.TATTACH;
        }

        public int bodySize() {
            return 4 + 4 + StyxWire.stringSize(uname) + StyxWire.stringSize(aname);
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeIntLE(afid);
            StyxWire.writeString(out, uname);
            StyxWire.writeString(out, aname);
        }

        static Attach decode(StyxWire.Reader in) {
            return new Attach(in.tag(), in.u32("fid"), in.u32("afid"), in.string("uname"), in.string("aname"));
        }
    }

    /** oldtag[2] */
    record Flush(int tag, int oldtag) implements Tmessage {
        public MessageType type() {
            return MessageType.TFLUSH;
        }

        public int bodySize() {
            return 2;
        }

        public void encodeBody(ByteBuf out) {
            out.writeShortLE(oldtag);
        }

        static Flush decode(StyxWire.Reader in) {
            return new Flush(in.tag(), in.u16("oldtag"));
        }
    }

    /** fid[4] newfid[4] nwname[2] nwname*(wname[s]) */
    record Walk(int tag, int fid, int newfid, List<String> names) implements Tmessage {
        public Walk {
            names = List.copyOf(names);
        }

        public MessageType type() {
            return MessageType.TWALK;
        }

        public int bodySize() {
            int n = 4 + 4 + 2;
            for (String name : names) {
                n += StyxWire.stringSize(name);
            }
            return n;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeIntLE(newfid);
            out.writeShortLE(names.size());
            for (String name : names) {
                StyxWire.writeString(out, name);
            }
        }

        static Walk decode(StyxWire.Reader in) {
            int fid = in.u32("fid");
            int newfid = in.u32("newfid");
            int n = in.u16("nwname");
            if (n > P9.MAXWELEM) {
                throw in.bad("walk of " + n + " names; at most " + P9.MAXWELEM + " are allowed");
            }
            List<String> names = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                names.add(in.string("wname"));
            }
            return new Walk(in.tag(), fid, newfid, names);
        }
    }

    /** fid[4] mode[1] */
    record Open(int tag, int fid, int mode) implements Tmessage {
        public MessageType type() {
            return MessageType.TOPEN;
        }

        public int bodySize() {
            return 4 + 1;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeByte(mode);
        }

        static Open decode(StyxWire.Reader in) {
            return new Open(in.tag(), in.u32("fid"), in.u8("mode"));
        }
    }

    /** fid[4] name[s] perm[4] mode[1] */
    record Create(int tag, int fid, String name, int perm, int mode) implements Tmessage {
        public Create {
            Objects.requireNonNull(name, "name");
        }

        public MessageType type() {
            return MessageType.TCREATE;
        }

        public int bodySize() {
            return 4 + StyxWire.stringSize(name) + 4 + 1;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            StyxWire.writeString(out, name);
            out.writeIntLE(perm);
            out.writeByte(mode);
        }

        static Create decode(StyxWire.Reader in) {
            return new Create(in.tag(), in.u32("fid"), in.string("name"), in.u32("perm"), in.u8("mode"));
        }
    }

    /** fid[4] offset[8] count[4] */
    record Read(int tag, int fid, long offset, int count) implements Tmessage {
        public MessageType type() {
            return MessageType.TREAD;
        }

        public int bodySize() {
            return 4 + 8 + 4;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeLongLE(offset);
            out.writeIntLE(count);
        }

        static Read decode(StyxWire.Reader in) {
            return new Read(in.tag(), in.u32("fid"), in.u64("offset"), in.u32("count"));
        }
    }

    /**
     * fid[4] offset[8] count[4] data[count]. The data array is owned by the message: neither side
     * changes it after construction.
     */
    record Write(int tag, int fid, long offset, byte[] data) implements Tmessage {
        public Write {
            Objects.requireNonNull(data, "data");
        }

        public MessageType type() {
            return MessageType.TWRITE;
        }

        public int bodySize() {
            return 4 + 8 + 4 + data.length;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeLongLE(offset);
            StyxWire.writeData(out, data);
        }

        static Write decode(StyxWire.Reader in) {
            return new Write(in.tag(), in.u32("fid"), in.u64("offset"), in.data("data"));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Write w && w.tag == tag && w.fid == fid && w.offset == offset
                    && Arrays.equals(w.data, data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(tag, fid, offset) * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Write[tag=" + tag + ", fid=" + fid + ", offset=" + offset + ", count=" + data.length + "]";
        }
    }

    /** fid[4] */
    record Clunk(int tag, int fid) implements Tmessage {
        public MessageType type() {
            return MessageType.TCLUNK;
        }

        public int bodySize() {
            return 4;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
        }

        static Clunk decode(StyxWire.Reader in) {
            return new Clunk(in.tag(), in.u32("fid"));
        }
    }

    /** fid[4] */
    record Remove(int tag, int fid) implements Tmessage {
        public MessageType type() {
            return MessageType.TREMOVE;
        }

        public int bodySize() {
            return 4;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
        }

        static Remove decode(StyxWire.Reader in) {
            return new Remove(in.tag(), in.u32("fid"));
        }
    }

    /** fid[4] */
    record Stat(int tag, int fid) implements Tmessage {
        public MessageType type() {
            return MessageType.TSTAT;
        }

        public int bodySize() {
            return 4;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
        }

        static Stat decode(StyxWire.Reader in) {
            return new Stat(in.tag(), in.u32("fid"));
        }
    }

    /** fid[4] n[2] stat[n] */
    record Wstat(int tag, int fid, Dir dir) implements Tmessage {
        public Wstat {
            Objects.requireNonNull(dir, "dir");
        }

        public MessageType type() {
            return MessageType.TWSTAT;
        }

        public int bodySize() {
            return 4 + StyxWire.wrappedDirSize(dir);
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            StyxWire.writeWrappedDir(out, dir);
        }

        static Wstat decode(StyxWire.Reader in) {
            return new Wstat(in.tag(), in.u32("fid"), in.wrappedDir());
        }
    }
}
