package org.taskfs.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.P9;

/** stdin, stdout and stderr through 9P: byte-exact, concurrent, with EOF where a user expects it. */
class NodeStreamsTest extends NodeTestBase {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void fiftyMegabytesThroughCatComeBackByteExact() throws Exception {
        byte[] data = new byte[50 << 20];
        new Random(42).nextBytes(data);
        try (StyxClient big = connect(ClientOptions.defaults().withMsize(P9.MAX_MSIZE))) {
            StyxClient bigBlocking = big.withTimeout(java.time.Duration.ZERO);
            String id = newTask();
            ctl(id, "exec cat");

            // Compared as it arrives, so a mismatch names its offset and 50 MB are not held twice.
            AtomicLong at = new AtomicLong();
            AtomicReference<String> mismatch = new AtomicReference<>();
            CompletableFuture<Long> read = bigBlocking.stream(id + "/stdout", chunk -> {
                long off = at.getAndAdd(chunk.length);
                if (mismatch.get() == null && (off + chunk.length > data.length
                        || !Arrays.equals(chunk, 0, chunk.length, data, (int) off, (int) off + chunk.length))) {
                    mismatch.set("stdout differs in the " + chunk.length + " bytes at offset " + off);
                }
            });

            RemoteFid stdin = get(bigBlocking.open(id + "/stdin", P9.OWRITE));
            assertThat(stdin.iounit()).isGreaterThan(64 * 1024);
            get(stdin.writeAll(0, data)); // iounit-sized Twrites, one after another
            assertThat(read).isNotDone(); // cat still waits for more input
            get(stdin.clunk()); // the last writer gone: cat sees EOF

            assertThat(get(read)).isEqualTo(data.length);
            assertThat(mismatch.get()).isNull();
            assertThat(waitLine(id)).endsWith(" ''\n");
        }
    }

    @Test
    void stdinReachesEofOnlyWhenTheLastWriterClunks() throws Exception {
        String id = newTask();
        ctl(id, "exec cat");
        RemoteFid w1 = get(c.open(id + "/stdin", P9.OWRITE));
        RemoteFid w2 = get(c.open(id + "/stdio", P9.ORDWR));
        get(w1.write(0, bytes("one\n")));
        get(w2.write(0, bytes("two\n")));
        get(w1.clunk());
        CompletableFuture<String> wait = blocking.readString(id + "/wait");
        // One writer is left, so cat is still running; the stdio fid also reads cat's output.
        assertThat(new String(get(w2.withTimeout(java.time.Duration.ZERO).read(0, 100)), StandardCharsets.UTF_8))
                .startsWith("one\n");
        assertThat(wait).isNotDone();
        assertThat(text(id + "/status")).contains(" Execute ");
        get(w2.clunk());
        assertThat(get(wait)).endsWith(" ''\n");
        assertThat(follow(id + "/stdout")).isEqualTo("one\ntwo\n");
    }

    @Test
    void eofCtlClosesStdinWhileWritersAreOpen() throws Exception {
        String id = newTask();
        ctl(id, "exec cat");
        RemoteFid in = get(c.open(id + "/stdin", P9.OWRITE));
        get(in.write(0, bytes("hello\n")));
        ctl(id, "eof");
        assertThat(follow(id + "/stdout")).isEqualTo("hello\n");
        assertThat(waitLine(id)).endsWith(" ''\n");
        // A write after EOF is refused with devcmd's error, not an internal one.
        assertThat(rerror(in.write(0, bytes("late\n")))).startsWith("i/o on hungup channel: the task's stdin is closed");
        get(in.clunk());
    }

    @Test
    void stdinWrittenBeforeExecIsKeptForTheRun() throws Exception {
        String id = newTask();
        // As `echo data > N/stdin; echo exec cat > N/ctl`: the writer is gone before exec, so EOF follows the data.
        get(c.write(id + "/stdin", "early data\n"));
        ctl(id, "exec cat");
        assertThat(follow(id + "/stdout")).isEqualTo("early data\n");
        assertThat(waitLine(id)).endsWith(" ''\n");
    }

    @Test
    void aRunWithoutStdinWritersKeepsStdinOpenForALaterWriter() throws Exception {
        String id = newTask();
        ctl(id, "exec cat");
        CompletableFuture<String> wait = blocking.readString(id + "/wait");
        assertThat(text(id + "/status")).contains(" Execute ");
        get(c.write(id + "/stdin", "later\n")); // opens, writes, clunks: EOF after it
        assertThat(get(wait)).endsWith(" ''\n");
        assertThat(follow(id + "/stdout")).isEqualTo("later\n");
    }

    @Test
    void twoConcurrentReadersOfOneStdoutSeeTheSameBytes() throws Exception {
        String id = newTask();
        ctl(id, "exec sh -c 'i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done'");
        CompletableFuture<byte[]> a = blocking.readAll(id + "/stdout");
        CompletableFuture<byte[]> b = blocking.readAll(id + "/stdout");
        byte[] first = get(a);
        assertThat(get(b)).isEqualTo(first);
        assertThat(new String(first, StandardCharsets.UTF_8)).startsWith("line 0\n").endsWith("line 1999\n");
    }

