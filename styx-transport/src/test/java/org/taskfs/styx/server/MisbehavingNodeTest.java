package org.taskfs.styx.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxWire;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.server.TestNodes.Directory;
import org.taskfs.styx.server.TestNodes.ProbeFile;
import org.taskfs.styx.server.TestNodes.TestFs;

/**
 * Whatever a node does wrong fails that one request, never the connection: too-long errors and
 * stats (no reply may exceed msize, intro(5)), missing futures, exceptions thrown outright.
 */
class MisbehavingNodeTest extends ServerTestBase {
    private static final int MSIZE = 8192;

    private final Directory root = new Directory("/", 0777);
    private final ProbeFile verbose = root.add(new ProbeFile("verbose"));
    private final TestFs fs = new TestFs(root);

    /** A file whose directory entry is larger than any reply may be. */
    private static final class HugeStat extends TestNodes.Base {
        private final String owner;

        HugeStat(String name, String owner) {
            super(name, Qid.file(424242), 0666);
            this.owner = owner;
        }

        @Override
        Dir dir() {
            return new Dir(0, 0, qid, perm, 0, 0, 0, name, owner, owner, owner);
        }
    }

    private RawStyx session() {
        return connect(serve(fs)).session();
    }

    @Test
    void aNodeErrorLongerThanMsizeIsCutToFit() {
        verbose.readError = "é".repeat(20000); // 40,000 bytes of UTF-8
        RawStyx c = session();
        c.walkOpen(1, P9.OREAD, "verbose");
        Rmessage r = c.rpc(new Tmessage.Read(c.tag(), 1, 0, 10));
        assertThat(r).isInstanceOf(Rmessage.Error.class);
        assertThat(StyxWire.size(r)).isLessThanOrEqualTo(MSIZE);
        String ename = ((Rmessage.Error) r).ename();
        assertThat(ename).startsWith("éééé").doesNotContain("\uFFFD");
        assertThat(ename.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(MSIZE / 2);
        c.assertServes(1);
    }

    @Test
    void aNodeErrorTooLongForA9PStringStillGetsAnRerror() {
        verbose.readError = "x".repeat(70000);
        RawStyx c = session();
        c.walkOpen(1, P9.OREAD, "verbose");
        Rmessage r = c.rpc(new Tmessage.Read(c.tag(), 1, 0, 10));
        assertThat(r).isInstanceOf(Rmessage.Error.class);
        assertThat(StyxWire.size(r)).isLessThanOrEqualTo(MSIZE);
        c.assertServes(1);
    }

    @Test
    void atTheLargestMsizeALongErrorIsCutToA9PStringWithTheMark() {
        // msize 1 MiB leaves room for the whole error but a 9P string holds 65,535 bytes: before, the
        // encoder failed and the connection closed.
        verbose.readError = "é".repeat(40000);
        RawStyx c = connect(serve(fs));
        c.version(P9.MAX_MSIZE);
        c.attach(0);
        c.walkOpen(1, P9.OREAD, "verbose");
        Rmessage r = c.rpc(new Tmessage.Read(c.tag(), 1, 0, 10));
        assertThat(r).isInstanceOf(Rmessage.Error.class);
        String ename = ((Rmessage.Error) r).ename();
        assertThat(ename).startsWith("éééé").endsWith("é…").doesNotContain("\uFFFD");
        assertThat(ename.getBytes(StandardCharsets.UTF_8).length).isBetween(65535 - 1, 65535);
        c.assertServes(1);
    }

    @Test
    void anErrorCutToMsizeEndsWithTheMark() {
        verbose.readError = "x".repeat(10000);
        RawStyx c = session();
        c.walkOpen(1, P9.OREAD, "verbose");
        Rmessage r = c.rpc(new Tmessage.Read(c.tag(), 1, 0, 10));
        assertThat(StyxWire.size(r)).isEqualTo(MSIZE);
        assertThat(((Rmessage.Error) r).ename()).endsWith("x…");
        c.assertServes(1);
    }

    @Test
    void aStatLargerThanMsizeIsAnErrorNotABrokenConnection() {
        root.add(new HugeStat("huge", "u".repeat(5000)));
        root.add(new HugeStat("huger", "u".repeat(70000)));
        RawStyx c = session();
        c.walk(0, 1, "huge");
        assertThat(c.error(new Tmessage.Stat(c.tag(), 1))).contains("does not fit");
        c.walk(0, 2, "huger");
        assertThat(c.error(new Tmessage.Stat(c.tag(), 2))).contains("does not fit");
        c.assertServes(0);
    }

    @Test
    void aHandlerThatReturnsNoFutureFailsTheRequestNotTheConnection() {
        TestNodes.Base broken = root.add(new TestNodes.Base("broken", Qid.file(515151), 0666) {
            @Override
            public CompletableFuture<Dir> stat() {
                return null;
            }
        });
        RawStyx c = session();
        c.walk(0, 1, broken.name);
        assertThat(c.error(new Tmessage.Stat(c.tag(), 1))).startsWith("internal error");
        c.assertServes(0);
    }

    @Test
    void aNodeThatThrowsFailsTheRequestNotTheConnection() {
        TestNodes.Base throwing = root.add(new TestNodes.Base("throwing", Qid.file(616161), 0666) {
            @Override
            public boolean isDirectory() {
                throw new IllegalStateException("node bug");
            }
        });
        RawStyx c = session();
        c.walk(0, 1, throwing.name);
        assertThat(c.error(new Tmessage.Open(c.tag(), 1, P9.OREAD))).isEqualTo("internal error: node bug");
        assertThat(c.error(new Tmessage.Walk(c.tag(), 1, 2, List.of("x")))).isEqualTo("internal error: node bug");
        c.assertServes(0);
    }
}
