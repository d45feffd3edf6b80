package org.taskfs.fuse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.server.Caller;
import org.taskfs.styx.server.Errors;
import org.taskfs.styx.server.FileServer;
import org.taskfs.styx.server.Files9;
import org.taskfs.styx.server.Node;
import org.taskfs.styx.server.OpenFile;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.server.SyntheticNode;

/**
 * A synthetic server that shows the tests what arrived on the wire:
 * <ul>
 * <li>{@code ctl} records every Twrite's length (one write(2) should be one Twrite);</li>
 * <li>{@code block} parks every read until it is flushed, and records the flush;</li>
 * <li>{@code count} reads as how many times it has been opened (never the same twice).</li>
 * </ul>
 */
final class ProbeServer implements FileServer {
    final List<byte[]> writes = new CopyOnWriteArrayList<>();
    final AtomicInteger parkedReads = new AtomicInteger();
    final AtomicInteger flushedReads = new AtomicInteger();
    final AtomicInteger opens = new AtomicInteger();
    private final String owner;
    private final Root root;

    ProbeServer(String owner) {
        this.owner = owner;
        this.root = new Root();
    }

    @Override
    public CompletableFuture<Node> attach(Caller caller, OpenFile auth) {
        return CompletableFuture.completedFuture(root);
    }

    private final class Root extends SyntheticNode {
        private final List<SyntheticNode> files = new ArrayList<>();

        Root() {
            super(Qid.directory(0), "/", 0775, () -> owner);
            files.add(new File(1, "ctl", 0664, self -> {
                    return new OpenFile() {
                        @Override
                        public Node node() {
                            return self;
                        }

                        @Override
                        public CompletableFuture<Integer> write(long offset, byte[] data) {
                            writes.add(data);
                            return CompletableFuture.completedFuture(data.length);
                        }
                    };
            }));
            files.add(new File(2, "block", 0444, self -> {
                    return new OpenFile() {
                        @Override
                        public Node node() {
                            return self;
                        }

                        @Override
                        public CompletableFuture<byte[]> read(long offset, int count) {
                            CompletableFuture<byte[]> parked = new CompletableFuture<>();
                            parked.whenComplete((b, e) -> {
                                if (e instanceof CancellationException) {
                                    flushedReads.incrementAndGet();
                                }
                            });
                            parkedReads.incrementAndGet();
                            return parked;
                        }
                    };
            }));
            files.add(new File(3, "count", 0444, self -> {
                    byte[] text = ("opened " + opens.incrementAndGet() + "\n").getBytes(StandardCharsets.UTF_8);
                    return new OpenFile() {
                        @Override
                        public Node node() {
                            return self;
                        }

                        @Override
                        public CompletableFuture<byte[]> read(long offset, int count) {
                            return CompletableFuture.completedFuture(Files9.slice(text, offset, count));
                        }
                    };
            }));
        }

        @Override
        public CompletableFuture<Node> walk(String name, Caller caller) {
            for (SyntheticNode f : files) {
                if (f.name().equals(name)) {
                    return CompletableFuture.completedFuture(f);
                }
            }
            return StyxException.failed(Errors.NOT_FOUND);
        }

        @Override
        public CompletableFuture<List<Dir>> list(Caller caller) {
            return CompletableFuture.completedFuture(files.stream().map(SyntheticNode::dir).toList());
        }
    }

    private final class File extends SyntheticNode {
        private final Function<Node, OpenFile> opener;

        File(long path, String name, int perm, Function<Node, OpenFile> opener) {
            super(Qid.file(path), name, perm, () -> owner);
            this.opener = opener;
        }

        @Override
        public CompletableFuture<OpenFile> open(int mode, Caller caller) {
            return CompletableFuture.completedFuture(opener.apply(this));
        }
    }
}