    @Test
    void aReaderOpenedBeforeTheRunWritesGetsItsOutput() throws Exception {
        String id = newTask();
        // It writes once its stdin has a line.
        ctl(id, "exec sh -c 'read go; echo to-out; echo to-err >&2'");
        CompletableFuture<String> out = blocking.readString(id + "/stdout");
        CompletableFuture<String> err = blocking.readString(id + "/stderr");
        CompletableFuture<String> wait = blocking.readString(id + "/wait");
        awaitRefs(id, 3);
        assertThat(out).isNotDone();
        assertThat(wait).isNotDone();
        get(c.write(id + "/stdin", "go\n"));
        assertThat(get(out)).isEqualTo("to-out\n");
        assertThat(get(err)).isEqualTo("to-err\n");
        assertThat(get(wait)).endsWith(" ''\n");
    }

    @Test
    void aReaderAtTheEndOfAFinishedRunGetsEofAtOnce() throws Exception {
        String id = run("echo done");
        RemoteFid out = get(c.open(id + "/stdout", P9.OREAD)); // c has a request timeout: a block would fail
        assertThat(get(out.read(0, 100))).isEqualTo(bytes("done\n"));
        assertThat(get(out.read(5, 100))).isEmpty();
        assertThat(get(out.read(1000, 100))).isEmpty();
        get(out.clunk());
    }

    @Test
    void nulBytesAndAMissingTrailingNewlineSurvive() throws Exception {
        String id = newTask();
        ctl(id, "exec printf 'a\\000b\\000\\000c'");
        assertThat(followBytes(id + "/stdout")).isEqualTo(new byte[] {'a', 0, 'b', 0, 0, 'c'});
    }

    @Test
    void aFiveMegabyteSingleLineSurvives() throws Exception {
        String id = newTask();
        ctl(id, "exec sh -c 'head -c 5242880 /dev/zero | tr \"\\\\000\" x'");
        byte[] out = followBytes(id + "/stdout");
        assertThat(out.length).isEqualTo(5 << 20);
        byte[] xs = new byte[5 << 20];
        Arrays.fill(xs, (byte) 'x');
        assertThat(Arrays.equals(out, xs)).isTrue();
    }

    @Test
    void binaryOutputIsByteExact() throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        String id = newTask();
        ctl(id, "exec cat");
        RemoteFid in = get(c.open(id + "/stdin", P9.OWRITE));
        get(in.writeAll(0, data));
        get(in.clunk());
        assertThat(Arrays.equals(followBytes(id + "/stdout"), data)).isTrue();
    }

    @Test
    void aProcessThatNeverReadsStdinDoesNotBlockTheServer() throws Exception {
        String id = newTask();
        ctl(id, "exec sleep 1000");
        // 20 MB offered at once: what the pipe and the daemon's bounded queue cannot take stays pending or is
        // refused, and nothing on the daemon waits for it.
        RemoteFid in = get(c.withTimeout(java.time.Duration.ZERO).open(id + "/stdin", P9.OWRITE));
        try (StyxClient big = connect(ClientOptions.defaults().withMsize(P9.MAX_MSIZE))) {
            RemoteFid bigIn = get(big.withTimeout(java.time.Duration.ZERO).open(id + "/stdin", P9.OWRITE));
            byte[] chunk = new byte[bigIn.iounit()]; // about 1 MB
            List<CompletableFuture<Integer>> writes = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                writes.add(bigIn.write(0, chunk));
            }
            // Other requests are answered meanwhile, on the writer's own connection and on others.
            assertThat(get(big.readString("arch"))).isEqualTo("Linux amd64\n");
            // Sent after the big writes were taken (arch was answered after them): it queues behind them.
            CompletableFuture<Integer> small = in.write(0, bytes("x"));
            assertThat(text(id + "/status")).contains(" Execute ");
            assertThat(small).isNotDone();
            assertStillServing();
            assertThat(writes.get(0)).isNotDone();

            // The queue is bounded: some of the 20 MB is refused with an error that says why.
            List<String> refusals = new ArrayList<>();
            for (CompletableFuture<Integer> w : writes) {
                if (w.isCompletedExceptionally()) {
                    refusals.add(rerror(w));
                }
            }
            assertThat(refusals).isNotEmpty().allSatisfy(e -> assertThat(e).contains("not being read"));

            ctl(id, "kill");
            assertThat(waitLine(id)).endsWith(" killed\n");
            // What was still pending fails once the reader is gone; no write stays pending for ever.
            for (CompletableFuture<Integer> w : writes) {
                if (!w.isCompletedExceptionally()) {
                    assertThat(rerror(w)).startsWith("i/o on hungup channel: the task's stdin is closed");
                }
            }
            assertThat(rerror(small)).startsWith("i/o on hungup channel: the task's stdin is closed");
            get(bigIn.clunk());
        }
        get(in.clunk());
    }

    private void awaitRefs(String id, int refs) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(TIMEOUT_S)).untilAsserted(() ->
                assertThat(text(id + "/status")).startsWith("cmd/" + id + " " + refs + " "));
    }
}
