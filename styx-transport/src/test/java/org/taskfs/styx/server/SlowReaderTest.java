package org.taskfs.styx.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.server.TestNodes.Directory;
import org.taskfs.styx.server.TestNodes.ProbeFile;
import org.taskfs.styx.server.TestNodes.TestFs;

/**
 * A client that asks for a lot and reads nothing must not make the server queue replies without
 * bound: once its replies back up, the server stops taking its requests, and resumes when it reads.
 */
class SlowReaderTest extends ServerTestBase {
    private static final int CHUNK = 64 * 1024;
    private static final int REQUESTS = 1000; // 64 MB of replies for 23 KB of requests

    private final Directory root = new Directory("/", 0777);
    private final ProbeFile big = root.add(new ProbeFile("big", 0444, new byte[CHUNK]));
    private final TestFs fs = new TestFs(root);
    private static final int HIGH_WATER_MARK = 256 * 1024;

    private final ServerOptions options = ServerOptions.DEFAULTS.withWriteHighWaterMark(HIGH_WATER_MARK)
            .withPartialFrameTimeout(Duration.ofMillis(300));

    /** A client whose own receive buffer is small, so the kernel does not soak up the replies. */
    private RawStyx slowClient(StyxServer server) {
        RawStyx c = connect(server, s -> {
            try {
                s.setReceiveBufferSize(16 * 1024);
            } catch (SocketException e) {
                throw new IllegalStateException(e);
            }
        });
        c.version(2 * CHUNK);
        c.attach(0);
        c.walkOpen(1, P9.OREAD, "big");
        return c;
    }

    /** Linux's largest automatic TCP send buffer (tcp_wmem's third field); 4 MiB if unknown. */
    private static long kernelSendBufferMax() {
        try {
            String[] f = Files.readString(Path.of("/proc/sys/net/ipv4/tcp_wmem")).trim().split("\\s+");
            return Long.parseLong(f[2]);
        } catch (IOException | RuntimeException e) {
            return 4L * 1024 * 1024;
        }
    }

    /** Waits until {@code counter} has not moved for 300 ms and returns where it stopped. */
    private static int plateau(IntSupplier counter) {
        int[] last = {-1};
        long[] since = {0};
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
            int now = counter.getAsInt();
            if (now != last[0]) {
                last[0] = now;
                since[0] = System.nanoTime();
                return false;
            }
            return System.nanoTime() - since[0] > Duration.ofMillis(300).toNanos();
        });
        return last[0];
    }

    private void sendReads(RawStyx c, int from, int to) {
        for (int tag = from; tag < to; tag++) {
            c.queue(new Tmessage.Read(tag, 1, 0, CHUNK));
        }
        c.flushQueued();
    }

    private void receiveReads(RawStyx c, int from, int to) {
        for (int tag = from; tag < to; tag++) {
            Rmessage r = c.receive();
            assertThat(r.tag()).isEqualTo(tag);
            assertThat(((Rmessage.Read) r).data()).hasSize(CHUNK);
        }
    }

    @Test
    void serverStopsTakingRequestsFromAClientThatDoesNotReadAndResumesWhenItDoes() {
        StyxServer server = serve(fs, options);
        RawStyx c = slowClient(server);
        RawStyx bystander = connect(server).session();
        int before = big.reads.get();

        sendReads(c, 1, REQUESTS + 1);

        int served = plateau(() -> big.reads.get()) - before;
        // What may be in flight: the server's socket send buffer (as large as the kernel lets it
        // grow), the high-water mark and the client's small receive buffer, plus a few replies.
        long bound = (kernelSendBufferMax() + HIGH_WATER_MARK + 64 * 1024) / CHUNK + 10;
        assumeTrue(bound < REQUESTS / 2, "the kernel's send buffers are too large for this test to tell");
        assertThat(served).as("reads served while the client read nothing").isLessThan((int) bound);
        bystander.assertServes(0);

        receiveReads(c, 1, REQUESTS + 1);
        assertThat(big.reads.get() - before).isEqualTo(REQUESTS);
        c.assertServes(1);
    }

    @Test
    void anIncompleteFrameIsNotASlowSenderWhileTheServerItselfHasStoppedReading() {
        StyxServer server = serve(fs, options);
        RawStyx c = slowClient(server);
        sendReads(c, 1, REQUESTS + 1);
        byte[] last = RawStyx.encode(new Tmessage.Read(REQUESTS + 1, 1, 0, CHUNK));
        c.sendBytes(Arrays.copyOf(last, 10));
        plateau(() -> big.reads.get());

        // Several partial-frame timeouts pass while the server, not the client, holds things up.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2))
                .until(() -> fs.disconnected.isEmpty());

        receiveReads(c, 1, REQUESTS + 1);
        c.sendBytes(Arrays.copyOfRange(last, 10, last.length));
        receiveReads(c, REQUESTS + 1, REQUESTS + 2);
        assertThat(fs.disconnected).isEmpty();
    }
}
