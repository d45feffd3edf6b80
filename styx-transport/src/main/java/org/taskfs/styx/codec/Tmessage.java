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

    /** afid[4] uname[s] aname[s], and n_uname[4] in 9P2000.u and .L ({@link P9#NONUNAME}: use uname) */
    record Auth(int tag, int afid, String uname, String aname, int nUname) implements Tmessage {
        public Auth {
            Objects.requireNonNull(uname, "uname");
            Objects.requireNonNull(aname, "aname");
        }

        public Auth(int tag, int afid, String uname, String aname) {
            this(tag, afid, uname, aname, P9.NONUNAME);
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

        @Override
        public int bodySize(Dialect d) {
            return bodySize() + (d.unixFields() ? 4 : 0);
        }

        @Override
        public void encodeBody(ByteBuf out, Dialect d) {
            encodeBody(out);
            if (d.unixFields()) {
                out.writeIntLE(nUname);
            }
        }

        static Auth decode(StyxWire.Reader in) {
            return new Auth(in.tag(), in.u32("afid"), in.string("uname"), in.string("aname"), in.nUname());
        }
    }

    /** fid[4] afid[4] uname[s] aname[s], and n_uname[4] in 9P2000.u and .L */
    record Attach(int tag, int fid, int afid, String uname, String aname, int nUname) implements Tmessage {
        public Attach {
            Objects.requireNonNull(uname, "uname");
            Objects.requireNonNull(aname, "aname");
        }

        public Attach(int tag, int fid, int afid, String uname, String aname) {
            this(tag, fid, afid, uname, aname, P9.NONUNAME);
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

        @Override
        public int bodySize(Dialect d) {
            return bodySize() + (d.unixFields() ? 4 : 0);
        }

        @Override
        public void encodeBody(ByteBuf out, Dialect d) {
            encodeBody(out);
            if (d.unixFields()) {
                out.writeIntLE(nUname);
            }
        }

        static Attach decode(StyxWire.Reader in) {
            return new Attach(in.tag(), in.u32("fid"), in.u32("afid"), in.string("uname"), in.string("aname"),
                    in.nUname());
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

    /** fid[4] name[s] perm[4] mode[1], and extension[s] in 9P2000.u and .L (a special file's target) */
    record Create(int tag, int fid, String name, int perm, int mode, String extension) implements Tmessage {
        public Create {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(extension, "extension");
        }

        public Create(int tag, int fid, String name, int perm, int mode) {
            this(tag, fid, name, perm, mode, "");
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

        @Override
        public int bodySize(Dialect d) {
            return bodySize() + (d.unixFields() ? StyxWire.stringSize(extension) : 0);
        }

        @Override
        public void encodeBody(ByteBuf out, Dialect d) {
            encodeBody(out);
            if (d.unixFields()) {
                StyxWire.writeString(out, extension);
            }
        }

        static Create decode(StyxWire.Reader in) {
            return new Create(in.tag(), in.u32("fid"), in.string("name"), in.u32("perm"), in.u8("mode"),
                    in.dialect().unixFields() ? in.string("extension") : "");
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
            return bodySize(Dialect.P9_2000);
        }

        public void encodeBody(ByteBuf out) {
            encodeBody(out, Dialect.P9_2000);
        }

        @Override
        public int bodySize(Dialect d) {
            return 4 + StyxWire.wrappedDirSize(dir, d);
        }

        @Override
        public void encodeBody(ByteBuf out, Dialect d) {
            out.writeIntLE(fid);
            StyxWire.writeWrappedDir(out, dir, d);
        }

        static Wstat decode(StyxWire.Reader in) {
            return new Wstat(in.tag(), in.u32("fid"), in.wrappedDir());
        }
    }

    // ---------------------------------------------------------------- 9P2000.L only

    /** File system statistics: fid[4] */
    record Statfs(int tag, int fid) implements Tmessage {
        public MessageType type() {
            return MessageType.TSTATFS;
        }

        @Override
        public int fid() {
            return fid;
        }

        public int bodySize() {
            return 4;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
        }

        static Statfs decode(StyxWire.Reader in) {
            return new Statfs(in.tag(), in.u32("fid"));
        }
    }

    /** Opens with Linux open(2) flags: fid[4] flags[4] */
    record Lopen(int tag, int fid, int flags) implements Tmessage {
        public MessageType type() {
            return MessageType.TLOPEN;
        }

        @Override
        public int fid() {
            return fid;
        }

        public int bodySize() {
            return 8;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeIntLE(flags);
        }

        static Lopen decode(StyxWire.Reader in) {
            return new Lopen(in.tag(), in.u32("fid"), in.u32("flags"));
        }
    }

    /** Creates and opens a file in the directory fid, which becomes it: fid[4] name[s] flags[4] mode[4] gid[4] */
    record Lcreate(int tag, int fid, String name, int flags, int mode, int gid) implements Tmessage {
        public Lcreate {
            Objects.requireNonNull(name, "name");
        }

        public MessageType type() {
            return MessageType.TLCREATE;
        }

        @Override
        public int fid() {
            return fid;
        }

        public int bodySize() {
            return 16 + StyxWire.stringSize(name);
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            StyxWire.writeString(out, name);
            out.writeIntLE(flags);
            out.writeIntLE(mode);
            out.writeIntLE(gid);
        }

        static Lcreate decode(StyxWire.Reader in) {
            return new Lcreate(in.tag(), in.u32("fid"), in.string("name"), in.u32("flags"), in.u32("mode"),
                    in.u32("gid"));
        }
    }

    /** Makes a symbolic link: fid[4] name[s] symtgt[s] gid[4] */
    record Symlink(int tag, int fid, String name, String symtgt, int gid) implements Tmessage {
        public Symlink {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(symtgt, "symtgt");
        }

        public MessageType type() {
            return MessageType.TSYMLINK;
        }

        @Override
        public int fid() {
            return fid;
        }

        public int bodySize() {
            return 8 + StyxWire.stringSize(name) + StyxWire.stringSize(symtgt);
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            StyxWire.writeString(out, name);
            StyxWire.writeString(out, symtgt);
            out.writeIntLE(gid);
        }

        static Symlink decode(StyxWire.Reader in) {
            return new Symlink(in.tag(), in.u32("fid"), in.string("name"), in.string("symtgt"), in.u32("gid"));
        }
    }

    /** Makes a device or pipe: dfid[4] name[s] mode[4] major[4] minor[4] gid[4] */
    record Mknod(int tag, int dfid, String name, int mode, int major, int minor, int gid) implements Tmessage {
        public Mknod {
            Objects.requireNonNull(name, "name");
        }

        public MessageType type() {
            return MessageType.TMKNOD;
        }

        @Override
        public int fid() {
            return dfid;
        }

        public int bodySize() {
            return 20 + StyxWire.stringSize(name);
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(dfid);
            StyxWire.writeString(out, name);
            out.writeIntLE(mode);
            out.writeIntLE(major);
            out.writeIntLE(minor);
            out.writeIntLE(gid);
        }

        static Mknod decode(StyxWire.Reader in) {
            return new Mknod(in.tag(), in.u32("dfid"), in.string("name"), in.u32("mode"), in.u32("major"),
                    in.u32("minor"), in.u32("gid"));
        }
    }

    /** Moves fid into dfid as name: fid[4] dfid[4] name[s] */
    record Rename(int tag, int fid, int dfid, String name) implements Tmessage {
        public Rename {
            Objects.requireNonNull(name, "name");
        }

        public MessageType type() {
            return MessageType.TRENAME;
        }

        @Override
        public int fid() {
            return fid;
        }

        public int bodySize() {
            return 8 + StyxWire.stringSize(name);
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeIntLE(dfid);
            StyxWire.writeString(out, name);
        }

        static Rename decode(StyxWire.Reader in) {
            return new Rename(in.tag(), in.u32("fid"), in.u32("dfid"), in.string("name"));
        }
    }

    /** A symbolic link's target: fid[4] */
    record Readlink(int tag, int fid) implements Tmessage {
        public MessageType type() {
            return MessageType.TREADLINK;
        }

        @Override
        public int fid() {
            return fid;
        }

        public int bodySize() {
            return 4;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
        }

        static Readlink decode(StyxWire.Reader in) {
            return new Readlink(in.tag(), in.u32("fid"));
        }
    }

    /** Attributes, as stat(2): fid[4] request_mask[8] */
    record Getattr(int tag, int fid, long requestMask) implements Tmessage {
        public MessageType type() {
            return MessageType.TGETATTR;
        }

        @Override
        public int fid() {
            return fid;
        }

        public int bodySize() {
            return 12;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeLongLE(requestMask);
        }

        static Getattr decode(StyxWire.Reader in) {
            return new Getattr(in.tag(), in.u32("fid"), in.u64("request_mask"));
        }
    }

    /**
     * Changes the attributes valid names: fid[4] valid[4] mode[4] uid[4] gid[4] size[8] atime_sec[8] atime_nsec[8]
     * mtime_sec[8] mtime_nsec[8]
     */
    record Setattr(int tag, int fid, int valid, int mode, int uid, int gid, long size, long atimeSec, long atimeNsec,
                   long mtimeSec, long mtimeNsec) implements Tmessage {
        public MessageType type() {
            return MessageType.TSETATTR;
        }

        @Override
        public int fid() {
            return fid;
        }

        public int bodySize() {
            return 60;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeIntLE(valid);
            out.writeIntLE(mode);
            out.writeIntLE(uid);
            out.writeIntLE(gid);
            out.writeLongLE(size);
            out.writeLongLE(atimeSec);
            out.writeLongLE(atimeNsec);
            out.writeLongLE(mtimeSec);
            out.writeLongLE(mtimeNsec);
        }

        static Setattr decode(StyxWire.Reader in) {
            return new Setattr(in.tag(), in.u32("fid"), in.u32("valid"), in.u32("mode"), in.u32("uid"), in.u32("gid"),
                    in.u64("size"), in.u64("atime_sec"), in.u64("atime_nsec"), in.u64("mtime_sec"),
                    in.u64("mtime_nsec"));
        }
    }

    /** Opens an extended attribute (or the list, for "") as newfid: fid[4] newfid[4] name[s] */
    record Xattrwalk(int tag, int fid, int newfid, String name) implements Tmessage {
        public Xattrwalk {
            Objects.requireNonNull(name, "name");
        }

        public MessageType type() {
            return MessageType.TXATTRWALK;
        }

        @Override
        public int fid() {
            return fid;
        }

        public int bodySize() {
            return 8 + StyxWire.stringSize(name);
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeIntLE(newfid);
            StyxWire.writeString(out, name);
        }

        static Xattrwalk decode(StyxWire.Reader in) {
            return new Xattrwalk(in.tag(), in.u32("fid"), in.u32("newfid"), in.string("name"));
        }
    }

    /** Turns fid into an extended attribute to write: fid[4] name[s] attr_size[8] flags[4] */
    record Xattrcreate(int tag, int fid, String name, long attrSize, int flags) implements Tmessage {
        public Xattrcreate {
            Objects.requireNonNull(name, "name");
        }

        public MessageType type() {
            return MessageType.TXATTRCREATE;
        }

        @Override
        public int fid() {
            return fid;
        }

        public int bodySize() {
            return 16 + StyxWire.stringSize(name);
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            StyxWire.writeString(out, name);
            out.writeLongLE(attrSize);
            out.writeIntLE(flags);
        }

        static Xattrcreate decode(StyxWire.Reader in) {
            return new Xattrcreate(in.tag(), in.u32("fid"), in.string("name"), in.u64("attr_size"), in.u32("flags"));
        }
    }

    /** Directory entries from offset: fid[4] offset[8] count[4] */
    record Readdir(int tag, int fid, long offset, int count) implements Tmessage {
        public MessageType type() {
            return MessageType.TREADDIR;
        }

        @Override
        public int fid() {
            return fid;
        }

        public int bodySize() {
            return 16;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeLongLE(offset);
            out.writeIntLE(count);
        }

        static Readdir decode(StyxWire.Reader in) {
            return new Readdir(in.tag(), in.u32("fid"), in.u64("offset"), in.u32("count"));
        }
    }

    /** Flushes a file to stable storage: fid[4] datasync[4] */
    record Fsync(int tag, int fid, int datasync) implements Tmessage {
        public MessageType type() {
            return MessageType.TFSYNC;
        }

        @Override
        public int fid() {
            return fid;
        }

        public int bodySize() {
            return 8;
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeIntLE(datasync);
        }

        static Fsync decode(StyxWire.Reader in) {
            return new Fsync(in.tag(), in.u32("fid"), in.u32("datasync"));
        }
    }

    /** A POSIX record lock: fid[4] lock_type[1] flags[4] start[8] length[8] proc_id[4] client_id[s] */
    record Lock(int tag, int fid, int lockType, int flags, long start, long length, int procId,
                String clientId) implements Tmessage {
        public Lock {
            Objects.requireNonNull(clientId, "clientId");
        }

        public MessageType type() {
            return MessageType.TLOCK;
        }

        @Override
        public int fid() {
            return fid;
        }

        public int bodySize() {
            return 29 + StyxWire.stringSize(clientId);
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeByte(lockType);
            out.writeIntLE(flags);
            out.writeLongLE(start);
            out.writeLongLE(length);
            out.writeIntLE(procId);
            StyxWire.writeString(out, clientId);
        }

        static Lock decode(StyxWire.Reader in) {
            return new Lock(in.tag(), in.u32("fid"), in.u8("lock_type"), in.u32("flags"), in.u64("start"),
                    in.u64("length"), in.u32("proc_id"), in.string("client_id"));
        }
    }

    /** Tests for a lock: fid[4] lock_type[1] start[8] length[8] proc_id[4] client_id[s] */
    record Getlock(int tag, int fid, int lockType, long start, long length, int procId,
                   String clientId) implements Tmessage {
        public Getlock {
            Objects.requireNonNull(clientId, "clientId");
        }

        public MessageType type() {
            return MessageType.TGETLOCK;
        }

        @Override
        public int fid() {
            return fid;
        }

        public int bodySize() {
            return 25 + StyxWire.stringSize(clientId);
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeByte(lockType);
            out.writeLongLE(start);
            out.writeLongLE(length);
            out.writeIntLE(procId);
            StyxWire.writeString(out, clientId);
        }

        static Getlock decode(StyxWire.Reader in) {
            return new Getlock(in.tag(), in.u32("fid"), in.u8("lock_type"), in.u64("start"), in.u64("length"),
                    in.u32("proc_id"), in.string("client_id"));
        }
    }

    /** A hard link to fid in dfid: dfid[4] fid[4] name[s] */
    record Link(int tag, int dfid, int fid, String name) implements Tmessage {
        public Link {
            Objects.requireNonNull(name, "name");
        }

        public MessageType type() {
            return MessageType.TLINK;
        }

        @Override
        public int fid() {
            return dfid;
        }

        public int bodySize() {
            return 8 + StyxWire.stringSize(name);
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(dfid);
            out.writeIntLE(fid);
            StyxWire.writeString(out, name);
        }

        static Link decode(StyxWire.Reader in) {
            return new Link(in.tag(), in.u32("dfid"), in.u32("fid"), in.string("name"));
        }
    }

    /** Makes a directory: dfid[4] name[s] mode[4] gid[4] */
    record Mkdir(int tag, int dfid, String name, int mode, int gid) implements Tmessage {
        public Mkdir {
            Objects.requireNonNull(name, "name");
        }

        public MessageType type() {
            return MessageType.TMKDIR;
        }

        @Override
        public int fid() {
            return dfid;
        }

        public int bodySize() {
            return 12 + StyxWire.stringSize(name);
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(dfid);
            StyxWire.writeString(out, name);
            out.writeIntLE(mode);
            out.writeIntLE(gid);
        }

        static Mkdir decode(StyxWire.Reader in) {
            return new Mkdir(in.tag(), in.u32("dfid"), in.string("name"), in.u32("mode"), in.u32("gid"));
        }
    }

    /** Renames by directory and name: olddirfid[4] oldname[s] newdirfid[4] newname[s] */
    record Renameat(int tag, int olddirfid, String oldname, int newdirfid, String newname) implements Tmessage {
        public Renameat {
            Objects.requireNonNull(oldname, "oldname");
            Objects.requireNonNull(newname, "newname");
        }

        public MessageType type() {
            return MessageType.TRENAMEAT;
        }

        @Override
        public int fid() {
            return olddirfid;
        }

        public int bodySize() {
            return 8 + StyxWire.stringSize(oldname) + StyxWire.stringSize(newname);
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(olddirfid);
            StyxWire.writeString(out, oldname);
            out.writeIntLE(newdirfid);
            StyxWire.writeString(out, newname);
        }

        static Renameat decode(StyxWire.Reader in) {
            return new Renameat(in.tag(), in.u32("olddirfid"), in.string("oldname"), in.u32("newdirfid"),
                    in.string("newname"));
        }
    }

    /** Removes by directory and name: dirfid[4] name[s] flags[4] */
    record Unlinkat(int tag, int dirfid, String name, int flags) implements Tmessage {
        public Unlinkat {
            Objects.requireNonNull(name, "name");
        }

        public MessageType type() {
            return MessageType.TUNLINKAT;
        }

        @Override
        public int fid() {
            return dirfid;
        }

        public int bodySize() {
            return 8 + StyxWire.stringSize(name);
        }

        public void encodeBody(ByteBuf out) {
            out.writeIntLE(dirfid);
            StyxWire.writeString(out, name);
            out.writeIntLE(flags);
        }

        static Unlinkat decode(StyxWire.Reader in) {
            return new Unlinkat(in.tag(), in.u32("dirfid"), in.string("name"), in.u32("flags"));
        }
    }
}
