package org.taskfs.styx.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.Dialect;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.Dirent;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxWire;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.ramfs.RamFs;
import org.taskfs.styx.server.TestNodes.Directory;
import org.taskfs.styx.server.TestNodes.PendingRead;
import org.taskfs.styx.server.TestNodes.ProbeFile;
import org.taskfs.styx.server.TestNodes.TestFs;

/**
 * One server, three dialects: what the Linux kernel's client and diod's tools send in 9P2000.L and 9P2000.u,
 * served by the same tree a 9P2000 client sees, with the errnos a Linux program gets.
 */
class DialectsTest extends ServerTestBase {
    private static final int O_WRONLY = 1;
    private static final int O_RDWR = 2;
    private static final int O_LARGEFILE = 0100000;
    private static final int O_DIRECTORY = 0200000;
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Tversion and a first attach as the kernel makes them: uname "", the uid in n_uname. */
    private RawStyx dotL(StyxServer s) {
        RawStyx c = connect(s);
        Rmessage.Version v = c.ok(new Tmessage.Version(P9.NOTAG, 131072, "9P2000.L"), Rmessage.Version.class);
        assertThat(v.version()).isEqualTo("9P2000.L");
        assertThat(v.msize()).isEqualTo(131072);
        c.dialect(Dialect.L);
        c.ok(new Tmessage.Attach(c.tag(), 0, P9.NOFID, "", "", 0), Rmessage.Attach.class);
        return c;
    }

    private static Rmessage.Getattr getattr(RawStyx c, int fid) {
        return c.ok(new Tmessage.Getattr(c.tag(), fid, 0x7ff), Rmessage.Getattr.class);
    }

    @Test
    void theKernelsEchoIntoACtlFileIsOneOpenATruncateAndOneWrite() {
        RamFs fs = new RamFs("root");
        fs.put("ctl", new byte[0]);
        RawStyx c = dotL(serve(fs));

        Rmessage.Getattr root = getattr(c, 0);
        assertThat(root.mode() & S_IFMT).isEqualTo(S_IFDIR);
        assertThat(root.qid().isDirectory()).isTrue();
        assertThat(root.uid()).as("root's uid, by name").isZero();

        c.walk(0, 1, "ctl");
        Rmessage.Getattr ctl = getattr(c, 1);
        assertThat(ctl.mode()).isEqualTo(S_IFREG | 0666);
        assertThat(ctl.size()).isZero();
        c.walk(1, 2);
        Rmessage.Lopen open = c.ok(new Tmessage.Lopen(c.tag(), 2, O_WRONLY | O_LARGEFILE), Rmessage.Lopen.class);
        assertThat(open.iounit()).isEqualTo(131072 - P9.IOHDRSZ);
        // The VFS truncates after open: size 0 with "now" for mtime and ctime, which a synthetic file takes.
        c.ok(new Tmessage.Setattr(c.tag(), 2, 0x68, 0, 0, 0, 0, 0, 0, 0, 0), Rmessage.Setattr.class);
        assertThat(c.write(2, 0, bytes("res 4\n"))).isEqualTo(6);
        c.clunk(2);
        assertThat(new String(fs.get("ctl"), StandardCharsets.UTF_8)).isEqualTo("res 4\n");
    }

