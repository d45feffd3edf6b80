package org.taskfs.node.task;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.taskfs.node.exec.Spawner;
import org.taskfs.styx.server.StyxException;
import org.taskfs.task.Accounts;
import org.taskfs.task.Backend;
import org.taskfs.task.Capacity;
import org.taskfs.task.CtlTable;
import org.taskfs.task.HostInfo;
import org.taskfs.task.Part;
import org.taskfs.task.ResCommand;
import org.taskfs.task.Scratch;
import org.taskfs.task.Session;

/**
 * A node daemon's tasks: local processes, numbered node-wide from 0 and never reused, each with a scratch
 * directory. A reservation takes slots: a task holds one from {@code res} until its run ends.
 */
public final class NodeTasks extends Backend {
    private final Map<Integer, LocalTask> tasks = new ConcurrentSkipListMap<>();
    private final Scratch.Removals removals = new Scratch.Removals();
    private final AtomicInteger next = new AtomicInteger();
    private final Path scratchRoot;
    /** This daemon's spool: a directory per task holding its output logs, made here and removed on close. */
    private final Path spoolRoot;
    private final Spawner spawner;
    private final ExecutorService spawnExecutor;
    private volatile int slots;
    private final Duration orphanGrace;
    private final Siblings siblings = new Siblings();

    public NodeTasks(Path scratchRoot, int slots, HostInfo host) {
        this(scratchRoot, slots, host, org.taskfs.node.NodeDaemon.Config.DEFAULT_ORPHAN_GRACE);
    }

    public NodeTasks(Path scratchRoot, int slots, HostInfo host, Duration orphanGrace) {
        this(scratchRoot, null, 0, slots, host, orphanGrace);
    }

