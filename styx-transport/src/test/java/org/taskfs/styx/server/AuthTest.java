package org.taskfs.styx.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.server.TestNodes.Directory;

/** Tauth and the afid of attach(5), for a server that does ask for authentication. */
class AuthTest extends ServerTestBase {
    private final Directory root = new Directory("/", 0777);
    private final AtomicInteger authClunks = new AtomicInteger();

    /** The auth file: a write of "secret" proves the client; reads say whether it has. */
    private final class AuthHandle implements OpenFile {
        private final TestNodes.Base node = new TestNodes.Base("auth", new Qid(P9.QTAUTH, 0, 99), 0600) {};
        volatile boolean proven;

        @Override
        public Node node() {
            return node;
        }

        @Override
        public CompletableFuture<byte[]> read(long offset, int count) {
            return CompletableFuture.completedFuture((proven ? "ok" : "prove it").getBytes());
        }

        @Override
        public CompletableFuture<Integer> write(long offset, byte[] data) {
            proven = new String(data).equals("secret");
            return CompletableFuture.completedFuture(data.length);
        }

        @Override
        public void clunk() {
            authClunks.incrementAndGet();
        }
    }

    private final FileServer fs = new FileServer() {
        @Override
        public CompletableFuture<OpenFile> auth(Caller caller) {
            return CompletableFuture.completedFuture(new AuthHandle());
        }

        @Override
        public CompletableFuture<Node> attach(Caller caller, OpenFile auth) {
            if (!(auth instanceof AuthHandle h) || !h.proven) {
                return StyxException.failed("authentication failed");
            }
            return CompletableFuture.completedFuture(root);
        }
    };

    private RawStyx authenticated(int afid) {
        RawStyx c = connect(serve(fs));
        c.version(8192);
        Rmessage.Auth a = c.ok(new Tmessage.Auth(c.tag(), afid, "glenda", ""), Rmessage.Auth.class);
        assertThat(a.aqid().isAuth()).isTrue();
        return c;
    }

    @Test
    void attachSucceedsOnlyAfterTheAuthFileIsSatisfied() {
        RawStyx c = authenticated(10);
        assertThat(c.error(new Tmessage.Attach(c.tag(), 0, P9.NOFID, "glenda", ""))).isEqualTo("authentication failed");
        assertThat(c.read(10, 0, 100)).isEqualTo("prove it".getBytes());
        assertThat(c.error(new Tmessage.Attach(c.tag(), 0, 10, "glenda", ""))).isEqualTo("authentication failed");
        c.write(10, 0, "secret".getBytes());
        assertThat(c.read(10, 0, 100)).isEqualTo("ok".getBytes());
        c.ok(new Tmessage.Attach(c.tag(), 0, 10, "glenda", ""), Rmessage.Attach.class);
        c.assertServes(0);
        c.clunk(10);
        assertThat(authClunks.get()).isEqualTo(1);
        c.assertServes(0);
    }

    @Test
    void anAuthFidIsNotAnOrdinaryFid() {
        RawStyx c = authenticated(10);
        assertThat(c.error(new Tmessage.Walk(c.tag(), 10, 11, List.of())))
                .isEqualTo("cannot walk an authentication fid");
        assertThat(c.error(new Tmessage.Open(c.tag(), 10, P9.OREAD))).isEqualTo(Errors.ALREADY_OPEN);
        assertThat(c.error(new Tmessage.Auth(c.tag(), 10, "glenda", ""))).isEqualTo(Errors.FID_IN_USE);
        assertThat(c.error(new Tmessage.Remove(c.tag(), 10))).isEqualTo(Errors.PERMISSION);
        assertThat(authClunks.get()).as("the remove clunked it").isEqualTo(1);
        assertThat(c.error(new Tmessage.Read(c.tag(), 10, 0, 10))).isEqualTo(Errors.UNKNOWN_FID);
    }

    @Test
    void disconnectClunksAuthFids() {
        RawStyx c = authenticated(10);
        c.ok(new Tmessage.Auth(c.tag(), 11, "glenda", ""), Rmessage.Auth.class);
        c.abort();
        await().until(() -> authClunks.get() == 2);
    }
}
