package org.taskfs.styx.codec;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** Replies, one record per 9P2000 R-message. */
public sealed interface Rmessage extends Message {

    record Version(int tag, int msize, String version) implements Rmessage {
        public Version {
            Objects.requireNonNull(version, "version");
        }

        public MessageType type() {
            return MessageType.RVERSION;
        }
    }

    record Auth(int tag, Qid aqid) implements Rmessage {
        public Auth {
            Objects.requireNonNull(aqid, "aqid");
        }

        public MessageType type() {
            return MessageType.RAUTH;
        }
    }

    record Attach(int tag, Qid qid) implements Rmessage {
        public Attach {
            Objects.requireNonNull(qid, "qid");
        }

        public MessageType type() {
            return MessageType.RATTACH;
        }
    }

    record Error(int tag, String ename) implements Rmessage {
        public Error {
            Objects.requireNonNull(ename, "ename");
        }

        public MessageType type() {
            return MessageType.RERROR;
        }
    }

    record Flush(int tag) implements Rmessage {
        public MessageType type() {
            return MessageType.RFLUSH;
        }
    }

    record Walk(int tag, List<Qid> qids) implements Rmessage {
        public Walk {
            qids = List.copyOf(qids);
        }

        public MessageType type() {
            return MessageType.RWALK;
        }
    }

    record Open(int tag, Qid qid, int iounit) implements Rmessage {
        public Open {
            Objects.requireNonNull(qid, "qid");
        }

        public MessageType type() {
            return MessageType.ROPEN;
        }
    }

    record Create(int tag, Qid qid, int iounit) implements Rmessage {
        public Create {
            Objects.requireNonNull(qid, "qid");
        }

        public MessageType type() {
            return MessageType.RCREATE;
        }
    }

    /** The data array is owned by the message: neither side changes it after construction. */
    record Read(int tag, byte[] data) implements Rmessage {
        public Read {
            Objects.requireNonNull(data, "data");
        }

        public MessageType type() {
            return MessageType.RREAD;
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

    record Write(int tag, int count) implements Rmessage {
        public MessageType type() {
            return MessageType.RWRITE;
        }
    }

    record Clunk(int tag) implements Rmessage {
        public MessageType type() {
            return MessageType.RCLUNK;
        }
    }

    record Remove(int tag) implements Rmessage {
        public MessageType type() {
            return MessageType.RREMOVE;
        }
    }

    record Stat(int tag, Dir dir) implements Rmessage {
        public Stat {
            Objects.requireNonNull(dir, "dir");
        }

        public MessageType type() {
            return MessageType.RSTAT;
        }
    }

    record Wstat(int tag) implements Rmessage {
        public MessageType type() {
            return MessageType.RWSTAT;
        }
    }
}
