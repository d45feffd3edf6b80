package org.taskfs.styx.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.Tmessage;

/** Fids and the path operations, against an in-memory tree. */
class PathOperationsTest extends ClientTestBase {

    private final MemoryTree tree = new MemoryTree();

    private static String deepPath(int depth) {
        return IntStream.range(0, depth).mapToObj(i -> "d" + i).collect(Collectors.joining("/"));
    }

    /** After the client is done, the server holds only the shared root. */
    private void assertNoFidsLeft(ScriptedServer server) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(tree.fids.values()).containsExactly(""));
        assertThat(server.received(Tmessage.Attach.class)).hasSize(1);
    }

    @Test
    void readAllLoopsUntilAnEmptyReadAndClunks() throws Exception {
        String text = "x".repeat(9_500);
        tree.file("a/big", text).readChunk = 1000;
        ScriptedServer server = server(tree);
        StyxClient c = connect(server);

        assertThat(get(c.readString("/a/./big"))).isEqualTo(text);

        List<Long> offsets = server.received(Tmessage.Read.class).stream().map(Tmessage.Read::offset).toList();
        assertThat(offsets).containsExactly(0L, 1000L, 2000L, 3000L, 4000L, 5000L, 6000L, 7000L, 8000L, 9000L, 9500L);
        // the clunk has been answered before the future completed
        assertThat(server.received().get(server.received().size() - 1)).isInstanceOf(Tmessage.Clunk.class);
        assertNoFidsLeft(server);
    }

    @Test
    void pathOperationsShareOneAttachAndLeaveNoFids() throws Exception {
        tree.file("a/b", "hello").file("a/c", "").file("d", "1");
        ScriptedServer server = server(tree);
        StyxClient c = connect(server, ClientOptions.defaults().withUname("glenda").withAname("main"));

        assertThat(get(c.readAll("a/b"))).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
        Dir d = get(c.stat("a/b"));
        assertThat(d.name()).isEqualTo("b");
        assertThat(d.length()).isEqualTo(5);
        assertThat(get(c.list("/a")).stream().map(Dir::name)).containsExactly("b", "c");
        assertThat(get(c.list("")).stream().map(Dir::name)).containsExactly("a", "d");
        assertThat(get(c.stat("/")).isDirectory()).isTrue();

        Tmessage.Attach attach = server.received(Tmessage.Attach.class).get(0);
        assertThat(attach.uname()).isEqualTo("glenda");
        assertThat(attach.aname()).isEqualTo("main");
        assertThat(attach.afid()).isEqualTo(P9.NOFID);
        assertNoFidsLeft(server);
    }

    @Test
    void aMissingFileFailsNamingThePath() throws Exception {
        tree.file("a/b", "x");
        ScriptedServer server = server(tree);
        StyxClient c = connect(server);

        // first element missing: the server answers Rerror
        assertThat(failure(c.readAll("nope/x"))).isInstanceOf(StyxRemoteException.class)
                .hasMessage("file does not exist: nope/x");
        // a later element missing: a partial Rwalk
        Throwable e = failure(c.readAll("a/nope/x"));
        assertThat(e).isInstanceOf(StyxRemoteException.class).hasMessage("file does not exist: a/nope");
        assertThat(((StyxRemoteException) e).error()).isEqualTo("file does not exist");
        assertThat(server.received(Tmessage.Clunk.class)).isEmpty(); // no newfid was made
        assertNoFidsLeft(server);
    }

    @Test
    void walksOfMoreThan16NamesAreSplit() throws Exception {
        tree.file(deepPath(40), "deep");
        ScriptedServer server = server(tree);
        StyxClient c = connect(server);

        RemoteFid fid = get(c.walk(deepPath(40)));
        List<Tmessage.Walk> walks = server.received(Tmessage.Walk.class);
        assertThat(walks).extracting(w -> w.names().size()).containsExactly(16, 16, 8);
        assertThat(walks.get(0).newfid()).isNotEqualTo(walks.get(0).fid()).isEqualTo(fid.fid());
        assertThat(walks.get(1).fid()).isEqualTo(fid.fid());
        assertThat(walks.get(1).newfid()).isEqualTo(fid.fid());
        assertThat(walks.get(2).names()).containsExactly("d32", "d33", "d34", "d35", "d36", "d37", "d38", "d39");
        assertThat(fid.qid().isDirectory()).isFalse();
        assertThat(get(get(fid.open(P9.OREAD)).readAll())).isEqualTo("deep".getBytes(StandardCharsets.UTF_8));
        get(fid.clunk());
        assertNoFidsLeft(server);
    }

    @Test
    void aPartialWalkInALaterChunkClunksTheFidItMade() throws Exception {
        tree.file(deepPath(20), "deep");
        ScriptedServer server = server(tree);
        StyxClient c = connect(server);

        String path = deepPath(17) + "/missing/more";
        assertThat(failure(c.walk(path))).isInstanceOf(StyxRemoteException.class)
                .hasMessage("file does not exist: " + deepPath(17) + "/missing");
        await().atMost(WAIT).until(() -> server.received(Tmessage.Clunk.class).size() == 1);
        assertThat(server.received(Tmessage.Clunk.class).get(0).fid())
                .isEqualTo(server.received(Tmessage.Walk.class).get(0).newfid());
        assertNoFidsLeft(server);
    }

    @Test
    void writeIsExactlyOneTwrite() throws Exception {
        tree.file("0/ctl", "");
        ScriptedServer server = server(tree);
        StyxClient c = connect(server);

        get(c.write("0/ctl", "exec hostname"));
        assertThat(tree.writes).containsExactly("0/ctl@0:exec hostname");
        assertThat(server.received(Tmessage.Open.class).get(0).mode()).isEqualTo(P9.OWRITE);
        assertThat(server.received().get(server.received().size() - 1)).isInstanceOf(Tmessage.Clunk.class);
        assertNoFidsLeft(server);
    }

    @Test
    void aWriteLargerThanTheIounitFailsClearlyAndSendsNoTwrite() throws Exception {
        tree.file("0/ctl", "").iounit = 100;
        ScriptedServer server = server(tree);
        StyxClient c = connect(server);

        assertThat(failure(c.write("0/ctl", "y".repeat(101)))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("write of 101 bytes to 0/ctl exceeds its iounit 100; one write is one Twrite "
                        + "(writeAll splits bulk data)");
        // beyond msize-24 it fails before any traffic
        int before = server.received().size();
        assertThat(failure(c.write("0/ctl", new byte[65536 - 23]))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("write of 65513 bytes to 0/ctl exceeds the largest single write 65512");
        assertThat(server.received()).hasSize(before);
        assertThat(server.received(Tmessage.Write.class)).isEmpty();
        assertNoFidsLeft(server);
    }

    @Test
    void writeAllSplitsAtTheIounit() throws Exception {
        tree.file("data", "").iounit = 100;
        ScriptedServer server = server(tree);
        StyxClient c = connect(server);

        RemoteFid fid = get(c.open("data", P9.OWRITE));
        assertThat(fid.iounit()).isEqualTo(100);
        byte[] data = "z".repeat(250).getBytes(StandardCharsets.UTF_8);
        get(fid.writeAll(10, data));
        assertThat(server.received(Tmessage.Write.class)).extracting(w -> w.offset() + ":" + w.data().length)
                .containsExactly("10:100", "110:100", "210:50");
        assertThat(failure(fid.write(0, new byte[101]))).isInstanceOf(IllegalArgumentException.class);
        get(fid.clunk());
        assertThat(failure(fid.clunk())).isInstanceOf(IllegalStateException.class).hasMessageContaining("already clunked");
        assertThat(failure(fid.stat())).isInstanceOf(IllegalStateException.class);
        assertNoFidsLeft(server);
    }

    @Test
    void iounitIsMsizeMinus24WhenTheServerGivesNone() throws Exception {
        tree.file("f", "");
        ScriptedServer server = server(tree);
        server.msize = 8192;
        StyxClient c = connect(server);
        RemoteFid fid = get(c.open("f", P9.OREAD));
        assertThat(fid.isOpen()).isTrue();
        assertThat(fid.iounit()).isEqualTo(8192 - 24);
        get(fid.clunk());
    }

    @Test
    void theFidApiCoversCreateStatWstatAndRemove() throws Exception {
        tree.file("dir/old", "x");
        ScriptedServer server = server(tree);
        StyxClient c = connect(server);

        RemoteFid root = get(c.root());
        assertThat(root.qid().isDirectory()).isTrue();
        assertThat(failure(root.clunk())).isInstanceOf(IllegalStateException.class).hasMessageContaining("shared");
        assertThat(failure(root.open(P9.OREAD))).isInstanceOf(IllegalStateException.class);

        RemoteFid dir = get(root.walk("dir"));
        RemoteFid created = get(dir.create("new", 0644, P9.ORDWR));
        assertThat(created).isSameAs(dir);
        assertThat(get(dir.write(0, "abc".getBytes(StandardCharsets.UTF_8)))).isEqualTo(3);
        assertThat(get(dir.stat()).name()).isEqualTo("new");
        get(dir.wstat(Dir.dontTouch().withMode(0600)));
        get(dir.remove());
        assertThat(tree.files).doesNotContainKey("dir/new");

        RemoteFid own = get(c.attach("other", ""));
        assertThat(own.fid()).isNotEqualTo(root.fid());
        RemoteFid clone = get(own.walk());
        assertThat(clone.qid()).isEqualTo(own.qid());
        get(clone.clunk());
        get(own.clunk());
        assertThat(server.received(Tmessage.Attach.class)).extracting(Tmessage.Attach::uname)
                .containsExactly(System.getProperty("user.name"), "other");
    }

    @Test
    void streamHandsOverChunksAsTheyArrive() throws Exception {
        tree.file("0/stdout", "0123456789".repeat(500)).readChunk = 1000;
        ScriptedServer server = server(tree);
        StyxClient c = connect(server);

        List<Integer> chunks = Collections.synchronizedList(new ArrayList<>());
        assertThat(get(c.stream("0/stdout", b -> chunks.add(b.length)))).isEqualTo(5000L);
        assertThat(chunks).containsExactly(1000, 1000, 1000, 1000, 1000);
        assertNoFidsLeft(server);
    }

    @Test
    void readNextFollowsAGrowingFile() throws Exception {
        tree.file("log", "one ");
        ScriptedServer server = server(tree);
        StyxClient c = connect(server);
        RemoteFid fid = get(c.open("log", P9.OREAD));
        assertThat(new String(get(fid.readNext()), StandardCharsets.UTF_8)).isEqualTo("one ");
        assertThat(get(fid.readNext())).isEmpty();
        tree.file("log", "one two");
        assertThat(new String(get(fid.readNext()), StandardCharsets.UTF_8)).isEqualTo("two");
        get(fid.clunk());
    }

    /** A tree whose "tail" blocks on read, like a quiet task's stdout. */
    private ScriptedServer blockingTail() throws Exception {
        tree.file("0/stdout", "");
        return server(t -> {
            if (t instanceof Tmessage.Read r && "0/stdout".equals(tree.fids.get(r.fid()))) {
                return null;
            }
            if (t instanceof Tmessage.Flush) {
                return new Rmessage.Flush(t.tag());
            }
            return tree.answer(t);
        });
    }

    @Test
    void cancellingAStreamFlushesTheReadAndClunks() throws Exception {
        ScriptedServer server = blockingTail();
        StyxClient c = connect(server);

        CompletableFuture<Long> f = c.withTimeout(Duration.ZERO).stream("0/stdout", b -> { });
        await().atMost(WAIT).until(() -> server.received(Tmessage.Read.class).size() == 1);
        Tmessage.Read read = server.received(Tmessage.Read.class).get(0);
        f.cancel(true);

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(server.received(Tmessage.Flush.class)).extracting(Tmessage.Flush::oldtag).containsExactly(read.tag());
            assertThat(server.received(Tmessage.Clunk.class)).extracting(Tmessage.Clunk::fid).containsExactly(read.fid());
        });
        assertThat(f).isCancelled();
        assertNoFidsLeft(server);
    }

    @Test
    void aTimedOutReadAllFlushesAndClunks() throws Exception {
        ScriptedServer server = blockingTail();
        StyxClient c = connect(server);

        Throwable e = failure(c.withTimeout(Duration.ofMillis(200)).readAll("0/stdout"));
        assertThat(e).isInstanceOf(TimeoutException.class).hasMessageStartingWith("Tread on fid ");
        assertThat(server.received(Tmessage.Flush.class)).hasSize(1);
        assertThat(server.received().get(server.received().size() - 1)).isInstanceOf(Tmessage.Clunk.class);
        assertNoFidsLeft(server);
    }

    @Test
    void aWalkAnsweredAfterItWasCancelledIsClunked() throws Exception {
        tree.file("a", "x");
        // Twalks are held; Tflush too, so the test can answer the walk first.
        ScriptedServer server = server(t -> t instanceof Tmessage.Walk || t instanceof Tmessage.Flush ? null : tree.answer(t));
        StyxClient c = connect(server);
        get(c.root());

        CompletableFuture<RemoteFid> f = c.walk("a");
        await().atMost(WAIT).until(() -> server.received(Tmessage.Walk.class).size() == 1);
        Tmessage.Walk walk = server.received(Tmessage.Walk.class).get(0);
        f.cancel(true);
        await().atMost(WAIT).until(() -> server.received(Tmessage.Flush.class).size() == 1);

        server.reply(tree.answer(walk)); // the walk happened after all: newfid exists on the server
        server.reply(new Rmessage.Flush(server.received(Tmessage.Flush.class).get(0).tag()));
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(server.received(Tmessage.Clunk.class)).extracting(Tmessage.Clunk::fid).containsExactly(walk.newfid()));
        assertNoFidsLeft(server);
    }

    @Test
    void manyConcurrentPathOperations() throws Exception {
        for (int i = 0; i < 50; i++) {
            tree.file("t/" + i + "/status", "task " + i);
        }
        ScriptedServer server = server(tree);
        StyxClient c = connect(server, ClientOptions.defaults().withMaxTags(8));
        List<CompletableFuture<String>> reads = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            reads.add(c.readString("t/" + i + "/status"));
        }
        for (int i = 0; i < 50; i++) {
            assertThat(get(reads.get(i))).isEqualTo("task " + i);
        }
        assertNoFidsLeft(server);
    }

    @Test
    void splitPathIgnoresSlashesAndDots() {
        assertThat(StyxClient.splitPath("/a//b/./c/")).containsExactly("a", "b", "c");
        assertThat(StyxClient.splitPath("")).isEmpty();
        assertThat(StyxClient.splitPath("/")).isEmpty();
        assertThat(StyxClient.splitPath("a/../b")).containsExactly("a", "..", "b");
    }
}
