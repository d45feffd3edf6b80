package org.taskfs.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.server.Caller;
import org.taskfs.styx.server.Errors;
import org.taskfs.styx.server.FileServer;
import org.taskfs.styx.server.Node;
import org.taskfs.styx.server.OpenFile;
import org.taskfs.styx.server.ServerOptions;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.server.StyxServer;
import org.taskfs.styx.server.SyntheticNode;

/**
 * A 9P server for the reconnect tests, run in a JVM of its own to be killed with SIGKILL and started again on
 * the same port: all it serves lives in the directory it is given, so a new process (or a second server on the
 * same directory) serves the same bytes at the same offsets. Arguments: DIR NAME PORT (0: any) [KEYFILE: clients
 * must prove the key, {@code --auth key=FILE}]. Each attach is a line in DIR/attach.log: the user and how the
 * connection proved it. Prints {@code listening ADDR} once it listens.
 * <ul>
 * <li>{@code stream}: the bytes of DIR/stream, which the test appends to; a read past its end waits for more,
 * and is the end of file once DIR/stream.end exists;</li>
 * <li>{@code ctl}: each write appended as a line to DIR/ctl.log; a write of {@code hang} is never answered;</li>
 * <li>{@code name}: NAME, to tell which of two servers answered;</li>
 * <li>{@code clone}: opens as another file, as taskfs's clone opens as a new session's ctl: each open is a line
 * in DIR/clone.log, and the open file reads {@code session};</li>
 * <li>{@code gone}: there while DIR/gone is, reading as its bytes.</li>
 * </ul>
 */
