package org.taskfs.node.exec;

import static org.taskfs.node.exec.Native.C;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.taskfs.node.exec.Native.LibC;

/**
 * A cgroup v2 group per spawner, with a child group per process: the only thing that follows a task's
 * descendants when they leave its process group ({@code setsid}, double forks), and {@code cgroup.kill} SIGKILLs
 * all of them at once, with no race against forks.
 *
 * <p>The daemon must also take them along when it dies by SIGKILL, when no code of ours runs. A parent-death
 * signal would not do: it reaches the direct child alone, and fires when the spawning <em>thread</em> exits. So a
 * watcher process, outside the groups, holds the read end of a pipe whose write end only the daemon has (tasks get
 * no descriptors above 2): when the daemon dies, however, the watcher reads EOF, kills the spawner's group (which
 * kills every child group) and removes the groups.
 *
 * <p>Where there is no writable cgroup v2 hierarchy, {@link #open} returns null and the spawner keeps to process
 * groups (a setsid descendant then escapes release, and a SIGKILLed daemon orphans its tasks).
 */
final class Cgroups implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Cgroups.class.getName());
    private static final AtomicInteger SPAWNERS = new AtomicInteger();
    private static volatile boolean warned;

    /**
     * Run by the watcher with the spawner's group as $0: wait for EOF, kill, wait (bounded) for the group to
     * empty, remove the children and the group.
     */
    private static final String WATCHER = "cat >/dev/null; echo 1 >\"$0/cgroup.kill\"; i=0;"
            + " while grep -q 'populated 1' \"$0/cgroup.events\" && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done;"
            + " rmdir \"$0\"/*/ \"$0\"";

    private final Path base;
    private final Process watcher;
    private final AtomicLong next = new AtomicLong();

    private Cgroups(Path base, Process watcher) {
        this.base = base;
        this.watcher = watcher;
    }

    /** A group for one spawner, or null where cgroup v2 is not there or not writable (logged once). */
    static Cgroups open() {
        Path parent = ownGroup();
        if (parent == null) {
            warnOnce("no cgroup v2 hierarchy mounted");
            return null;
        }
        Path base = parent.resolve("taskfs-" + ProcessHandle.current().pid() + "-" + SPAWNERS.incrementAndGet());
        try {
            Files.createDirectory(base);
        } catch (IOException e) {
            warnOnce("cannot make a cgroup under " + parent + ": " + e);
            return null;
        }
        Process watcher;
        try {
            ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", WATCHER, base.toString());
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
            watcher = pb.start();
        } catch (IOException e) {
            warnOnce("cannot start the cgroup watcher: " + e);
            rmdir(base);
            return null;
        }
        return new Cgroups(base, watcher);
    }

    private static void warnOnce(String why) {
        if (!warned) {
            warned = true;
            LOG.log(Level.WARNING, "{0}: tasks are kept together by process group only; a setsid descendant"
                    + " escapes kill and release, and tasks outlive a daemon killed by SIGKILL", why);
        }
    }

    /**
     * The daemon's own cgroup v2 directory: the cgroup2 mount from /proc/self/mountinfo (at /sys/fs/cgroup, or
     * /sys/fs/cgroup/unified on hybrid hosts) joined with the "0::" path of /proc/self/cgroup.
     */
    private static Path ownGroup() {
        try {
            Path mount = null;
            String mountRoot = null;
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                int dash = line.indexOf(" - ");
                if (dash < 0) {
                    continue;
                }
                String[] tail = line.substring(dash + 3).split(" ");
                String[] head = line.substring(0, dash).split(" ");
                if (tail[0].equals("cgroup2") && head.length > 5 && head[5].startsWith("rw")) {
                    mountRoot = head[3];
                    mount = Path.of(head[4]);
                    break;
                }
            }
            if (mount == null) {
                return null;
            }
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                if (line.startsWith("0::")) {
                    String own = line.substring(3);
                    if (!own.startsWith(mountRoot)) {
                        return null;
                    }
                    String rel = own.substring(mountRoot.length()).replaceFirst("^/+", "");
                    // A group with a deleted-marker or the like is nowhere we can make children.
                    Path dir = rel.isEmpty() ? mount : mount.resolve(rel);
                    return Files.isDirectory(dir) ? dir : null;
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** A new, empty group for one process. */
    Path create() throws IOException {
        Path g = base.resolve(Long.toString(next.getAndIncrement()));
        Files.createDirectory(g);
        return g;
    }

    /**
     * argv that moves itself into {@code group} and then executes {@code argv}, for where {@link IntoCgroup} cannot
     * create the child there: the move happens before the command runs, so nothing it forks is ever outside the
     * group. (posix_spawn cannot place a child in a cgroup, and moving it afterwards races with its first fork.)
     * The shell finds {@code argv[0]} in the task's PATH as
     * execvp does, so the command keeps the argv[0] it was given. Where the move fails the command still runs, and
     * says so on its stderr.
     */
    static List<String> joining(Path group, List<String> argv) {
        List<String> out = new ArrayList<>();
        out.add("sh");
        out.add("-c");
        out.add("echo 0 >\"$0/cgroup.procs\" || echo \"taskfs: cannot join $0\" >&2; exec \"$@\"");
        out.add(group.toString());
        out.addAll(argv);
        return out;
    }

    /**
     * Whether any process is left in {@code group}. Asked several times per task, so read with three system calls
     * rather than through a channel.
     */
    static boolean populated(Path group) {
        int fd = C.open(Native.cstring(group.resolve("cgroup.events")), LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            return false;
        }
        try {
            byte[] b = new byte[EVENTS_SIZE];
            long n = C.read(fd, b, b.length);
            return n > 0 && new String(b, 0, (int) n, StandardCharsets.US_ASCII).contains("populated 1");
        } finally {
            C.close(fd);
        }
    }

    /** cgroup.events is two short lines ("populated 0", "frozen 0"); the first is all we need. */
    private static final int EVENTS_SIZE = 128;

    /**
     * SIGKILL to everything in {@code group}, in one write so nothing forks away in between; whether anything was
     * there to get it. An empty group needs no write: nothing of a task's can enter it once it is empty (its
     * processes are created in it, or, by the shell's way, join it before the command runs).
     */
    static boolean kill(Path group) {
        if (!populated(group)) {
            return false;
        }
        try {
            Files.writeString(group.resolve("cgroup.kill"), "1");
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "cgroup.kill {0}: {1}", group, e);
        }
        return true;
    }

    /** Removes an empty group; false if it still has processes (or could not be removed). */
    static boolean rmdir(Path group) {
        try {
            Files.deleteIfExists(group);
            return true;
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Kills what is left in every group, removes them, and lets the watcher go. */
    @Override
    public void close() {
        kill(base);
        try (var children = Files.list(base)) {
            for (Path g : (Iterable<Path>) children.filter(Files::isDirectory)::iterator) {
                removeWhenEmpty(g);
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "listing {0}: {1}", base, e);
        }
        removeWhenEmpty(base);
        try (OutputStream in = watcher.getOutputStream()) {
            // EOF: the watcher finds the groups gone and exits.
        } catch (IOException e) {
            watcher.destroy();
        }
    }

    /** rmdir, retried briefly while killed processes finish exiting (microseconds, normally). */
    static void removeWhenEmpty(Path g) {
        for (int i = 0; i < 100 && !rmdir(g); i++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One thread that retries removals: the shared disk executor must not sit in a retry loop. */
    private static final java.util.concurrent.ScheduledExecutorService REMOVER =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "cgroup-remover");
                t.setDaemon(true);
                return t;
            });

    /** {@link #removeWhenEmpty} without holding a thread between tries: for a released process's group. */
    static void removeLater(Path g) {
        REMOVER.execute(() -> retryRemove(g, 100));
    }

    private static void retryRemove(Path g, int triesLeft) {
        if (!rmdir(g) && triesLeft > 0) {
            REMOVER.schedule(() -> retryRemove(g, triesLeft - 1), 10, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public String toString() {
        return base.toString();
    }
}