    @Test
    void readdirListsWholeEntriesAndGoesOnFromAnyEntrysOffset() {
        RamFs fs = new RamFs("root");
        for (String n : List.of("alpha", "beta", "gamma", "delta")) {
            fs.put(n, new byte[0]);
        }
        fs.put("sub/x", new byte[0]);
        RawStyx c = dotL(serve(fs));
        c.walk(0, 1);
        c.ok(new Tmessage.Lopen(c.tag(), 1, O_DIRECTORY | O_LARGEFILE), Rmessage.Lopen.class);

        List<Dirent> all = StyxWire.decodeDirents(c.ok(new Tmessage.Readdir(c.tag(), 1, 0, 8192),
                Rmessage.Readdir.class).data());
        assertThat(all).extracting(Dirent::name).containsExactlyInAnyOrder("alpha", "beta", "gamma", "delta", "sub");
        assertThat(all).extracting(Dirent::offset).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(all).filteredOn(e -> e.name().equals("sub")).extracting(Dirent::type).containsExactly(Dirent.DT_DIR);
        assertThat(all).filteredOn(e -> e.name().equals("beta")).extracting(Dirent::type).containsExactly(Dirent.DT_REG);
        assertThat(c.ok(new Tmessage.Readdir(c.tag(), 1, 5, 8192), Rmessage.Readdir.class).data()).isEmpty();

        // A count that holds two entries, then on from the second's offset: the listing in the same order.
        int two = StyxWire.direntSize(all.get(0)) + StyxWire.direntSize(all.get(1));
        List<Dirent> first = StyxWire.decodeDirents(c.ok(new Tmessage.Readdir(c.tag(), 1, 0, two),
                Rmessage.Readdir.class).data());
        assertThat(first).hasSize(2);
        List<Dirent> rest = StyxWire.decodeDirents(c.ok(new Tmessage.Readdir(c.tag(), 1, 2, 8192),
                Rmessage.Readdir.class).data());
        assertThat(rest).extracting(Dirent::name).containsExactlyElementsOf(
                all.subList(2, 5).stream().map(Dirent::name).toList());
        assertThat(c.lerror(new Tmessage.Readdir(c.tag(), 1, 0, 10))).as("too small for any entry").isEqualTo(22);

        // diodls -l walks on from the open directory.
        c.walk(1, 2, "alpha");
        assertThat(getattr(c, 2).mode() & S_IFMT).isEqualTo(S_IFREG);
    }

    @Test
    void directoriesAreMadeRenamedAndRemovedByName() {
        RamFs fs = new RamFs("root");
        fs.put("file", bytes("x"));
        RawStyx c = dotL(serve(fs));

        Qid made = c.ok(new Tmessage.Mkdir(c.tag(), 0, "d", 0755, 0), Rmessage.Mkdir.class).qid();
        assertThat(made.isDirectory()).isTrue();
        c.ok(new Tmessage.Renameat(c.tag(), 0, "d", 0, "e"), Rmessage.Renameat.class);
        assertThat(c.lerror(new Tmessage.Walk(c.tag(), 0, 1, List.of("d")))).isEqualTo(2);
        c.walk(0, 1, "e");
        assertThat(getattr(c, 1).qid().path()).isEqualTo(made.path());
        c.clunk(1);
        assertThat(c.lerror(new Tmessage.Unlinkat(c.tag(), 0, "file", 0x200))).as("rmdir of a file").isEqualTo(20);
        assertThat(c.lerror(new Tmessage.Unlinkat(c.tag(), 0, "e", 0))).as("unlink of a directory").isEqualTo(21);
        c.ok(new Tmessage.Unlinkat(c.tag(), 0, "e", 0x200), Rmessage.Unlinkat.class);
        c.ok(new Tmessage.Unlinkat(c.tag(), 0, "file", 0), Rmessage.Unlinkat.class);
        assertThat(fs.get("file")).isNull();
        assertThat(c.lerror(new Tmessage.Unlinkat(c.tag(), 0, "file", 0))).isEqualTo(2);

        c.walk(0, 2);
        Rmessage.Lcreate created = c.ok(new Tmessage.Lcreate(c.tag(), 2, "new", O_RDWR | O_LARGEFILE, 0644, 0),
                Rmessage.Lcreate.class);
        assertThat(created.qid().isDirectory()).isFalse();
        c.write(2, 0, bytes("hello"));
        assertThat(fs.get("new")).isEqualTo(bytes("hello"));
    }

