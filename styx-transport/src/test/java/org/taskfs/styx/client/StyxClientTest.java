package org.taskfs.styx.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.dial.Transport;

/** The protocol machinery: version, tags, replies, flush, timeouts, failure. */
class StyxClientTest extends ClientTestBase {

    private static final Dir DIR = new Dir(0, 0, Qid.file(1), 0644, 0, 0, 0, "f", "u", "g", "u");

    /** Answers Tstat at once and holds every Tread for the test to answer. */
    private static Rmessage statNowReadLater(Tmessage t) {
        if (t instanceof Tmessage.Stat) {
            return new Rmessage.Stat(t.tag(), DIR);
        }
        if (t instanceof Tmessage.Flush) {
            return new Rmessage.Flush(t.tag());
        }
        return null;
    }

    private static CompletableFuture<Rmessage> read(StyxClient c, long offset) {
        return c.rpc(tag -> new Tmessage.Read(tag, 7, offset, 100));
    }

    private static CompletableFuture<Rmessage> stat(StyxClient c) {
        return c.rpc(tag -> new Tmessage.Stat(tag, 7));
    }

    // ------------------------------------------------------------------ version

    @Test
    void adoptsTheServersSmallerMsizeAndEnforcesIt() throws Exception {
        ScriptedServer server = server(t -> new Rmessage.Read(t.tag(), new byte[9000]));
        server.msize = 8192;
        StyxClient c = connect(server);

        assertThat(c.msize()).isEqualTo(8192);
        // a frame larger than the negotiated msize is a broken server: the connection goes
        Throwable e = failure(read(c, 0));
        assertThat(e).isInstanceOf(StyxConnectionException.class)
                .hasMessageContaining("connection to " + server.address() + ": malformed reply")
                .hasMessageContaining("exceeds msize 8192");
        await().atMost(WAIT).until(() -> !c.isOpen());
    }

    @Test
    void asksForTheConfiguredMsize() throws Exception {
        ScriptedServer server = server(t -> null);
        StyxClient c = connect(server, ClientOptions.defaults().withMsize(300_000));
        assertThat(c.msize()).isEqualTo(300_000);
        assertThat(connect(server).msize()).isEqualTo(65536);
    }

    @Test
    void failsClearlyWhenTheServerDoesNotSpeak9P2000() throws Exception {
        ScriptedServer server = server(t -> null);
        server.version = "unknown";
        Throwable e = failure(StyxClient.connect(server.address(), ClientOptions.defaults()));
        assertThat(e).isInstanceOf(StyxConnectionException.class)
                .hasMessage("server at " + server.address() + " does not speak 9P2000 (it answered version \"unknown\")");
    }

    @Test
    void refusesAnMsizeBelow256() throws Exception {
        ScriptedServer server = server(t -> null);
        server.msize = 128;
        assertThat(failure(StyxClient.connect(server.address(), ClientOptions.defaults())))
                .isInstanceOf(StyxConnectionException.class)
                .hasMessage("server at " + server.address() + " offered msize 128, below the minimum 256");
    }

    @Test
    void anUnansweredTversionTimesOut() throws Exception {
        ScriptedServer server = server(t -> null);
        server.answerVersion = false;
        ClientOptions o = ClientOptions.defaults().withConnectTimeout(Duration.ofMillis(300));
        assertThat(failure(StyxClient.connect(server.address(), o)))
                .isInstanceOf(StyxConnectionException.class)
                .hasMessage("server at " + server.address() + " did not answer Tversion within 300ms");
    }

    @Test
    void aConnectionLostDuringTheHandshakeFailsTheConnect() throws Exception {
        ScriptedServer server = server(t -> null);
        server.answerVersion = false;
        CompletableFuture<StyxClient> f = StyxClient.connect(server.address(), ClientOptions.defaults());
        await().atMost(WAIT).until(() -> server.connectionCount() == 1);
        server.dropConnections();
        assertThat(failure(f)).isInstanceOf(StyxConnectionException.class)
                // A reset may be seen before the close; either way the message says what was lost, and when.
                .hasMessageStartingWith("connection to " + server.address() + " lost during the version handshake");
    }