    /**
     * @param spool       where output logs go: a directory of this daemon's is made in it (so nodes may share
     *                    one), removed on close; null for one under {@code scratchRoot}, outside every task's
     *                    working directory
     * @param outputLimit bytes of stdout and stderr together a task's run may write before it is killed; 0 for
     *                    no limit
     */
    public NodeTasks(Path scratchRoot, Path spool, long outputLimit, int slots, HostInfo host, Duration orphanGrace) {
        super(host);
        checkSlots(slots);
        this.orphanGrace = orphanGrace;
        this.scratchRoot = scratchRoot;
        this.slots = slots;
        try {
            Files.createDirectories(scratchRoot);
            if (Accounts.ROOT) {
                // Tasks run as their owners, inside their own 0700 directories here: they must pass through.
                Files.setPosixFilePermissions(scratchRoot,
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the scratch directory " + scratchRoot, e);
        }
        Path in = spool != null ? spool : scratchRoot;
        try {
            Files.createDirectories(in);
            // Nobody but the daemon lists or enters it: a task's logs are reached through the tree, never by path.
            spoolRoot = Files.createTempDirectory(in, "spool-",
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a spool directory in " + in, e);
        }
        spawner = new Spawner(Spawner.DEFAULT_STDIN_LIMIT, outputLimit);
        AtomicInteger n = new AtomicInteger();
        // Spawning blocks for a millisecond or more per process; two threads keep both cores busy.
        spawnExecutor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "spawn-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** What this node gives its tasks to reach their siblings: taskfs on PATH, TASKFS_AUTH, TASKFS_MNT. */
    public Siblings siblings() {
        return siblings;
    }

    public int slots() {
        return slots;
    }

    /** Tasks reserved and not finished. */
    public int busy() {
        int n = 0;
        for (LocalTask t : tasks.values()) {
            if (t.holdsSlot()) {
                n++;
            }
        }
        return n;
    }

    /** How many tasks the node holds, finished or not (for tests and diagnostics). */
    public int taskCount() {
        return tasks.size();
    }

    @Override
    public CompletableFuture<List<Part>> reserve(Session session, ResCommand res) {
        if (res.choosesMembers()) {
            // Its tasks are its own processes: there are no members to choose, and guessing at its own name
            // (host name? the name its coordinator gave it?) would make a typo run here silently.
            throw new StyxException("res: nodes= and exclude= choose among a coordinator's members; this is a node "
                    + "daemon, which has none: reserve through its coordinator");
        }
        int n = res.count();
        String os = res.os();
        String arch = res.arch();
        List<LocalTask> made = new ArrayList<>();
        synchronized (this) {
            int free = host().matches(os, arch) ? Math.max(0, slots - busy()) : 0;
            if (free < n) {
                String constraint = os.equals("*") && arch.equals("*") ? host().toString() : os + " " + arch;
                throw new StyxException("res: not enough capacity: asked " + n + ", " + free + " free slot"
                        + (free == 1 ? "" : "s") + " (" + constraint + ")");
            }
            for (int i = 0; i < n; i++) {
                int id = next.getAndIncrement();
                String name = Integer.toString(id);
                LocalTask t = new LocalTask(id, scratchRoot.resolve(name), spoolRoot.resolve(name), spawner,
                        spawnExecutor);
                tasks.put(id, t);
                made.add(t);
            }
        }
        // Their scratch directories are made by the first spawn, off the event loop.
        return CompletableFuture.completedFuture(List.<Part>of(new LocalPart(this, session, made)));
    }

    @Override
    public synchronized Room room(ResCommand res) {
        String os = res.os();
        String arch = res.arch();
        boolean fits = host().matches(os, arch);
        String kind = os.equals("*") && arch.equals("*") ? host().toString() : os + " " + arch;
        return new Room(fits ? slots : 0, fits ? Math.max(0, slots - busy()) : 0, kind);
    }

    /** Kills what the tasks run and removes them with their scratch directories and logs. */
    void release(List<LocalTask> which) {
        for (LocalTask t : removed(which)) {
            List<Path> gone = new ArrayList<>(t.logs());
            gone.add(t.scratch());
            removals.later(gone);
        }
    }

    /** Where this daemon keeps its tasks' output logs. */
    public Path spool() {
        return spoolRoot;
    }

    private List<LocalTask> removed(List<LocalTask> which) {
        List<LocalTask> out = new ArrayList<>();
        for (LocalTask t : which) {
            if (tasks.remove(t.id(), t)) {
                t.release();
                out.add(t);
            }
        }
        return out;
    }

    /** A node not running as root cannot start processes as anyone else: it serves its own user alone. */
    @Override
    public void checkOwner(String user) {
        if (!Accounts.ROOT && !user.equals(Accounts.SELF)) {
            throw new StyxException("this node runs as " + Accounts.SELF + " and serves only " + Accounts.SELF
                    + ": it cannot run tasks as " + user + " (start it as root to serve every user)");
        }
    }

    @Override
    public Duration orphanGrace() {
        return orphanGrace;
    }

    @Override
    public String census() {
        return slots + " " + host() + "\n";
    }

    @Override
    public String capacity() {
        return new Capacity(address(), "local", slots, busy(), Capacity.State.UP).line();
    }

    @Override
    public String settings() {
        return "slots " + slots + "\n";
    }

    /**
     * {@code k} if it is a slot count a node can serve with, else the error that says so. Not 0: a node is drained
     * from its coordinator ({@code drain NAME}), and one with no slots at all could never run anything.
     */
    public static int checkSlots(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("slots: at least 1 slot is needed, not " + k);
        }
        return k;
    }

    private final CtlTable<Void> rootVerbs = new CtlTable<Void>().add("slots", 1, 1, "slots N", (x, c) -> {
        int k = c.intArg(0, "slot count");
        try {
            slots = checkSlots(k);
        } catch (IllegalArgumentException e) {
            throw new StyxException(e.getMessage());
        }
        capacityChanged();
        return CompletableFuture.completedFuture(null);
    });

    @Override
    public CtlTable<Void> rootVerbs() {
        return rootVerbs;
    }

    /** Kills every task's process group: a daemon that stops leaves no orphans. */
    @Override
    public void close() {
        List<LocalTask> all = removed(new ArrayList<>(tasks.values()));
        spawner.shutdown(Duration.ofSeconds(2));
        spawnExecutor.shutdownNow();
        // Here and now, not on the disk executor: whoever stops the daemon may remove the directory next.
        all.forEach(t -> Scratch.deleteTree(t.scratch()));
        removals.await(Duration.ofSeconds(10));
        Scratch.deleteTree(spoolRoot);
    }
}
