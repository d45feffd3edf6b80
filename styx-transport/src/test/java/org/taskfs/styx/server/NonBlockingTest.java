package org.taskfs.styx.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.server.TestNodes.Directory;
import org.taskfs.styx.server.TestNodes.PendingRead;
import org.taskfs.styx.server.TestNodes.ProbeFile;
import org.taskfs.styx.server.TestNodes.TestFs;

/** The framework never waits on a node's future on an event-loop thread. */
class NonBlockingTest extends ServerTestBase {
    private final Directory root = new Directory("/", 0777);
    private final ProbeFile slow = root.add(new ProbeFile("slow"));
    private final TestFs fs = new TestFs(root);

    {
        slow.blockReads = true;
    }

    @Test
    void aSlowReadDelaysNothingElseOnItsOwnConnectionOrOthers() {
        // Several connections, so that some surely share the slow one's event-loop thread.
        StyxServer server = serve(fs);
        RawStyx c = connect(server).session();
        RawStyx[] others = new RawStyx[8];
        for (int i = 0; i < others.length; i++) {
            others[i] = connect(server).session();
        }
        c.walkOpen(1, P9.OREAD, "slow");
        c.send(new Tmessage.Read(40000, 1, 0, 10));
        await().until(() -> slow.pending.size() == 1);
        PendingRead read = slow.pending.peek();
        // The node finishes in 2 s; everything below must be answered well before.
        read.future().completeOnTimeout("late".getBytes(), 2, TimeUnit.SECONDS);

        c.assertServes(0);
        c.walkOpen(2, P9.OREAD, "slow");
        for (RawStyx other : others) {
            other.assertServes(0);
        }
        assertThat(read.future().isDone()).as("all answered while the read was pending").isFalse();

        assertThat(c.receive()).isEqualTo(new Rmessage.Read(40000, "late".getBytes()));
    }

    @Test
    void aSlowAttachDoesNotHoldUpOtherConnections() {
        CompletableFuture<Node> root2 = new CompletableFuture<>();
        FileServer slowAttach = new FileServer() {
            @Override
            public CompletableFuture<Node> attach(Caller caller, OpenFile auth) {
                return caller.aname().equals("slow") ? root2 : CompletableFuture.completedFuture(root);
            }
        };
        StyxServer server = serve(slowAttach);
        RawStyx c = connect(server);
        c.version(8192);
        c.send(new Tmessage.Attach(40000, 0, P9.NOFID, "glenda", "slow"));
        RawStyx other = connect(server).session();
        other.assertServes(0);
        c.attach(1); // the same connection, another fid, while the first attach waits
        c.assertServes(1);
        root2.complete(root);
        assertThat(c.receive()).isEqualTo(new Rmessage.Attach(40000, root.qid()));
        c.assertServes(0);
    }
}