    @Test
    void whatTheTreeCannotBeIsRefusedWithLinuxsErrnos() {
        RamFs fs = new RamFs("root");
        fs.put("f", new byte[0]);
        RawStyx c = dotL(serve(fs));
        c.walk(0, 1, "f");
        assertThat(c.lerror(new Tmessage.Xattrwalk(c.tag(), 1, 2, "security.selinux"))).isEqualTo(95);
        assertThat(c.lerror(new Tmessage.Readlink(c.tag(), 1))).isEqualTo(22);
        assertThat(c.lerror(new Tmessage.Symlink(c.tag(), 0, "l", "f", 0))).isEqualTo(95);
        assertThat(c.lerror(new Tmessage.Walk(c.tag(), 0, 3, List.of("missing")))).isEqualTo(2);
        // The kernel clunks a newfid its failed walk never made: answered, and the connection serves on.
        assertThat(c.lerror(new Tmessage.Clunk(c.tag(), 3))).isEqualTo(9);
        assertThat(c.lerror(new Tmessage.Renameat(c.tag(), 0, "f", 1, "g"))).as("across directories").isIn(18, 20);
        assertThat(c.ok(new Tmessage.Statfs(c.tag(), 0), Rmessage.Statfs.class).fsType()).isEqualTo(0x01021997);
        assertThat(c.ok(new Tmessage.Lock(c.tag(), 1, 1, 0, 0, 0, 42, "host"), Rmessage.Lock.class).status()).isZero();
        c.ok(new Tmessage.Fsync(c.tag(), 1, 0), Rmessage.Fsync.class);
        getattr(c, 1);
    }

    @Test
    void withoutAnAuthMethodTauthIsENOENTAsDiodsClientsExpect() {
        RawStyx c = connect(serve(new RamFs("root")));
        c.ok(new Tmessage.Version(P9.NOTAG, 65536, "9P2000.L"), Rmessage.Version.class);
        c.dialect(Dialect.L);
        assertThat(c.lerror(new Tmessage.Auth(c.tag(), 0, "", "", 0))).isEqualTo(2);
        c.ok(new Tmessage.Attach(c.tag(), 0, P9.NOFID, "", "", 0), Rmessage.Attach.class);
    }

    @Test
    void nineP2000uCarriesNumericIdsAndErrnos() {
        RamFs fs = new RamFs("root");
        fs.put("f", bytes("data"));
        RawStyx c = connect(serve(fs));
        assertThat(c.ok(new Tmessage.Version(P9.NOTAG, 8192, "9P2000.u"), Rmessage.Version.class).version())
                .isEqualTo("9P2000.u");
        c.dialect(Dialect.U);
        c.ok(new Tmessage.Attach(c.tag(), 0, P9.NOFID, "", "", 0), Rmessage.Attach.class);
        c.walk(0, 1, "f");
        Dir d = c.stat(1);
        assertThat(d.uid()).isEqualTo("root");
        assertThat(d.nUid()).isZero();
        assertThat(d.nGid()).as("group root").isZero();
        assertThat(d.length()).isEqualTo(4);

        Rmessage r = c.rpc(new Tmessage.Walk(c.tag(), 0, 2, List.of("missing")));
        assertThat(r).isEqualTo(new Rmessage.Error(r.tag(), Errors.NOT_FOUND, 2));

        // A .u directory read is whole extended stat entries.
        c.walk(0, 3);
        c.open(3, P9.OREAD);
        byte[] listing = c.read(3, 0, 8000);
        assertThat(listing.length).isEqualTo(StyxWire.dirSize(d, Dialect.U));
    }