    @Test
    void aRefusedConnectionFailsNamingTheAddress() throws Exception {
        ScriptedServer server = server(t -> null);
        DialAddress gone = server.address();
        server.close();
        assertThat(failure(StyxClient.connect(gone, ClientOptions.defaults())))
                .isInstanceOf(StyxConnectionException.class)
                .hasMessageStartingWith("cannot connect to " + gone + ": ");
    }

    // ------------------------------------------------------------------ multiplexing

    @Test
    void matchesAThousandOutstandingRepliesAnsweredOutOfOrder() throws Exception {
        ScriptedServer server = server(t -> null);
        StyxClient c = connect(server);
        int n = 1000;
        List<CompletableFuture<Rmessage>> futures = Collections.synchronizedList(new ArrayList<>());
        List<Long> offsets = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int t = 0; t < 4; t++) {
                int thread = t;
                pool.execute(() -> {
                    for (int i = thread; i < n; i += 4) {
                        CompletableFuture<Rmessage> f = read(c, i);
                        synchronized (futures) {
                            futures.add(f);
                            offsets.add((long) i);
                        }
                    }
                });
            }
            await().atMost(WAIT).until(() -> server.received().size() == n);
        } finally {
            pool.shutdown();
        }
        List<Tmessage.Read> reads = server.received(Tmessage.Read.class);
        Set<Integer> tags = new HashSet<>();
        reads.forEach(r -> tags.add(r.tag()));
        assertThat(tags).hasSize(n).doesNotContain(0xFFFF);

        List<Tmessage.Read> shuffled = new ArrayList<>(reads);
        Collections.shuffle(shuffled);
        for (Tmessage.Read r : shuffled) {
            server.reply(new Rmessage.Read(r.tag(), Long.toString(r.offset()).getBytes(StandardCharsets.UTF_8)));
        }
        for (int i = 0; i < n; i++) {
            Rmessage.Read reply = (Rmessage.Read) get(futures.get(i));
            assertThat(new String(reply.data(), StandardCharsets.UTF_8)).isEqualTo(Long.toString(offsets.get(i)));
        }
    }

    @Test
    void requestsBeyondMaxTagsWaitForAFreeTag() throws Exception {
        ScriptedServer server = server(StyxClientTest::statNowReadLater);
        StyxClient c = connect(server, ClientOptions.defaults().withMaxTags(2));
        CompletableFuture<Rmessage> a = read(c, 0);
        CompletableFuture<Rmessage> b = read(c, 1);
        CompletableFuture<Rmessage> third = stat(c);
        await().atMost(WAIT).until(() -> server.received().size() == 2);
        assertThat(third).isNotDone();

        Tmessage first = server.received().get(0);
        server.reply(new Rmessage.Read(first.tag(), new byte[0]));
        assertThat(get(third)).isInstanceOf(Rmessage.Stat.class);
        assertThat(server.received().get(2).tag()).isEqualTo(first.tag());
        assertThat(b).isNotDone();
        assertThat(get(a)).isInstanceOf(Rmessage.Read.class);
    }

    @Test
    void cancellationsRacingRepliesNeverConfuseTags() throws Exception {
        // Odd offsets are answered at once, even ones never (until flushed): cancelling races with
        // replies, with sending and with waiting for one of only 16 tags.
        ScriptedServer server = server(t -> {
            if (t instanceof Tmessage.Read r) {
                return r.offset() % 2 == 1 ? new Rmessage.Read(t.tag(), new byte[]{(byte) r.offset()}) : null;
            }
            return t instanceof Tmessage.Flush ? new Rmessage.Flush(t.tag()) : new Rmessage.Stat(t.tag(), DIR);
        });
        StyxClient c = connect(server, ClientOptions.defaults().withMaxTags(16));
        int n = 2000;
        List<CompletableFuture<Rmessage>> futures = new ArrayList<>();
        ExecutorService canceller = Executors.newSingleThreadExecutor();
        try {
            for (int i = 0; i < n; i++) {
                CompletableFuture<Rmessage> f = read(c, i);
                futures.add(f);
                if (i % 2 == 0) {
                    canceller.execute(() -> f.cancel(true));
                }
            }
        } finally {
            canceller.shutdown();
        }
        for (int i = 1; i < n; i += 2) {
            assertThat(((Rmessage.Read) get(futures.get(i))).data()).containsExactly((byte) i);
        }
        // One wait for all: each await() polls no sooner than 100 ms, which a thousand of them made 100 s.
        List<CompletableFuture<Rmessage>> evens = new ArrayList<>();
        for (int i = 0; i < n; i += 2) {
            evens.add(futures.get(i));
        }
        await().atMost(WAIT).until(() -> evens.stream().allMatch(CompletableFuture::isDone));
        assertThat(evens).allMatch(CompletableFuture::isCancelled);
        assertThat(get(stat(c))).isInstanceOf(Rmessage.Stat.class);
        assertThat(c.isOpen()).isTrue();
        // every even read that reached the server was flushed
        Set<Integer> flushed = new HashSet<>();
        server.received(Tmessage.Flush.class).forEach(fl -> flushed.add(fl.oldtag()));
        long evenSent = server.received(Tmessage.Read.class).stream().filter(r -> r.offset() % 2 == 0).count();
        assertThat(server.received(Tmessage.Flush.class)).hasSize((int) evenSent);
        assertThat(flushed).allMatch(tag -> tag < 16);
    }

    // ------------------------------------------------------------------ errors

    @Test
    void rerrorFailsTheFutureWithTheServersString() throws Exception {
        ScriptedServer server = server(t -> new Rmessage.Error(t.tag(), "permission denied"));
        StyxClient c = connect(server);
        Throwable e = failure(stat(c));
        assertThat(e).isInstanceOf(StyxRemoteException.class).hasMessage("permission denied");
        assertThat(((StyxRemoteException) e).error()).isEqualTo("permission denied");
        assertThat(c.isOpen()).isTrue();
        assertThat(failure(stat(c))).isInstanceOf(StyxRemoteException.class);
    }

    @Test
    void requestsTheClientCannotSendFailWithoutTouchingTheConnection() throws Exception {
        ScriptedServer server = server(StyxClientTest::statNowReadLater);
        StyxClient c = connect(server);
        assertThat(failure(c.rpc(tag -> new Tmessage.Flush(tag, 3))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Tflush is sent by the client itself");
        assertThat(failure(c.rpc(tag -> new Tmessage.Stat(tag + 1, 7))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must use the tag it is given");
        assertThat(failure(c.rpc(tag -> new Tmessage.Write(tag, 7, 0, new byte[70_000]))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Twrite of 70023 bytes exceeds msize 65536 of " + server.address());
        assertThat(get(stat(c))).isInstanceOf(Rmessage.Stat.class);
        assertThat(server.received()).hasSize(1);
    }

    // ------------------------------------------------------------------ flush

    @Test
    void cancelSendsTflushAndTheTagIsNotReusedBeforeRflush() throws Exception {
        // Tflush is held too, so the test decides when Rflush arrives.
        ScriptedServer server = server(t -> t instanceof Tmessage.Stat ? new Rmessage.Stat(t.tag(), DIR) : null);
        StyxClient c = connect(server, ClientOptions.defaults().withMaxTags(1));

        CompletableFuture<Rmessage> f = read(c, 0);
        await().atMost(WAIT).until(() -> server.received().size() == 1);
        int oldtag = server.received().get(0).tag();

        assertThat(f.cancel(true)).isTrue();
        await().atMost(WAIT).until(() -> server.received().size() == 2);
        Tmessage.Flush flush = (Tmessage.Flush) server.received().get(1);
        assertThat(flush.oldtag()).isEqualTo(oldtag);

        // The one request tag is held until Rflush (the Tflush has a tag of its own, beyond the request tags).
        // The original reply arriving before Rflush is legal, and frees nothing.
        assertThat(flush.tag()).isNotEqualTo(oldtag);
        CompletableFuture<Rmessage> later = stat(c);
        server.reply(new Rmessage.Read(oldtag, new byte[]{1}));
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> server.received().size() == 2);
        assertThat(later).isNotDone();

        server.reply(new Rmessage.Flush(flush.tag()));
        assertThat(get(later)).isInstanceOf(Rmessage.Stat.class);
        assertThat(server.received()).hasSize(3);
        assertThat(f).isCancelled();
        assertThat(c.isOpen()).isTrue();
    }

    @Test
    void requestsHoldingEveryTagCanStillBeFlushed() throws Exception {
        // Reads parked on the server hold both request tags: their Tflushes go out at once on tags of their own,
        // rather than waiting for a tag that only a flush could free.
        ScriptedServer server = server(t -> t instanceof Tmessage.Flush ? null
                : t instanceof Tmessage.Stat ? new Rmessage.Stat(t.tag(), DIR) : null);
        StyxClient c = connect(server, ClientOptions.defaults().withMaxTags(2).withRequestTimeout(Duration.ZERO));
        CompletableFuture<Rmessage> a = read(c, 0);
        CompletableFuture<Rmessage> b = read(c, 1);
        await().atMost(WAIT).until(() -> server.received().size() == 2);

        a.cancel(true);
        b.cancel(true);
        await().atMost(WAIT).until(() -> server.received(Tmessage.Flush.class).size() == 2);
        Set<Integer> readTags = new HashSet<>();
        server.received(Tmessage.Read.class).forEach(r -> readTags.add(r.tag()));
        Set<Integer> oldtags = new HashSet<>();
        server.received(Tmessage.Flush.class).forEach(fl -> {
            oldtags.add(fl.oldtag());
            assertThat(readTags).doesNotContain(fl.tag());
        });
        assertThat(oldtags).isEqualTo(readTags);

        // Each Rflush frees its read's tag (and its own): requests go on.
        server.received(Tmessage.Flush.class).forEach(fl -> server.reply(new Rmessage.Flush(fl.tag())));
        assertThat(get(stat(c))).isInstanceOf(Rmessage.Stat.class);
    }

    @Test
    void aTimeoutFailsWithTimeoutExceptionAndFlushes() throws Exception {
        ScriptedServer server = server(StyxClientTest::statNowReadLater);
        StyxClient c = connect(server, ClientOptions.defaults().withRequestTimeout(Duration.ofSeconds(60)));

        Throwable e = failure(read(c.withTimeout(Duration.ofMillis(200)), 0));
        assertThat(e).isInstanceOf(TimeoutException.class)
                .hasMessage("Tread on fid 7 to " + server.address() + ": no reply within 200ms");
        await().atMost(WAIT).until(() -> server.received(Tmessage.Flush.class).size() == 1);
        assertThat(server.received(Tmessage.Flush.class).get(0).oldtag()).isEqualTo(server.received().get(0).tag());
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(get(stat(c))).isInstanceOf(Rmessage.Stat.class);
    }

    @Test
    void aRequestWaitingForATagTimesOutToo() throws Exception {
        ScriptedServer server = server(StyxClientTest::statNowReadLater);
        StyxClient c = connect(server, ClientOptions.defaults().withMaxTags(1));
        read(c, 0);
        Throwable e = failure(stat(c.withTimeout(Duration.ofMillis(200))));
        assertThat(e).isInstanceOf(TimeoutException.class)
                .hasMessage("request waiting for one of 1 busy tags to " + server.address() + ": no reply within 200ms");
        assertThat(server.received()).hasSize(1); // never sent, so nothing to flush
    }

    // ------------------------------------------------------------------ the end of a connection

    @Test
    void aDroppedConnectionFailsEveryPendingRequestPromptly() throws Exception {
        ScriptedServer server = server(t -> null);
        StyxClient c = connect(server);
        List<CompletableFuture<Rmessage>> pending = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            pending.add(read(c, i));
        }
        await().atMost(WAIT).until(() -> server.received().size() == 100);
        server.dropConnections();
        for (CompletableFuture<Rmessage> f : pending) {
            assertThat(failure(f)).isInstanceOf(StyxConnectionException.class)
                    .hasMessage("connection to " + server.address() + " lost");
        }
        get(c.closeFuture());
        assertThat(c.isOpen()).isFalse();
        assertThat(failure(stat(c))).isInstanceOf(StyxConnectionException.class)
                .hasMessage("connection to " + server.address() + " lost");
    }

    @Test
    void aMalformedFrameClosesTheConnectionAndFailsEverything() throws Exception {
        ScriptedServer server = server(t -> null);
        StyxClient c = connect(server);
        CompletableFuture<Rmessage> a = read(c, 0);
        CompletableFuture<Rmessage> b = read(c, 1);
        await().atMost(WAIT).until(() -> server.received().size() == 2);
        server.sendRaw(new byte[]{5, 0, 0, 0, 117});
        for (CompletableFuture<Rmessage> f : List.of(a, b)) {
            assertThat(failure(f)).isInstanceOf(StyxConnectionException.class)
                    .hasMessage("connection to " + server.address()
                            + ": malformed reply: 9P frame size 5 is smaller than the 7-byte header");
        }
        get(c.closeFuture());
        await().atMost(WAIT).until(() -> server.connectionCount() == 0);
    }

    @Test
    void aReplyWithAnUnknownTagClosesTheConnection() throws Exception {
        ScriptedServer server = server(t -> null);
        StyxClient c = connect(server);
        CompletableFuture<Rmessage> a = read(c, 0);
        await().atMost(WAIT).until(() -> server.received().size() == 1);
        server.reply(new Rmessage.Clunk(999));
        assertThat(failure(a)).isInstanceOf(StyxConnectionException.class)
                .hasMessage("connection to " + server.address()
                        + ": malformed reply: Rclunk with tag 999, which no request is waiting for");
        get(c.closeFuture());
    }

    @Test
    void aReplyOfTheWrongTypeClosesTheConnection() throws Exception {
        ScriptedServer server = server(t -> new Rmessage.Clunk(t.tag()));
        StyxClient c = connect(server);
        assertThat(failure(read(c, 0))).isInstanceOf(StyxConnectionException.class)
                .hasMessageEndingWith("malformed reply: Rclunk in answer to Tread (tag 0)");
    }

    @Test
    void closeIsIdempotentAndFailsPendingRequests() throws Exception {
        ScriptedServer server = server(t -> null);
        StyxClient c = connect(server);
        CompletableFuture<Rmessage> a = read(c, 0);
        await().atMost(WAIT).until(() -> server.received().size() == 1);
        c.close();
        c.close();
        assertThat(failure(a)).isInstanceOf(StyxConnectionException.class)
                .hasMessage("connection to " + server.address() + " closed");
        get(c.closeFuture());
        c.close();
        assertThat(c.isOpen()).isFalse();
        await().atMost(WAIT).until(() -> server.connectionCount() == 0);
    }

    @Test
    void aSharedGroupOutlivesTheClient() throws Exception {
        ScriptedServer server = server(StyxClientTest::statNowReadLater);
        EventLoopGroup group = Transport.newGroup(1, "shared");
        try {
            StyxClient c = connect(server, ClientOptions.defaults().withGroup(group));
            StyxClient d = connect(server, ClientOptions.defaults().withGroup(group));
            assertThat(get(stat(c))).isInstanceOf(Rmessage.Stat.class);
            c.close();
            get(c.closeFuture());
            assertThat(group.isShuttingDown()).isFalse();
            assertThat(get(stat(d))).isInstanceOf(Rmessage.Stat.class);
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void callbacksRunOnTheEventLoopAndMayIssueRequests() throws Exception {
        ScriptedServer server = server(StyxClientTest::statNowReadLater);
        StyxClient c = connect(server);
        AtomicReference<String> thread = new AtomicReference<>();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        // The first reply is held until the callbacks are attached: a future that completed before
        // would run them on this thread instead.
        CompletableFuture<Rmessage> held = read(c, 0);
        await().atMost(WAIT).until(() -> server.received().size() == 1);
        CompletableFuture<Rmessage> chain = held.thenCompose(x -> {
            thread.set(Thread.currentThread().getName());
            return stat(c); // issued from the loop itself: sent without a hand-off
        }).whenComplete((x, e) -> seen.add(Thread.currentThread().getName()));
        server.reply(new Rmessage.Read(server.received().get(0).tag(), new byte[0]));
        Rmessage r = get(chain);
        assertThat(r).isInstanceOf(Rmessage.Stat.class);
        assertThat(thread.get()).startsWith("styx-client");
        assertThat(seen).allMatch(n -> n.startsWith("styx-client"));
    }
}
