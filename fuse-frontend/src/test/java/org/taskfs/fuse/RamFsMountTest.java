package org.taskfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.ramfs.RamFs;
import org.taskfs.styx.server.StyxServer;

/** Ordinary files: a RamFs server mounted, used through java.nio and through real shell commands. */
class RamFsMountTest extends MountTestBase {
    RamFs ram;
    StyxServer server;
    Path mnt;

    @BeforeEach
    void mountRamFs() throws Exception {
        ram = new RamFs(System.getProperty("user.name"));
        ram.put("hello.txt", "hello, world\n".getBytes(StandardCharsets.UTF_8));
        ram.put("sub/deep/file", "deep\n".getBytes(StandardCharsets.UTF_8));
        server = serve(ram);
        mnt = mount(server.address()).dir();
    }

    @Test
    void readsWritesAndListsThroughJavaNio() throws Exception {
        assertThat(Files.readString(mnt.resolve("hello.txt"))).isEqualTo("hello, world\n");
        assertThat(Files.readString(mnt.resolve("sub/deep/file"))).isEqualTo("deep\n");
        try (Stream<Path> s = Files.list(mnt)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("hello.txt", "sub");
        }

        Files.writeString(mnt.resolve("new.txt"), "created\n");
        assertThat(ram.get("new.txt")).asString(StandardCharsets.UTF_8).isEqualTo("created\n");
        assertThat(Files.readString(mnt.resolve("new.txt"))).isEqualTo("created\n");

        Files.writeString(mnt.resolve("hello.txt"), "short\n"); // O_TRUNC on an existing file
        assertThat(ram.get("hello.txt")).asString(StandardCharsets.UTF_8).isEqualTo("short\n");
        assertThat(Files.size(mnt.resolve("hello.txt"))).isEqualTo(6);
    }