    /** A kernel open and a diod-tool open of the same stream, each read after a short read. */
    @Test
    void theKernelsReadLoopGetsWhatThereIsWhileOtherReadersWait() {
        ProbeFile stream = new ProbeFile("stdout", 0444, new byte[0]);
        stream.blockReads = true;
        Directory root = new Directory("/", P9.DMDIR | 0555);
        root.add(stream);
        RawStyx c = connect(serve(new TestFs(root)));
        c.ok(new Tmessage.Version(P9.NOTAG, 131072, "9P2000.L"), Rmessage.Version.class);
        c.dialect(Dialect.L);
        c.ok(new Tmessage.Attach(c.tag(), 0, P9.NOFID, "", "", 0), Rmessage.Attach.class);

        c.walk(0, 1, "stdout");
        c.ok(new Tmessage.Lopen(c.tag(), 1, O_LARGEFILE), Rmessage.Lopen.class);
        int t = c.tag();
        c.send(new Tmessage.Read(t, 1, 0, 1000));
        answer(stream, "started\n");
        assertThat(c.receive()).isEqualTo(new Rmessage.Read(t, bytes("started\n")));
        // The loop's next Tread: nothing more comes, so it is refused soon and read(2) returns the line.
        assertThat(c.lerror(new Tmessage.Read(c.tag(), 1, 8, 992))).isEqualTo(11);
        // The reader's next read(2) waits for output as reads always do.
        int waiting = c.tag();
        c.send(new Tmessage.Read(waiting, 1, 8, 992));
        awaitWaitingRead(stream);
        assertNoReplyYet(c, waiting);

        // diodcat opens without O_LARGEFILE: after its short read, the next Tread waits.
        c.walk(0, 2, "stdout");
        c.ok(new Tmessage.Lopen(c.tag(), 2, 0), Rmessage.Lopen.class);
        int d = c.tag();
        c.send(new Tmessage.Read(d, 2, 0, 1000));
        answer(stream, "started\n");
        assertThat(c.receive()).isEqualTo(new Rmessage.Read(d, bytes("started\n")));
        int next = c.tag();
        c.send(new Tmessage.Read(next, 2, 8, 992));
        awaitWaitingRead(stream);
        assertNoReplyYet(c, next);
    }

    /** Bytes that come after the kernel's loop was told "nothing yet" are the reader's next read: none is lost. */
    @Test
    void whatComesAfterNothingYetIsTheNextRead() {
        ProbeFile stream = new ProbeFile("stdout", 0444, new byte[0]);
        stream.blockReads = true;
        Directory root = new Directory("/", P9.DMDIR | 0555);
        root.add(stream);
        RawStyx c = connect(serve(new TestFs(root)));
        c.ok(new Tmessage.Version(P9.NOTAG, 131072, "9P2000.L"), Rmessage.Version.class);
        c.dialect(Dialect.L);
        c.ok(new Tmessage.Attach(c.tag(), 0, P9.NOFID, "", "", 0), Rmessage.Attach.class);
        c.walk(0, 1, "stdout");
        c.ok(new Tmessage.Lopen(c.tag(), 1, O_LARGEFILE), Rmessage.Lopen.class);
        int t = c.tag();
        c.send(new Tmessage.Read(t, 1, 0, 1000));
        answer(stream, "one\n");
        assertThat(c.receive()).isEqualTo(new Rmessage.Read(t, bytes("one\n")));
        assertThat(c.lerror(new Tmessage.Read(c.tag(), 1, 4, 996))).isEqualTo(11);
        // The node's read was not given up: what it brings now is the next read's, and no new read is asked.
        answer(stream, "two three\n");
        assertThat(c.read(1, 4, 4)).isEqualTo(bytes("two "));
        assertThat(c.read(1, 8, 100)).isEqualTo(bytes("three\n"));
        assertThat(stream.reads.get()).isEqualTo(2);
    }

    private static void answer(ProbeFile stream, String text) {
        awaitWaitingRead(stream);
        PendingRead p = stream.pending.poll();
        p.future().complete(bytes(text));
    }

    /** Until one read waits at the file; reads given up on (cancelled) are dropped from its queue. */
    private static void awaitWaitingRead(ProbeFile stream) {
        await().until(() -> {
            stream.pending.removeIf(p -> p.future().isDone());
            return stream.pending.size() == 1;
        });
    }

    /** Flushes {@code tag}: if its reply had gone out, it would come before the Rflush. */
    private static void assertNoReplyYet(RawStyx c, int tag) {
        int f = c.tag();
        c.send(new Tmessage.Flush(f, tag));
        assertThat(c.receive()).isEqualTo(new Rmessage.Flush(f));
    }
}
