package org.taskfs.styx.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.Qid;

/** Purpose-built nodes that let a test see and steer what the framework asks of a file tree. */
final class TestNodes {
    private TestNodes() {}

    static final String OWNER = "glenda";
    private static final AtomicLong PATHS = new AtomicLong(1);

    /** A node that can describe itself synchronously, so a directory can list it. */
    abstract static class Base implements Node {
        final String name;
        final Qid qid;
        final int perm;

        Base(String name, Qid qid, int perm) {
            this.name = name;
            this.qid = qid;
            this.perm = perm;
        }

        @Override
        public Qid qid() {
            return qid;
        }

        Dir dir() {
            return Files9.dir(name, qid, perm, OWNER);
        }

        @Override
        public CompletableFuture<Dir> stat() {
            return CompletableFuture.completedFuture(dir());
        }
    }

    /** A directory of fixed children that refuses create and remove (the Node defaults). */
    static final class Directory extends Base {
        final Map<String, Base> children = new LinkedHashMap<>();

        Directory(String name, int perm) {
            super(name, Qid.directory(PATHS.getAndIncrement()), perm);
        }

        <T extends Base> T add(T child) {
            children.put(child.name, child);
            return child;
        }

        @Override
        public CompletableFuture<Node> walk(String child, Caller caller) {
            Base n = children.get(child);
            return n == null ? StyxException.failed(Errors.NOT_FOUND) : CompletableFuture.completedFuture(n);
        }

        @Override
        public CompletableFuture<List<Dir>> list(Caller caller) {
            List<Dir> out = new ArrayList<>();
            for (Base b : children.values()) {
                out.add(b.dir());
            }
            return CompletableFuture.completedFuture(out);
        }
    }

    /** A future that ignores cancellation, like a node that finishes its work regardless. */
    static final class StubbornFuture<T> extends CompletableFuture<T> {
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return false;
        }
    }

    /** A read the test holds open: it completes when the test says so. */
    record PendingRead(long offset, int count, CompletableFuture<byte[]> future) {}

    /**
     * A file that counts what happens to it. Reads answer from {@link #content} unless
     * {@link #blockReads} is set; then each read waits in {@link #pending} for the test.
     * Removal and wstat are refused as for a ctl file (the Node defaults).
     */
    static final class ProbeFile extends Base {
        volatile byte[] content;
        volatile boolean blockReads;
        /** Blocked reads return futures that ignore cancel (a node that does not stop). */
        volatile boolean stubborn;
        final AtomicInteger opens = new AtomicInteger();
        final AtomicInteger clunks = new AtomicInteger();
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger removes = new AtomicInteger();
        /** Whether remove succeeds; by default it is refused, as a ctl file refuses it. */
        volatile boolean removable;
        /** When set, reads fail with this text. */
        volatile String readError;
        final ConcurrentLinkedQueue<PendingRead> pending = new ConcurrentLinkedQueue<>();
        final List<PendingRead> allPending = new CopyOnWriteArrayList<>();

        ProbeFile(String name, int perm, byte[] content) {
            super(name, Qid.file(PATHS.getAndIncrement()), perm);
            this.content = content;
        }

        ProbeFile(String name) {
            this(name, 0666, new byte[0]);
        }

        @Override
        public CompletableFuture<Void> remove(Caller caller) {
            removes.incrementAndGet();
            return removable ? CompletableFuture.completedFuture(null) : StyxException.failed(Errors.PERMISSION);
        }

        @Override
        public CompletableFuture<OpenFile> open(int mode, Caller caller) {
            opens.incrementAndGet();
            ProbeFile file = this;
            return CompletableFuture.completedFuture(new OpenFile() {
                @Override
                public Node node() {
                    return file;
                }

                @Override
                public CompletableFuture<byte[]> read(long offset, int count) {
                    reads.incrementAndGet();
                    if (readError != null) {
                        return StyxException.failed(readError);
                    }
                    if (!blockReads) {
                        return CompletableFuture.completedFuture(Files9.slice(content, offset, count));
                    }
                    CompletableFuture<byte[]> f = stubborn ? new StubbornFuture<>() : new CompletableFuture<>();
                    PendingRead p = new PendingRead(offset, count, f);
                    pending.add(p);
                    allPending.add(p);
                    return f;
                }

                @Override
                public CompletableFuture<Integer> write(long offset, byte[] data) {
                    writes.incrementAndGet();
                    return CompletableFuture.completedFuture(data.length);
                }

                @Override
                public void clunk() {
                    clunks.incrementAndGet();
                }
            });
        }
    }

    /** Serves one root to every attach and records disconnects. */
    static class TestFs implements FileServer {
        final Node root;
        final List<ConnectionInfo> disconnected = new CopyOnWriteArrayList<>();

        TestFs(Node root) {
            this.root = root;
        }

        @Override
        public CompletableFuture<Node> attach(Caller caller, OpenFile auth) {
            return CompletableFuture.completedFuture(root);
        }

        @Override
        public void disconnected(ConnectionInfo connection) {
            disconnected.add(connection);
        }
    }
}
