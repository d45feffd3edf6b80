package org.taskfs.styx.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.client.StyxRemoteException;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.ramfs.RamFs;
import org.taskfs.styx.server.Caller;
import org.taskfs.styx.server.ConnectionInfo;
import org.taskfs.styx.server.FileServer;
import org.taskfs.styx.server.Node;
import org.taskfs.styx.server.OpenFile;
import org.taskfs.styx.server.ServerOptions;
import org.taskfs.styx.server.StyxServer;

/**
 * The module's server, serving an in-memory tree, driven by the module's client over a real
 * socket through every 9P2000 message type.
 */
class EndToEndTest {
    private StyxServer server;
    private StyxClient client;

    /** RamFs plus a file whose reads wait until the test completes them, to exercise Tflush. */
    private static final class Tree implements FileServer {
        final RamFs ram = new RamFs("glenda");
        final AtomicReference<CompletableFuture<byte[]>> pendingRead = new AtomicReference<>();
        final AtomicReference<ConnectionInfo> lastConnection = new AtomicReference<>();

        @Override
        public CompletableFuture<Node> attach(Caller caller, OpenFile auth) {
            lastConnection.set(caller.connection());
            Node root = ram.root();
            return CompletableFuture.completedFuture(new Node() {
                @Override
                public Qid qid() {
                    return root.qid();
                }

                @Override
                public CompletableFuture<Dir> stat() {
                    return root.stat();
                }

                @Override
                public CompletableFuture<Node> walk(String name, Caller c) {
                    if (!name.equals("slow")) {
                        return root.walk(name, c);
                    }
                    return root.walk("slowfile", c).thenApply(n -> new Node() {
                        @Override
                        public Qid qid() {
                            return n.qid();
                        }

                        @Override
                        public CompletableFuture<Dir> stat() {
                            return n.stat();
                        }

                        @Override
                        public CompletableFuture<OpenFile> open(int mode, Caller c2) {
                            Node self = this;
                            return CompletableFuture.completedFuture(new OpenFile() {
                                @Override
                                public Node node() {
                                    return self;
                                }

                                @Override
                                public CompletableFuture<byte[]> read(long offset, int count) {
                                    CompletableFuture<byte[]> f = new CompletableFuture<>();
                                    pendingRead.set(f);
                                    return f;
                                }
                            });
                        }
                    });
                }

                @Override
                public CompletableFuture<List<Dir>> list(Caller c) {
                    return root.list(c);
                }

                @Override
                public CompletableFuture<OpenFile> create(String name, int perm, int mode, Caller c) {
                    return root.create(name, perm, mode, c);
                }
            });
        }
    }

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private Tree start(DialAddress at) throws Exception {
        Tree tree = new Tree();
        tree.ram.put("hello", "hello world\n".getBytes(StandardCharsets.UTF_8));
        tree.ram.put("slowfile", new byte[0]);
        server = StyxServer.listen(at, tree, ServerOptions.DEFAULTS);
        client = StyxClient.connect(server.address(), ClientOptions.defaults().withUname("glenda"))
                .get(10, TimeUnit.SECONDS);
        return tree;
    }

    @Test
    void everyMessageTypeOverTcp() throws Exception {
        Tree tree = start(DialAddress.tcp("127.0.0.1", 0));
        assertThat(client.msize()).isEqualTo(P9.DEFAULT_MSIZE); // Tversion/Rversion

        // Tauth: the tree asks for none, which is what clients expect to hear.
        Rmessage auth = client.rpc(tag -> new Tmessage.Auth(tag, 77, "glenda", "")).handle((r, e) -> {
            assertThat(e).hasMessageContaining("authentication not required");
            return r;
        }).get();
        assertThat(auth).isNull();

        RemoteFid root = client.attach("glenda", "").get(); // Tattach
        RemoteFid dir = root.walk().get(); // Twalk, 0 names: a clone
        RemoteFid created = dir.create("notes", 0644, P9.ORDWR).get(); // Tcreate: the fid is now the new file
        assertThat(created.write(0, "first line\n".getBytes(StandardCharsets.UTF_8)).get()).isEqualTo(11); // Twrite
        assertThat(created.write(6, "LINE".getBytes(StandardCharsets.UTF_8)).get()).isEqualTo(4);
        assertThat(new String(created.read(0, 100).get(), StandardCharsets.UTF_8)).isEqualTo("first LINE\n"); // Tread
        created.clunk().get(); // Tclunk

        Dir st = client.stat("notes").get(); // Tstat
        assertThat(st.length()).isEqualTo(11);
        assertThat(st.mode() & 0777).isEqualTo(0644);
        RemoteFid notes = client.walk("notes").get();
        notes.wstat(Dir.dontTouch().withName("renamed").withMode(0600)).get(); // Twstat
        notes.clunk().get();
        assertThat(client.list("/").get()).extracting(Dir::name).containsExactly("hello", "slowfile", "renamed");
        assertThat(tree.ram.get("renamed")).asString(StandardCharsets.UTF_8).isEqualTo("first LINE\n");

        RemoteFid doomed = client.walk("renamed").get();
        doomed.remove().get(); // Tremove
        assertThat(client.list("/").get()).extracting(Dir::name).containsExactly("hello", "slowfile");

        // Rerror: a walk to nothing.
        assertThatThrownBy(() -> client.walk("nothing/here").get())
                .hasCauseInstanceOf(StyxRemoteException.class).hasMessageContaining("file does not exist");

        // Tflush: cancelling a blocked read flushes it; the server cancels the node's future.
        RemoteFid slow = client.withTimeout(Duration.ZERO).open("slow", P9.OREAD).get();
        CompletableFuture<byte[]> read = slow.read(0, 10);
        await().atMost(Duration.ofSeconds(5)).until(() -> tree.pendingRead.get() != null);
        read.cancel(true);
        await().atMost(Duration.ofSeconds(5)).until(() -> tree.pendingRead.get().isCancelled());
        // The connection still serves after the flush.
        assertThat(client.readString("hello").get()).isEqualTo("hello world\n");
        slow.clunk().get();
        root.clunk().get();
    }

    @Test
    void unixSocketCarriesThePeerUid(@TempDir Path dir) throws Exception {
        Tree tree = start(DialAddress.unix(dir.resolve("styx.sock")));

        assertThat(client.readString("hello").get()).isEqualTo("hello world\n");
        int uid = (Integer) java.nio.file.Files.getAttribute(dir, "unix:uid");
        assertThat(tree.lastConnection.get().peerUid()).hasValue(uid);
    }

    @Test
    void closingTheServerFailsPendingReadsInsteadOfHanging() throws Exception {
        start(DialAddress.tcp("127.0.0.1", 0));
        RemoteFid slow = client.withTimeout(Duration.ZERO).open("slow", P9.OREAD).get();
        CompletableFuture<byte[]> read = slow.read(0, 10);

        server.close();

        assertThatThrownBy(() -> read.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("lost");
    }
}