    @Test
    void bigFilesCopyWholeAndOpenFilesOutliveTheirNames() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 123];
        new java.util.Random(7).nextBytes(data);
        Files.write(mnt.resolve("big"), data);
        assertThat(ram.get("big")).isEqualTo(data);
        assertThat(Files.readAllBytes(mnt.resolve("big"))).isEqualTo(data);
        assertThat(sh(mnt, "cp big copy && cmp big copy && echo same").output()).isEqualTo("same\n");

        // Removed while open: the fid still reads it (hard_remove, handles without paths).
        Run r = sh(mnt, "exec 3< hello.txt; rm hello.txt; cat <&3; ls hello.txt");
        assertThat(r.output()).startsWith("hello, world\n").contains("No such file");
    }

    @Test
    void writesAtOffsetsAndTruncates() throws Exception {
        Path f = mnt.resolve("sparse");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.write("0123456789".getBytes(StandardCharsets.US_ASCII));
            raf.seek(4);
            raf.write("abc".getBytes(StandardCharsets.US_ASCII));
            raf.seek(12);
            raf.write("Z".getBytes(StandardCharsets.US_ASCII));
            assertThat(raf.length()).isEqualTo(13);
            raf.seek(0);
            byte[] back = new byte[13];
            raf.readFully(back);
            assertThat(back).isEqualTo("0123abc789\0\0Z".getBytes(StandardCharsets.US_ASCII));
            raf.setLength(5); // ftruncate
        }
        assertThat(ram.get("sparse")).asString(StandardCharsets.US_ASCII).isEqualTo("0123a");
        assertThat(Files.readString(f)).isEqualTo("0123a");

        Run r = sh(mnt, "truncate -s 2 sparse && cat sparse");
        assertThat(r.output()).isEqualTo("01");
        assertThat(ram.get("sparse")).hasSize(2);
    }

    @Test
    void shellCommandsWork() throws Exception {
        Run r = sh(mnt, "set -e; echo x > f; cat f; echo y >> f; cat f; mv f g; test ! -e f; cat g; "
                + "mkdir d; echo in > d/h; ls d; rm d/h; rmdir d; rm g; ls");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).isEqualTo("x\nx\ny\nx\ny\nh\nhello.txt\nsub\n");
        assertThat(ram.get("g")).isNull();
        assertThat(ram.get("d")).isNull();
    }

    @Test
    void lsShowsModesSizesOwnersAndTimes() throws Exception {
        Files.writeString(mnt.resolve("exec.sh"), "#!/bin/sh\necho ran\n");
        Files.setPosixFilePermissions(mnt.resolve("exec.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        assertThat(Files.getPosixFilePermissions(mnt.resolve("exec.sh")))
                .isEqualTo(PosixFilePermissions.fromString("rwxr-x---"));
        assertThat(sh(mnt, "./exec.sh").output()).isEqualTo("ran\n");

        Instant when = Instant.parse("2024-03-01T12:00:00Z");
        Files.setLastModifiedTime(mnt.resolve("hello.txt"), FileTime.from(when));
        assertThat(Files.getLastModifiedTime(mnt.resolve("hello.txt")).toInstant()).isEqualTo(when);

        Run r = sh(mnt, "ls -lnd --time-style=+%Y-%m-%dT%H:%M hello.txt exec.sh sub");
        String uid = String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        List<String> lines = r.output().lines().toList();
        assertThat(lines).anySatisfy(l -> assertThat(l).matches(
                "-rwxr-x--- 1 " + uid + " \\d+ +19 \\S+ exec\\.sh"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches(
                "-rw-rw-rw- 1 " + uid + " \\d+ +13 " + localMinute(when) + " hello\\.txt"));
        assertThat(Files.isDirectory(mnt.resolve("sub"))).isTrue();
        assertThat(sh(mnt, "ls -ld sub").output()).startsWith("drwxrwxrwx");
    }

    private static String localMinute(Instant t) {
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm")
                .format(t.atZone(java.time.ZoneId.systemDefault()));
    }

    @Test
    void errorsMapToErrnos() throws Exception {
        assertThatThrownBy(() -> Files.readString(mnt.resolve("missing"))).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> Files.createDirectory(mnt.resolve("sub")))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThatThrownBy(() -> Files.delete(mnt.resolve("sub"))).isInstanceOf(DirectoryNotEmptyException.class);

        Files.setPosixFilePermissions(mnt.resolve("hello.txt"), PosixFilePermissions.fromString("r--r--r--"));
        assertThatThrownBy(() -> Files.writeString(mnt.resolve("hello.txt"), "no"))
                .isInstanceOf(AccessDeniedException.class);

        assertThat(sh(mnt, "cat missing").output()).contains("No such file or directory");
        assertThat(sh(mnt, "rmdir sub").output()).contains("Directory not empty");
        assertThat(sh(mnt, "mkdir sub").output()).contains("File exists");
        assertThat(sh(mnt, "echo x > hello.txt").output()).contains("Permission denied");
        assertThat(sh(mnt, "cat sub/deep/file/below").output()).contains("Not a directory");
    }

    @Test
    void changesMadeByOtherClientsShow() throws Exception {
        assertThat(Files.readString(mnt.resolve("hello.txt"))).isEqualTo("hello, world\n");
        try (StyxClient other = StyxClient.connect(server.address(), ClientOptions.defaults()).get()) {
            // Removed elsewhere: the kernel may still know the name, but every use walks the server.
            other.walk("hello.txt").thenCompose(RemoteFid::remove).get();
            assertThatThrownBy(() -> Files.readString(mnt.resolve("hello.txt")))
                    .isInstanceOf(NoSuchFileException.class);
            // Its attributes (an ordinary file's) may be served from the cache for up to attrTimeout.
            await().atMost(Duration.ofSeconds(3)).until(() -> !Files.exists(mnt.resolve("hello.txt")));
            // Created elsewhere: no negative caching, so it is there at once.
            other.walk("/").thenCompose(d -> d.create("born", 0644, P9.OWRITE)
                    .thenCompose(f -> f.write(0, "new\n".getBytes(StandardCharsets.UTF_8)))
                    .whenComplete((n, e) -> d.clunk())).get();
            assertThat(Files.readString(mnt.resolve("born"))).isEqualTo("new\n");
        }
        // An ordinary file's attributes may be cached briefly (Options.attrTimeout, 1 s by default).
        String longer = "a longer text, written elsewhere\n";
        ram.put("sub/deep/file", longer.getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(3))
                .until(() -> Files.readString(mnt.resolve("sub/deep/file")).equals(longer));
    }

    @Test
    void renameStaysInItsDirectoryAndReplaces() throws Exception {
        Files.writeString(mnt.resolve("a"), "A");
        Files.writeString(mnt.resolve("b"), "B");
        Files.move(mnt.resolve("a"), mnt.resolve("b"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.readString(mnt.resolve("b"))).isEqualTo("A");
        assertThat(Files.exists(mnt.resolve("a"))).isFalse();

        // Across directories 9P2000 cannot rename: EXDEV, and mv copies instead.
        assertThatThrownBy(() -> Files.move(mnt.resolve("b"), mnt.resolve("sub/b"),
                java.nio.file.StandardCopyOption.ATOMIC_MOVE)).hasMessageContaining("sub/b");
        Run r = sh(mnt, "mv b sub/b && cat sub/b");
        assertThat(r.output()).isEqualTo("A");
        assertThat(ram.get("sub/b")).asString(StandardCharsets.UTF_8).isEqualTo("A");
        assertThat(ram.get("b")).isNull();

        Run d = sh(mnt, "mv sub/deep sub/deeper && cat sub/deeper/file");
        assertThat(d.output()).isEqualTo("deep\n");
    }
}
