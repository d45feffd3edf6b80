package org.taskfs.styx.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.auth.MungeCommands;

/**
 * A munged of a test's own: its own random key, socket, pid, log and seed files in a fresh directory,
 * started as a daemon and stopped by its socket. Nothing of the host's munge service is used.
 */
public final class PrivateMunged implements AutoCloseable {
    public final Path dir;
    /** Named as the host's default (munge.socket.2), so a directory bound over /run/munge serves libmunge's clients. */
    public final Path socket;

    private PrivateMunged(Path dir) {
        this.dir = dir;
        this.socket = dir.resolve("sock/munge.socket.2");
    }

    public static PrivateMunged start() {
        assumeTrue(Host.run(List.of("sh", "-c", "command -v munged")).exit() == 0,
                "munged is not installed (apt-get install munge)");
        try {
            Path dir = Files.createTempDirectory("tfa-munge");
            PrivateMunged m = new PrivateMunged(dir);
            Path key = dir.resolve("munge.key");
            byte[] k = new byte[1024];
            new SecureRandom().nextBytes(k);
            Files.write(key, k);
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            Files.createDirectories(m.socket.getParent());
            // munged insists that every directory on the socket's path is searchable by all.
            Files.setPosixFilePermissions(m.socket.getParent(), PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            Host.Run r = Host.run(List.of("munged", "--key-file=" + key, "--socket=" + m.socket,
                    "--pid-file=" + dir.resolve("munged.pid"), "--log-file=" + dir.resolve("munged.log"),
                    "--seed-file=" + dir.resolve("munged.seed")));
            if (r.exit() != 0) {
                throw new IllegalStateException("munged did not start: " + r.out() + readLog(dir));
            }
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readLog(Path dir) {
        try {
            return Files.readString(dir.resolve("munged.log"));
        } catch (IOException e) {
            return "";
        }
    }

    public AuthMethod.Munge method() {
        return new AuthMethod.Munge(Optional.of(socket));
    }

    public MungeCommands commands() {
        return new MungeCommands(Optional.of(socket));
    }

    /** A credential for {@code uid} (root may encode for anyone) with {@code ttl} seconds (0: default). */
    public String credentialFor(int uid, int ttl) {
        Host.Run r = Host.run(List.of("munge", "-S", socket.toString(), "-n", "-U", String.valueOf(uid),
                "-t", String.valueOf(ttl == 0 ? 300 : ttl)));
        if (r.exit() != 0) {
            throw new IllegalStateException("munge: " + r.out());
        }
        return r.out().strip();
    }

    /** unmunge's exit code for {@code credential}: 0 decoded, 15 expired, 17 replayed. */
    public int unmungeExit(String credential) {
        try {
            Process p = new ProcessBuilder("unmunge", "-S", socket.toString(), "-n").redirectErrorStream(true).start();
            p.getOutputStream().write((credential + "\n").getBytes());
            p.getOutputStream().close();
            p.getInputStream().readAllBytes();
            return p.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        Host.run(List.of("munged", "-s", "-S", socket.toString()));
        Host.run(List.of("rm", "-rf", dir.toString()));
    }
}
