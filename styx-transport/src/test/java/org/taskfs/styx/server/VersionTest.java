package org.taskfs.styx.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.server.TestNodes.Directory;
import org.taskfs.styx.server.TestNodes.ProbeFile;
import org.taskfs.styx.server.TestNodes.TestFs;

/** Tversion: msize and version negotiation, and a new session wiping out the old one (version(5)). */
class VersionTest extends ServerTestBase {
    private final Directory root = new Directory("/", 0777);
    private final ProbeFile probe = root.add(new ProbeFile("probe"));
    private final TestFs fs = new TestFs(root);

    private static final ServerOptions SMALL = new ServerOptions(16384, 4096, 1024,
            Duration.ofSeconds(60), 2 * 1024 * 1024, org.taskfs.styx.auth.AuthMethod.NONE, null);

    @Test
    void msizeIsTheSmallerOfClientAndServer() {
        RawStyx c = connect(serve(fs, SMALL));
        assertThat(c.version(8192).msize()).isEqualTo(8192);
        assertThat(c.version(65536).msize()).as("capped at maxMsize").isEqualTo(16384);
        assertThat(c.version(-1).msize()).as("msize 0xFFFFFFFF is unsigned, capped").isEqualTo(16384);
        c.attach(0);
        c.assertServes(0);
    }

    @Test
    void negotiatedMsizeBoundsTheIounit() {
        RawStyx c = connect(serve(fs, SMALL));
        c.version(65536);
        c.attach(0);
        assertThat(c.walkOpen(1, P9.OREAD, "probe").iounit()).isEqualTo(16384 - P9.IOHDRSZ);
    }

    @Test
    void eachDialectIsAnsweredAsAskedAndAnExtensionOfOneAsThatOne() {
        RawStyx c = connect(serve(fs));
        Map<String, String> answers = new LinkedHashMap<>();
        answers.put("9P2000.u", "9P2000.u");
        answers.put("9P2000.L", "9P2000.L");
        answers.put("9P2000.L.Google.7", "9P2000.L");
        answers.put("9P2000.x", "9P2000");
        answers.put("9P2000", "9P2000");
        answers.forEach((asked, answer) -> {
            Rmessage.Version r = c.ok(new Tmessage.Version(P9.NOTAG, 8192, asked), Rmessage.Version.class);
            assertThat(r.version()).as("answer to %s", asked).isEqualTo(answer);
        });
        c.attach(0);
        c.assertServes(0);
    }

    @Test
    void unknownVersionIsAnsweredUnknownAndLeavesNoSession() {
        RawStyx c = connect(serve(fs));
        Rmessage.Version r = c.ok(new Tmessage.Version(P9.NOTAG, 8192, "XYZ"), Rmessage.Version.class);
        assertThat(r.version()).isEqualTo("unknown");
        assertThat(c.error(new Tmessage.Attach(1, 0, P9.NOFID, "glenda", ""))).isEqualTo(Errors.NOT_VERSIONED);
        // The client may try again with a version the server knows.
        c.session().assertServes(0);
    }

    @Test
    void msizeBelow256IsRefused() {
        RawStyx c = connect(serve(fs));
        assertThat(c.error(new Tmessage.Version(P9.NOTAG, 100, P9.VERSION)))
                .isEqualTo("msize 100 is too small; at least 256 is needed");
        c.session().assertServes(0);
    }

    @Test
    void requestBeforeVersionIsRefused() {
        RawStyx c = connect(serve(fs));
        assertThat(c.error(new Tmessage.Attach(1, 0, P9.NOFID, "glenda", ""))).isEqualTo(Errors.NOT_VERSIONED);
        assertThat(c.error(new Tmessage.Stat(2, 0))).isEqualTo(Errors.NOT_VERSIONED);
        c.session().assertServes(0);
    }

    @Test
    void secondVersionAbortsOutstandingRequestsAndClunksAllFids() {
        probe.blockReads = true;
        RawStyx c = connect(serve(fs)).session();
        c.walkOpen(1, P9.OREAD, "probe");
        c.send(new Tmessage.Read(40000, 1, 0, 10));
        await().until(() -> probe.pending.size() == 1);

        assertThat(c.version(8192).msize()).isEqualTo(8192);

        assertThat(probe.clunks.get()).as("the open fid was clunked").isEqualTo(1);
        assertThat(probe.pending.peek().future().isCancelled()).as("the blocked read was cancelled").isTrue();
        assertThat(c.error(new Tmessage.Stat(c.tag(), 0))).as("old fids are gone").isEqualTo(Errors.UNKNOWN_FID);
        assertThat(c.error(new Tmessage.Stat(c.tag(), 1))).isEqualTo(Errors.UNKNOWN_FID);
        // The old session's read never answers: the next replies are exactly the ones asked for.
        c.attach(0);
        c.assertNothingElsePending(0);
    }

    @Test
    void secondVersionDropsTheReplyOfAReadThatCompletesAnyway() {
        probe.blockReads = true;
        probe.stubborn = true;
        RawStyx c = connect(serve(fs)).session();
        c.walkOpen(1, P9.OREAD, "probe");
        c.send(new Tmessage.Read(40000, 1, 0, 10));
        await().atMost(Duration.ofSeconds(5)).until(() -> probe.pending.size() == 1);
        c.version(8192);
        c.attach(0);

        probe.pending.poll().future().complete(new byte[] {1, 2, 3});
        c.assertNothingElsePending(0);
    }
}
