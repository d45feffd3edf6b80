package org.taskfs.styx.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.ramfs.RamFs;
import org.taskfs.styx.server.TestNodes.Directory;
import org.taskfs.styx.server.TestNodes.PendingRead;
import org.taskfs.styx.server.TestNodes.ProbeFile;
import org.taskfs.styx.server.TestNodes.TestFs;

/** A client that goes away has everything it held released at once (DESIGN §5). */
class DisconnectTest extends ServerTestBase {
    private final Directory root = new Directory("/", 0777);
    private final ProbeFile file = root.add(new ProbeFile("file"));
    private final ProbeFile slow = root.add(new ProbeFile("slow"));
    private final TestFs fs = new TestFs(root);

    {
        slow.blockReads = true;
    }

    @Test
    void abruptDisconnectClunksEveryOpenFidAndCancelsPendingReads() {
        StyxServer server = serve(fs);
        RawStyx bystander = connect(server).session();
        RawStyx c = connect(server).session();
        for (int fid = 1; fid <= 99; fid++) {
            c.walkOpen(fid, P9.OREAD, "file");
        }
        c.walkOpen(100, P9.OREAD, "slow");
        c.walk(0, 101); // a fid that is not open: nothing to clunk in the node
        c.send(new Tmessage.Read(40000, 100, 0, 10));
        await().until(() -> slow.pending.size() == 1);
        PendingRead read = slow.pending.peek();

        c.abort();

        await().until(() -> fs.disconnected.size() == 1);
        assertThat(file.clunks.get()).isEqualTo(99);
        assertThat(slow.clunks.get()).isEqualTo(1);
        assertThat(read.future().isCancelled()).as("the pending read was cancelled").isTrue();
        await().until(() -> server.connectionCount() == 1);
        bystander.assertServes(0);
        assertThat(file.clunks.get()).as("the bystander's session was left alone").isEqualTo(99);
    }

    @Test
    void orderlyCloseCleansUpTheSameWay() {
        AtomicInteger clunkedBeforeNotice = new AtomicInteger(-1);
        TestFs watching = new TestFs(root) {
            @Override
            public void disconnected(ConnectionInfo connection) {
                clunkedBeforeNotice.set(file.clunks.get() + slow.clunks.get());
                super.disconnected(connection);
            }
        };
        StyxServer server = serve(watching);
        RawStyx c = connect(server).session();
        c.walkOpen(1, P9.OREAD, "file");
        c.walkOpen(2, P9.OREAD, "slow");
        c.send(new Tmessage.Read(40000, 2, 0, 10));
        await().until(() -> slow.pending.size() == 1);

        c.close();

        await().until(() -> watching.disconnected.size() == 1);
        assertThat(slow.pending.peek().future().isCancelled()).isTrue();
        assertThat(clunkedBeforeNotice.get()).as("disconnected() comes after every fid was clunked").isEqualTo(2);
        assertThat(watching.disconnected.get(0).remoteAddress()).startsWith("tcp!127.0.0.1!");
    }

    @Test
    void anOpenThatCompletesAfterTheClientLeftIsClunkedAtOnce() {
        // A node that cannot stop its open (it ignores cancel) still must not leak the handle.
        TestNodes.StubbornFuture<OpenFile> opening = new TestNodes.StubbornFuture<>();
        AtomicInteger clunked = new AtomicInteger();
        TestNodes.Base lateFile = root.add(new TestNodes.Base("late", Qid.file(777777), 0666) {
            @Override
            public CompletableFuture<OpenFile> open(int mode, Caller caller) {
                return opening;
            }
        });
        StyxServer server = serve(fs);
        RawStyx c = connect(server).session();
        c.walk(0, 1, "late");
        c.send(new Tmessage.Open(40000, 1, P9.OREAD));
        c.abort();
        await().until(() -> fs.disconnected.size() == 1);

        opening.complete(new OpenFile() {
            @Override
            public Node node() {
                return lateFile;
            }

            @Override
            public void clunk() {
                clunked.incrementAndGet();
            }
        });

        await().until(() -> clunked.get() == 1);
    }

    @Test
    void disconnectWithOrcloseFilesRemovesThem() {
        RamFs ram = new RamFs(TestNodes.OWNER);
        ram.put("keep", new byte[0]);
        ram.put("temp", new byte[0]);
        StyxServer server = serve(ram);
        RawStyx c = connect(server).session();
        c.walkOpen(1, P9.OREAD, "keep");
        c.walkOpen(2, P9.OREAD | P9.ORCLOSE, "temp");
        c.abort();
        await().until(() -> ram.get("temp") == null);
        assertThat(ram.get("keep")).isNotNull();
    }
}
