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

    /** ename[s], and errno[4] in 9P2000.u (Linux's number; a .L server sends {@link Lerror} instead) */
    record Error(int tag, String ename, int errno) implements Rmessage {
        public Error {
            Objects.requireNonNull(ename, "ename");
        }

        public Error(int tag, String ename) {
            this(tag, ename, 0);
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

        @Override
        public int bodySize(Dialect d) {
            return bodySize() + (d.unixFields() ? 4 : 0);
        }

        @Override
        public void encodeBody(ByteBuf out, Dialect d) {
            encodeBody(out);
            if (d.unixFields()) {
                out.writeIntLE(errno);
            }
        }

        static Error decode(StyxWire.Reader in) {
            return new Error(in.tag(), in.string("ename"), in.dialect().unixFields() ? in.u32("errno") : 0);
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
            return bodySize(Dialect.P9_2000);
        }

        public void encodeBody(ByteBuf out) {
            encodeBody(out, Dialect.P9_2000);
        }

        @Override
        public int bodySize(Dialect d) {
            return StyxWire.wrappedDirSize(dir, d);
        }

        @Override
        public void encodeBody(ByteBuf out, Dialect d) {
            StyxWire.writeWrappedDir(out, dir, d);
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

    // ---------------------------------------------------------------- 9P2000.L only

    /** A 9P2000.L error: Linux's errno, no text: ecode[4] */
    record Lerror(int tag, int ecode) implements Rmessage {
        public MessageType type() {
            return MessageType.RLERROR;
        }

        public int bodySize() {
            return 4;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(ecode);
        }

        static Lerror decode(StyxWire.Reader in) {
            return new Lerror(in.tag(), in.u32("ecode"));
        }
    }

    /** fs_type[4] bsize[4] blocks[8] bfree[8] bavail[8] files[8] ffree[8] fsid[8] namelen[4] */
    record Statfs(int tag, int fsType, int bsize, long blocks, long bfree, long bavail, long files, long ffree,
                  long fsid, int namelen) implements Rmessage {
        public MessageType type() {
            return MessageType.RSTATFS;
        }

        public int bodySize() {
            return 60;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fsType);
            out.writeIntLE(bsize);
            out.writeLongLE(blocks);
            out.writeLongLE(bfree);
            out.writeLongLE(bavail);
            out.writeLongLE(files);
            out.writeLongLE(ffree);
            out.writeLongLE(fsid);
            out.writeIntLE(namelen);
        }

        static Statfs decode(StyxWire.Reader in) {
            return new Statfs(in.tag(), in.u32("fs_type"), in.u32("bsize"), in.u64("blocks"), in.u64("bfree"),
                    in.u64("bavail"), in.u64("files"), in.u64("ffree"), in.u64("fsid"), in.u32("namelen"));
        }
    }

    /** qid[13] iounit[4] */
    record Lopen(int tag, Qid qid, int iounit) implements Rmessage {
        public Lopen {
            Objects.requireNonNull(qid, "qid");
        }

        public MessageType type() {
            return MessageType.RLOPEN;
        }

        public int bodySize() {
            return 4 + Qid.SIZE;
        }

        public void encodeBody(ByteBuf out) {
            StyxWire.writeQid(out, qid);
            out.writeIntLE(iounit);
        }

        static Lopen decode(StyxWire.Reader in) {
            return new Lopen(in.tag(), in.qid("qid"), in.u32("iounit"));
        }
    }

    /** qid[13] iounit[4] */
    record Lcreate(int tag, Qid qid, int iounit) implements Rmessage {
        public Lcreate {
            Objects.requireNonNull(qid, "qid");
        }

        public MessageType type() {
            return MessageType.RLCREATE;
        }

        public int bodySize() {
            return 4 + Qid.SIZE;
        }

        public void encodeBody(ByteBuf out) {
            StyxWire.writeQid(out, qid);
            out.writeIntLE(iounit);
        }

        static Lcreate decode(StyxWire.Reader in) {
            return new Lcreate(in.tag(), in.qid("qid"), in.u32("iounit"));
        }
    }

    /** qid[13] */
    record Symlink(int tag, Qid qid) implements Rmessage {
        public Symlink {
            Objects.requireNonNull(qid, "qid");
        }

        public MessageType type() {
            return MessageType.RSYMLINK;
        }

        public int bodySize() {
            return Qid.SIZE;
        }

        public void encodeBody(ByteBuf out) {
            StyxWire.writeQid(out, qid);
        }

        static Symlink decode(StyxWire.Reader in) {
            return new Symlink(in.tag(), in.qid("qid"));
        }
    }

    /** qid[13] */
    record Mknod(int tag, Qid qid) implements Rmessage {
        public Mknod {
            Objects.requireNonNull(qid, "qid");
        }

        public MessageType type() {
            return MessageType.RMKNOD;
        }

        public int bodySize() {
            return Qid.SIZE;
        }

        public void encodeBody(ByteBuf out) {
            StyxWire.writeQid(out, qid);
        }

        static Mknod decode(StyxWire.Reader in) {
            return new Mknod(in.tag(), in.qid("qid"));
        }
    }

    /** No body. */
    record Rename(int tag) implements Rmessage {
        public MessageType type() {
            return MessageType.RRENAME;
        }

        public int bodySize() {
            return 0;
        }

        public void encodeBody(ByteBuf out) {}

        static Rename decode(StyxWire.Reader in) {
            return new Rename(in.tag());
        }
    }

    /** target[s] */
    record Readlink(int tag, String target) implements Rmessage {
        public Readlink {
            Objects.requireNonNull(target, "target");
        }

        public MessageType type() {
            return MessageType.RREADLINK;
        }

        public int bodySize() {
            return StyxWire.stringSize(target);
        }

        public void encodeBody(ByteBuf out) {
            StyxWire.writeString(out, target);
        }

        static Readlink decode(StyxWire.Reader in) {
            return new Readlink(in.tag(), in.string("target"));
        }
    }

    /**
     * valid[8] qid[13] mode[4] uid[4] gid[4] nlink[8] rdev[8] size[8] blksize[8] blocks[8] atime_sec[8]
     * atime_nsec[8] mtime_sec[8] mtime_nsec[8] ctime_sec[8] ctime_nsec[8] btime_sec[8] btime_nsec[8] gen[8]
     * data_version[8]
     */
    record Getattr(int tag, long valid, Qid qid, int mode, int uid, int gid, long nlink, long rdev, long size,
                   long blksize, long blocks, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec,
                   long ctimeSec, long ctimeNsec, long btimeSec, long btimeNsec, long gen,
                   long dataVersion) implements Rmessage {
        public Getattr {
            Objects.requireNonNull(qid, "qid");
        }

        public MessageType type() {
            return MessageType.RGETATTR;
        }

        public int bodySize() {
            return 140 + Qid.SIZE;
        }

        public void encodeBody(ByteBuf out) {
            out.writeLongLE(valid);
            StyxWire.writeQid(out, qid);
            out.writeIntLE(mode);
            out.writeIntLE(uid);
            out.writeIntLE(gid);
            out.writeLongLE(nlink);
            out.writeLongLE(rdev);
            out.writeLongLE(size);
            out.writeLongLE(blksize);
            out.writeLongLE(blocks);
            out.writeLongLE(atimeSec);
            out.writeLongLE(atimeNsec);
            out.writeLongLE(mtimeSec);
            out.writeLongLE(mtimeNsec);
            out.writeLongLE(ctimeSec);
            out.writeLongLE(ctimeNsec);
            out.writeLongLE(btimeSec);
            out.writeLongLE(btimeNsec);
            out.writeLongLE(gen);
            out.writeLongLE(dataVersion);
        }

        static Getattr decode(StyxWire.Reader in) {
            return new Getattr(in.tag(), in.u64("valid"), in.qid("qid"), in.u32("mode"), in.u32("uid"), in.u32("gid"),
                    in.u64("nlink"), in.u64("rdev"), in.u64("size"), in.u64("blksize"), in.u64("blocks"),
                    in.u64("atime_sec"), in.u64("atime_nsec"), in.u64("mtime_sec"), in.u64("mtime_nsec"),
                    in.u64("ctime_sec"), in.u64("ctime_nsec"), in.u64("btime_sec"), in.u64("btime_nsec"), in.u64("gen"),
                    in.u64("data_version"));
        }
    }

    /** No body. */
    record Setattr(int tag) implements Rmessage {
        public MessageType type() {
            return MessageType.RSETATTR;
        }

        public int bodySize() {
            return 0;
        }

        public void encodeBody(ByteBuf out) {}

        static Setattr decode(StyxWire.Reader in) {
            return new Setattr(in.tag());
        }
    }

    /** size[8] */
    record Xattrwalk(int tag, long size) implements Rmessage {
        public MessageType type() {
            return MessageType.RXATTRWALK;
        }

        public int bodySize() {
            return 8;
        }

        public void encodeBody(ByteBuf out) {
            out.writeLongLE(size);
        }

        static Xattrwalk decode(StyxWire.Reader in) {
            return new Xattrwalk(in.tag(), in.u64("size"));
        }
    }

    /** No body. */
    record Xattrcreate(int tag) implements Rmessage {
        public MessageType type() {
            return MessageType.RXATTRCREATE;
        }

        public int bodySize() {
            return 0;
        }

        public void encodeBody(ByteBuf out) {}

        static Xattrcreate decode(StyxWire.Reader in) {
            return new Xattrcreate(in.tag());
        }
    }

    /** Whole entries ({@link Dirent}, {@link StyxWire#writeDirent}): count[4] data[count] */
    record Readdir(int tag, byte[] data) implements Rmessage {
        public Readdir {
            Objects.requireNonNull(data, "data");
        }

        public MessageType type() {
            return MessageType.RREADDIR;
        }

        public int bodySize() {
            return 4 + data.length;
        }

        public void encodeBody(ByteBuf out) {
            StyxWire.writeData(out, data);
        }

        static Readdir decode(StyxWire.Reader in) {
            return new Readdir(in.tag(), in.data("data"));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Readdir o && o.tag == tag && Arrays.equals(o.data, data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(tag) * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Readdir[tag=" + tag + ", count=" + data.length + "]";
        }
    }

    /** No body. */
    record Fsync(int tag) implements Rmessage {
        public MessageType type() {
            return MessageType.RFSYNC;
        }

        public int bodySize() {
            return 0;
        }

        public void encodeBody(ByteBuf out) {}

        static Fsync decode(StyxWire.Reader in) {
            return new Fsync(in.tag());
        }
    }

    /** status[1] */
    record Lock(int tag, int status) implements Rmessage {
        public MessageType type() {
            return MessageType.RLOCK;
        }

        public int bodySize() {
            return 1;
        }

        public void encodeBody(ByteBuf out) {
            out.writeByte(status);
        }

        static Lock decode(StyxWire.Reader in) {
            return new Lock(in.tag(), in.u8("status"));
        }
    }

    /** lock_type[1] start[8] length[8] proc_id[4] client_id[s] */
    record Getlock(int tag, int lockType, long start, long length, int procId, String clientId) implements Rmessage {
        public Getlock {
            Objects.requireNonNull(clientId, "clientId");
        }

        public MessageType type() {
            return MessageType.RGETLOCK;
        }

        public int bodySize() {
            return 21 + StyxWire.stringSize(clientId);
        }

        public void encodeBody(ByteBuf out) {
            out.writeByte(lockType);
            out.writeLongLE(start);
            out.writeLongLE(length);
            out.writeIntLE(procId);
            StyxWire.writeString(out, clientId);
        }

        static Getlock decode(StyxWire.Reader in) {
            return new Getlock(in.tag(), in.u8("lock_type"), in.u64("start"), in.u64("length"), in.u32("proc_id"),
                    in.string("client_id"));
        }
    }

    /** No body. */
    record Link(int tag) implements Rmessage {
        public MessageType type() {
            return MessageType.RLINK;
        }

        public int bodySize() {
            return 0;
        }

        public void encodeBody(ByteBuf out) {}

        static Link decode(StyxWire.Reader in) {
            return new Link(in.tag());
        }
    }

    /** qid[13] */
    record Mkdir(int tag, Qid qid) implements Rmessage {
        public Mkdir {
            Objects.requireNonNull(qid, "qid");
        }

        public MessageType type() {
            return MessageType.RMKDIR;
        }

        public int bodySize() {
            return Qid.SIZE;
        }

        public void encodeBody(ByteBuf out) {
            StyxWire.writeQid(out, qid);
        }

        static Mkdir decode(StyxWire.Reader in) {
            return new Mkdir(in.tag(), in.qid("qid"));
        }
    }

    /** No body. */
    record Renameat(int tag) implements Rmessage {
        public MessageType type() {
            return MessageType.RRENAMEAT;
        }

        public int bodySize() {
            return 0;
        }

        public void encodeBody(ByteBuf out) {}

        static Renameat decode(StyxWire.Reader in) {
            return new Renameat(in.tag());
        }
    }

    /** No body. */
    record Unlinkat(int tag) implements Rmessage {
        public MessageType type() {
            return MessageType.RUNLINKAT;
        }

        public int bodySize() {
            return 0;
        }

        public void encodeBody(ByteBuf out) {}

        static Unlinkat decode(StyxWire.Reader in) {
            return new Unlinkat(in.tag());
        }
    }
}
