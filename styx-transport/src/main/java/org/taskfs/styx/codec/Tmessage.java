package org.taskfs.styx.codec;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** Requests, one record per 9P2000 T-message. Fids and counts carry unsigned wire values. */
public sealed interface Tmessage extends Message {

    /** The fid this request acts on, or {@link P9#NOFID} if it names none. */
    default int fid() {
        return P9.NOFID;
    }

    record Version(int tag, int msize, String version) implements Tmessage {
        public Version {
            Objects.requireNonNull(version, "version");
        }

        public MessageType type() {
            return MessageType.TVERSION;
        }
    }

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
    }

    record Attach(int tag, int fid, int afid, String uname, String aname) implements Tmessage {
        public Attach {
            Objects.requireNonNull(uname, "uname");
            Objects.requireNonNull(aname, "aname");
        }

        public MessageType type() {
            return MessageType.TATTACH;
        }
    }

    record Flush(int tag, int oldtag) implements Tmessage {
        public MessageType type() {
            return MessageType.TFLUSH;
        }
    }

    record Walk(int tag, int fid, int newfid, List<String> names) implements Tmessage {
        public Walk {
            names = List.copyOf(names);
        }

        public MessageType type() {
            return MessageType.TWALK;
        }
    }

    record Open(int tag, int fid, int mode) implements Tmessage {
        public MessageType type() {
            return MessageType.TOPEN;
        }
    }

    record Create(int tag, int fid, String name, int perm, int mode) implements Tmessage {
        public Create {
            Objects.requireNonNull(name, "name");
        }

        public MessageType type() {
            return MessageType.TCREATE;
        }
    }

    record Read(int tag, int fid, long offset, int count) implements Tmessage {
        public MessageType type() {
            return MessageType.TREAD;
        }
    }

    /** The data array is owned by the message: neither side changes it after construction. */
    record Write(int tag, int fid, long offset, byte[] data) implements Tmessage {
        public Write {
            Objects.requireNonNull(data, "data");
        }

        public MessageType type() {
            return MessageType.TWRITE;
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

    record Clunk(int tag, int fid) implements Tmessage {
        public MessageType type() {
            return MessageType.TCLUNK;
        }
    }

    record Remove(int tag, int fid) implements Tmessage {
        public MessageType type() {
            return MessageType.TREMOVE;
        }
    }

    record Stat(int tag, int fid) implements Tmessage {
        public MessageType type() {
            return MessageType.TSTAT;
        }
    }

    record Wstat(int tag, int fid, Dir dir) implements Tmessage {
        public Wstat {
            Objects.requireNonNull(dir, "dir");
        }

        public MessageType type() {
            return MessageType.TWSTAT;
        }
    }
}
