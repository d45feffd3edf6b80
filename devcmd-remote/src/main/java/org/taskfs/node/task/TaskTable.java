package org.taskfs.node.task;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.taskfs.node.exec.Spawner;
import org.taskfs.task.EnvLines;
import org.taskfs.task.Scratch;
import org.taskfs.task.HostInfo;

/**
 * The tasks of one node daemon, numbered from 0 and never reused (a reused number would let a
 * client's cached qid name a different task). Owns the spawner and the scratch directories.
 */
public final class TaskTable implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TaskTable.class.getName());

    private final Map<Integer, Task> tasks = new ConcurrentSkipListMap<>();
    private final AtomicInteger next = new AtomicInteger();
    private final Path scratchRoot;
    private final Spawner spawner = new Spawner();
    private final ExecutorService spawnExecutor;
    private final ScheduledExecutorService sweeper;
    private final HostInfo host;
    private final Duration idleTimeout;
    private volatile int slots;
    private volatile String address = "";
    private volatile Map<String, String> rootEnv = Map.of();

    public TaskTable(Path scratchRoot, int slots, Duration idleTimeout, HostInfo host) {
        this.scratchRoot = scratchRoot;
        this.slots = slots;
        this.idleTimeout = idleTimeout;
        this.host = host;
        try {
            Files.createDirectories(scratchRoot);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the scratch directory " + scratchRoot, e);
        }
        AtomicInteger n = new AtomicInteger();
        // Spawning blocks for a millisecond or more per process; two threads keep both cores busy.
        spawnExecutor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "spawn-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "idle-sweeper");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1000, Math.min(idleTimeout.toMillis() / 4, 30_000));
        sweeper.scheduleAtFixedRate(this::sweepIdle, period, period, TimeUnit.MILLISECONDS);
    }

    /** Makes a new task owned by {@code owner}; clone does this. */
    public Task allocate(String owner) {
        int id = next.getAndIncrement();
        Path scratch = scratchRoot.resolve(Integer.toString(id));
        try {
            Files.createDirectories(scratch);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the task directory " + scratch, e);
        }
        Task t = new Task(id, owner, scratch, this);
        tasks.put(id, t);
        return t;
    }

    public Task get(int id) {
        return tasks.get(id);
    }

    public List<Task> tasks() {
        return new ArrayList<>(tasks.values());
    }

    /** Kills what the task runs and removes it. */
    public void release(Task t) {
        if (tasks.remove(t.id(), t)) {
            t.releaseNow();
        }
    }

    public int busy() {
        int n = 0;
        for (Task t : tasks.values()) {
            if (t.isBusy()) {
                n++;
            }
        }
        return n;
    }

    public int slots() {
        return slots;
    }

    public void slots(int n) {
        slots = n;
    }

    public HostInfo host() {
        return host;
    }

    /** This daemon's dial string, which its processes get as the default TASKFS_ADDR. */
    public void address(String dial) {
        address = dial;
    }

    public String address() {
        return address;
    }

    public Map<String, String> rootEnv() {
        return rootEnv;
    }

    public void rootEnv(String text) {
        Map<String, String> env = new LinkedHashMap<>();
        EnvLines.parseInto(text, env);
        rootEnv = Collections.unmodifiableMap(env); // in the order written: reading env shows it back as given
    }

    /** TASKFS_* as this node alone knows them; a coordinator overrides them through the task's env. */
    Map<String, String> defaultTaskEnv(Task t) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("TASKFS_ADDR", address);
        env.put("TASKFS_SESSION", "/" + t.id());
        env.put("TASKFS_TASK", "/" + t.id());
        env.put("TASKFS_INDEX", "0");
        env.put("TASKFS_SIZE", "1");
        return env;
    }

    Spawner spawner() {
        return spawner;
    }

    ExecutorService spawnExecutor() {
        return spawnExecutor;
    }

    private void sweepIdle() {
        long cutoff = System.nanoTime() - idleTimeout.toNanos();
        for (Task t : tasks()) {
            if (t.isIdleSince(cutoff)) {
                LOG.log(System.Logger.Level.DEBUG, "releasing idle task {0}", t.id());
                release(t);
            }
        }
    }

    void deleteScratch(Path dir) {
        sweeper.execute(() -> Scratch.deleteTree(dir));
    }

    /** Kills every task's process group: a daemon that stops leaves no orphans. */
    @Override
    public void close() {
        for (Task t : tasks()) {
            release(t);
        }
        spawner.shutdown(Duration.ofSeconds(2));
        spawnExecutor.shutdownNow();
        sweeper.shutdownNow();
    }
}
