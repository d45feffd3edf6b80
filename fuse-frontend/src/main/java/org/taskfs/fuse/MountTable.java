package org.taskfs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The kernel's mount table and the commands that take FUSE mounts down. Linux only. */
final class MountTable {
    private static final System.Logger LOG = System.getLogger(MountTable.class.getName());
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    private static final String NOT_CONNECTED = "Transport endpoint is not connected";

    private MountTable() {}

    /** One line of mountinfo that matters here. */
    record Mount(Path dir, int major, int minor, String fsType, String source) {
        boolean isFuse() {
            return fsType.equals("fuse") || fsType.startsWith("fuse.");
        }
    }

    /**
     * The absolute path the mount table would show for {@code dir}: its parent resolved through
     * symbolic links (the directory itself may be a dead mount that cannot be resolved).
     */
    static Path canonical(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) {
            return abs;
        }
        return parent.toRealPath().resolve(abs.getFileName());
    }

    static List<Mount> mounts() throws IOException {
        List<Mount> out = new ArrayList<>();
        for (String line : Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8)) {
            // id parent major:minor root mountpoint options [optional fields…] - fstype source superoptions
            String[] f = line.split(" ");
            int dash = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    dash = i;
                    break;
                }
            }
            if (f.length < 7 || dash < 0 || dash + 2 >= f.length) {
                continue;
            }
            String[] dev = f[2].split(":");
            out.add(new Mount(Path.of(unescape(f[4])), Integer.parseInt(dev[0]), Integer.parseInt(dev[1]),
                    f[dash + 1], unescape(f[dash + 2])));
        }
        return out;
    }

    /** The topmost mount on {@code dir} (canonical), if any. */
    static Optional<Mount> find(Path dir) throws IOException {
        Mount found = null;
        for (Mount m : mounts()) {
            if (m.dir().equals(dir)) {
                found = m; // later lines are mounted on top of earlier ones
            }
        }
        return Optional.ofNullable(found);
    }

    static boolean isMounted(Path dir) throws IOException {
        return find(dir).isPresent();
    }

    /** The kernel writes space, tab, newline and backslash as octal escapes. */
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()
                    && s.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * True if {@code dir} is a FUSE mount whose server is gone: stat fails with ENOTCONN
     * ("Transport endpoint is not connected"), as after a {@code kill -9} of the process serving it.
     */
    static boolean isStale(Path dir) throws IOException {
        Optional<Mount> m = find(dir);
        if (m.isEmpty() || !m.get().isFuse()) {
            return false;
        }
        try {
            Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return false;
        } catch (FileSystemException e) {
            return NOT_CONNECTED.equals(e.getReason());
        }
    }

    /** Detaches a dead mount: {@code fusermount -u -z}. Waits until the mount table no longer lists it. */
    static void clearStale(Path dir, Duration wait) throws IOException {
        LOG.log(System.Logger.Level.INFO, "{0} is a dead FUSE mount (transport endpoint is not connected); "
                + "detaching it", dir);
        Result r = fusermount(dir, true);
        if (!awaitUnmounted(dir, wait)) {
            throw new IOException("cannot clear the dead mount on " + dir + ": " + r.describe());
        }
    }

    /**
     * Unmounts {@code dir}: a plain unmount first; if that fails (busy: a process has a file open or
     * its working directory there) a lazy one, which detaches the mount now and lets the kernel
     * finish when the last user lets go. Returns what the plain attempt said, or null if it worked.
     */
    static String unmount(Path dir) throws IOException {
        Result plain = fusermount(dir, false);
        if (plain.ok()) {
            return null;
        }
        Result lazy = fusermount(dir, true);
        if (!lazy.ok() && isMounted(dir)) {
            throw new IOException("cannot unmount " + dir + ": " + plain.describe() + "; lazily: " + lazy.describe());
        }
        return plain.describe();
    }

    /** Polls the mount table (the kernel offers nothing to wait on) until {@code dir} is gone from it. */
    static boolean awaitUnmounted(Path dir, Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (isMounted(dir)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + dir + " to be unmounted");
            }
        }
        return true;
    }

    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }

        String describe() {
            return output.isBlank() ? "exit status " + exit : output.strip();
        }
    }

    /**
     * Runs fusermount (named fusermount3 where only FUSE 3 is installed); as root with neither,
     * umount(8) does the same.
     */
    static Result fusermount(Path dir, boolean lazy) throws IOException {
        String d = dir.toString();
        List<List<String>> candidates = List.of(
                lazy ? List.of("fusermount", "-u", "-z", d) : List.of("fusermount", "-u", d),
                lazy ? List.of("fusermount3", "-u", "-z", d) : List.of("fusermount3", "-u", d),
                lazy ? List.of("umount", "-l", d) : List.of("umount", d));
        IOException notFound = null;
        for (List<String> cmd : candidates) {
            try {
                return run(cmd);
            } catch (IOException e) {
                // only "cannot run this program": try the next one
                if (notFound == null) {
                    notFound = e;
                } else {
                    notFound.addSuppressed(e);
                }
            }
        }
        throw new IOException("cannot unmount " + dir + ": neither fusermount, fusermount3 nor umount can be run",
                notFound);
    }

    private static Result run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        p.getOutputStream().close();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, String.join(" ", cmd) + " did not finish in 30 s");
            }
            return new Result(p.exitValue(), out);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", cmd));
        }
    }

    /**
     * Aborts the FUSE connection of a mount through fusectl, when it is mounted: every request in
     * flight fails and the server's loop ends. The last resort for a lazily unmounted mount that a
     * process still holds.
     */
    static boolean abort(Mount m) {
        Path ctl = Path.of("/sys/fs/fuse/connections", Integer.toString((m.major() << 20) | m.minor()), "abort");
        if (!Files.exists(ctl)) {
            return false;
        }
        try {
            Files.writeString(ctl, "1");
            return true;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot abort the FUSE connection {0}: {1}", ctl, e.getMessage());
            return false;
        }
    }
}