public final class RestartableServer implements FileServer {
    private final Path dir;
    private final String serverName;
    /** File I/O and the waits for the stream to grow, off the event loop. */
    private final ScheduledExecutorService io = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "restartable-server-io");
        t.setDaemon(true);
        return t;
    });
    private final Root root = new Root();

    private RestartableServer(Path dir, String name) {
        this.dir = dir;
        this.serverName = name;
    }

    public static void main(String[] args) throws Exception {
        RestartableServer fs = new RestartableServer(Path.of(args[0]), args[1]);
        ServerOptions options = args.length > 3
                ? ServerOptions.DEFAULTS.withAuth(new org.taskfs.styx.auth.AuthMethod.Key(Path.of(args[3])))
                : ServerOptions.DEFAULTS;
        StyxServer s = StyxServer.listen(DialAddress.tcp("127.0.0.1", Integer.parseInt(args[2])), fs, options);
        System.out.println("listening " + s.address());
        System.out.flush();
        Thread.currentThread().join(); // until killed
    }

    @Override
    public CompletableFuture<Node> attach(Caller caller, OpenFile auth) {
        String line = caller.user() + " " + (caller.principal() == null ? "-" : caller.principal().proof()) + "\n";
        return CompletableFuture.supplyAsync(() -> {
            try {
                Files.writeString(dir.resolve("attach.log"), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return root;
        }, io);
    }

    private static String owner() {
        return System.getProperty("user.name");
    }

    private final class Root extends SyntheticNode {
        private final List<File> files = List.of(
                new File(1, "stream", 0444, self -> reader(self, this::readStream)),
                new File(2, "ctl", 0666, self -> new OpenFile() {
                    @Override
                    public Node node() {
                        return self;
                    }

                    @Override
                    public CompletableFuture<Integer> write(long offset, byte[] data) {
                        String line = new String(data, StandardCharsets.UTF_8).strip();
                        CompletableFuture<Integer> done = new CompletableFuture<>();
                        io.execute(() -> {
                            try {
                                Files.writeString(dir.resolve("ctl.log"), line + "\n", StandardOpenOption.CREATE,
                                        StandardOpenOption.APPEND);
                            } catch (IOException e) {
                                done.completeExceptionally(e);
                                return;
                            }
                            if (!line.equals("hang")) {
                                done.complete(data.length);
                            }
                        });
                        return done;
                    }
                }),
                new File(3, "name", 0444, self -> reader(self, (offset, count) -> text(serverName, offset, count))),
                new File(4, "clone", 0444, self -> {
                    try {
                        Files.writeString(dir.resolve("clone.log"), "opened\n", StandardOpenOption.CREATE,
                                StandardOpenOption.APPEND); // a test fixture's few bytes, on the loop
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return reader(fileNamed("name"), (offset, count) -> text("session", offset, count));
                }),
                new File(5, "gone", 0444, self -> reader(self, (offset, count) -> {
                    try {
                        byte[] b = Files.readAllBytes(dir.resolve("gone"));
                        int from = (int) Math.min(offset, b.length);
                        return CompletableFuture.completedFuture(java.util.Arrays.copyOfRange(b, from,
                                Math.min(b.length, from + count)));
                    } catch (IOException e) {
                        return CompletableFuture.failedFuture(e);
                    }
                })));

        /** What is there now: {@code gone} only while its file is (a fixture's stat, on the loop). */
        private List<File> present() {
            boolean gone = !Files.exists(dir.resolve("gone"));
            return files.stream().filter(f -> !(gone && f.name().equals("gone"))).toList();
        }

        private File fileNamed(String n) {
            return files.stream().filter(f -> f.name().equals(n)).findFirst().orElseThrow();
        }

        Root() {
            super(Qid.directory(0), "/", 0777, RestartableServer::owner);
        }

        @Override
        public CompletableFuture<Node> walk(String n, Caller caller) {
            for (File f : present()) {
                if (f.name().equals(n)) {
                    return CompletableFuture.completedFuture(f);
                }
            }
            return StyxException.failed(Errors.NOT_FOUND);
        }

        @Override
        public CompletableFuture<List<Dir>> list(Caller caller) {
            return CompletableFuture.completedFuture(present().stream().map(SyntheticNode::dir).toList());
        }

        private CompletableFuture<byte[]> readStream(long offset, int count) {
            CompletableFuture<byte[]> f = new CompletableFuture<>();
            io.execute(() -> poll(f, offset, count));
            return f;
        }

        /** Answers from the file, or looks again in 10 ms; a flushed read stops looking. */
        private void poll(CompletableFuture<byte[]> f, long offset, int count) {
            if (f.isDone()) {
                return;
            }
            boolean ended = Files.exists(dir.resolve("stream.end")); // first: the bytes before the end are there
            try (FileChannel ch = FileChannel.open(dir.resolve("stream"), StandardOpenOption.READ)) {
                long size = ch.size();
                if (offset < size) {
                    ByteBuffer b = ByteBuffer.allocate((int) Math.min(count, size - offset));
                    while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
                        // read on to the end of what was asked
                    }
                    f.complete(java.util.Arrays.copyOf(b.array(), b.position()));
                    return;
                }
            } catch (NoSuchFileException e) {
                // nothing written yet
            } catch (IOException e) {
                f.completeExceptionally(e);
                return;
            }
            if (ended) {
                f.complete(new byte[0]);
            } else {
                io.schedule(() -> poll(f, offset, count), 10, TimeUnit.MILLISECONDS);
            }
        }
    }

    private static CompletableFuture<byte[]> text(String line, long offset, int count) {
        byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
        int from = (int) Math.min(offset, b.length);
        return CompletableFuture.completedFuture(java.util.Arrays.copyOfRange(b, from, Math.min(b.length, from + count)));
    }

    private interface Reads {
        CompletableFuture<byte[]> read(long offset, int count);
    }

    private static OpenFile reader(Node self, Reads reads) {
        return new OpenFile() {
            @Override
            public Node node() {
                return self;
            }

            @Override
            public CompletableFuture<byte[]> read(long offset, int count) {
                return reads.read(offset, count);
            }
        };
    }

    private static final class File extends SyntheticNode {
        private final Function<Node, OpenFile> opener;

        File(long path, String name, int perm, Function<Node, OpenFile> opener) {
            super(Qid.file(path), name, perm, RestartableServer::owner);
            this.opener = opener;
        }

        @Override
        public CompletableFuture<OpenFile> open(int mode, Caller caller) {
            return CompletableFuture.completedFuture(opener.apply(this));
        }
    }
}
