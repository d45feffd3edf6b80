package org.taskfs.styx.codec;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Replies, one record per 9P2000 R-message. As in {@link Tmessage}, each record's body layout is
 * written once in three forms: its size, its encoding and its {@code decode}.
 */
public sealed interface Rmessage extends Message {

    /** msize[4] version[s] */
    record Version(int tag, int msize, String version) implements Rmessage {
        public Version {
            Objects.requireNonNull(version, "version");
        }

        public MessageType type() {
            return MessageType.RVERSION;
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

    /** aqid[13] */
    record Auth(int tag, Qid aqid) implements Rmessage {
        public Auth {
            Objects.requireNonNull(aqid, "aqid");
        }

        public MessageType type() {
            return MessageType.RAUTH;
        }

        public int bodySize() {
            return Qid.SIZE;
        }

        public void encodeBody(ByteBuf out) {
            StyxWire.writeQid(out, aqid);
        }

        static Auth decode(StyxWire.Reader in) {
            return new Auth(in.tag(), in.qid("aqid"));
        }
    }

    /** qid[13] */
    record Attach(int tag, Qid qid) implements Rmessage {
        public Attach {
            Objects.requireNonNull(qid, "qid");
        }

        public MessageType type() {
            return MessageType.RATTACH;
        }

        public int bodySize() {
            return Qid.SIZE;
        }

        public void encodeBody(ByteBuf out) {
            StyxWire.writeQid(out, qid);
        }

        static Attach decode(StyxWire.Reader in) {
            return new Attach(in.tag(), in.qid("qid"));
        }
    }

    /** ename[s] */
    record Error(int tag, String ename) implements Rmessage {
        public Error {
            Objects.requireNonNull(ename, "ename");
        }

        public MessageType type() {
            return MessageType.RERROR;
        }

        public int bodySize() {
            return StyxWire.stringSize(ename);
        }

        public void encodeBody(ByteBuf out) {
            StyxWire.writeString(out, ename);
        }

        static Error decode(StyxWire.Reader in) {
            return new Error(in.tag(), in.string("ename"));
        }
    }

    /** No body. */
    record Flush(int tag) implements Rmessage {
        public MessageType type() {
            return MessageType.RFLUSH;
        }

        public int bodySize() {
            return 0;
        }

        public void encodeBody(ByteBuf out) {}

        static Flush decode(StyxWire.Reader in) {
            return new Flush(in.tag());
        }
    }

    /** nwqid[2] nwqid*(wqid[13]) */
    record Walk(int tag, List<Qid> qids) implements Rmessage {
        public Walk {
            qids = List.copyOf(qids);
        }

        public MessageType type() {
            return MessageType.RWALK;
        }

        public int bodySize() {
            return 2 + Qid.SIZE * qids.size();
        }

        public void encodeBody(ByteBuf out) {
            out.writeShortLE(qids.size());
            for (Qid q : qids) {
                StyxWire.writeQid(out, q);
            }
        }

        static Walk decode(StyxWire.Reader in) {
            int n = in.u16("nwqid");
            if (n > P9.MAXWELEM) {
                throw in.bad("walk reply of " + n + " qids; at most " + P9.MAXWELEM + " are allowed");
            }
            List<Qid> qids = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                qids.add(in.qid("wqid"));
            }
            return new Walk(in.tag(), qids);
        }
    }

    /** qid[13] iounit[4] */
    record Open(int tag, Qid qid, int iounit) implements Rmessage {
        public Open {
            Objects.requireNonNull(qid, "qid");
        }

        public MessageType type() {
            return MessageType.ROPEN;
        }

        public int bodySize() {
            return Qid.SIZE + 4;
        }

        public void encodeBody(ByteBuf out) {
            StyxWire.writeQid(out, qid);
            out.writeIntLE(iounit);
        }

        static Open decode(StyxWire.Reader in) {
            return new Open(in.tag(), in.qid("qid"), in.u32("iounit"));
        }
    }

    /** qid[13] iounit[4] */
    record Create(int tag, Qid qid, int iounit) implements Rmessage {
        public Create {
            Objects.requireNonNull(qid, "qid");
        }

        public MessageType type() {
            return MessageType.RCREATE;
        }

        public int bodySize() {
            return Qid.SIZE + 4;
        }

        public void encodeBody(ByteBuf out) {
            StyxWire.writeQid(out, qid);
            out.writeIntLE(iounit);
        }

        static Create decode(StyxWire.Reader in) {
            return new Create(in.tag(), in.qid("qid"), in.u32("iounit"));
        }
    }

    /**
     * count[4] data[count]. The data array is owned by the message: neither side changes it after
     * construction.
     */
    record Read(int tag, byte[] data) implements Rmessage {
        public Read {
            Objects.requireNonNull(data, "data");
        }

        public MessageType type() {
            return MessageType.RREAD;
        }

        public int bodySize() {
            return 4 + data.length;
        }

        public void encodeBody(ByteBuf out) {
            StyxWire.writeData(out, data);
        }

        static Read decode(StyxWire.Reader in) {
            return new Read(in.tag(), in.data("data"));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Read r && r.tag == tag && Arrays.equals(r.data, data);
        }

        @Override
        public int hashCode() {
            return tag * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Read[tag=" + tag + ", count=" + data.length + "]";
        }
    }

    /** count[4] */
    record Write(int tag, int count) implements Rmessage {
        public MessageType type() {
            return MessageType.RWRITE;
        }

        public int bodySize() {
            return 4;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(count);
        }

        static Write decode(StyxWire.Reader in) {
            return new Write(in.tag(), in.u32("count"));
        }
    }

    /** No body. */
    record Clunk(int tag) implements Rmessage {
        public MessageType type() {
            return MessageType.RCLUNK;
        }

        public int bodySize() {
            return 0;
        }

        public void encodeBody(ByteBuf out) {}

        static Clunk decode(StyxWire.Reader in) {
            return new Clunk(in.tag());
        }
    }

    /** No body. */
    record Remove(int tag) implements Rmessage {
        public MessageType type() {
            return MessageType.RREMOVE;
        }

        public int bodySize() {
            return 0;
        }

        public void encodeBody(ByteBuf out) {}

        static Remove decode(StyxWire.Reader in) {
            return new Remove(in.tag());
        }
    }

    /** n[2] stat[n] */
    record Stat(int tag, Dir dir) implements Rmessage {
        public Stat {
            Objects.requireNonNull(dir, "dir");
        }

        public MessageType type() {
            return MessageType.RSTAT;
        }

        public int bodySize() {
            return StyxWire.wrappedDirSize(dir);
        }

        public void encodeBody(ByteBuf out) {
            StyxWire.writeWrappedDir(out, dir);
        }

        static Stat decode(StyxWire.Reader in) {
            return new Stat(in.tag(), in.wrappedDir());
        }
    }

    /** No body. */
    record Wstat(int tag) implements Rmessage {
        public MessageType type() {
            return MessageType.RWSTAT;
        }

        public int bodySize() {
            return 0;
        }

        public void encodeBody(ByteBuf out) {}

        static Wstat decode(StyxWire.Reader in) {
            return new Wstat(in.tag());
        }
    }
}
