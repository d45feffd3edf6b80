package org.taskfs.coord.state;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.taskfs.coord.pool.Member;
import org.taskfs.coord.pool.SlurmGrowth;
import org.taskfs.task.Identity;
import org.taskfs.task.ResCommand;
import org.taskfs.task.ResQueue;
import org.taskfs.task.Session;
import org.taskfs.task.SessionState;
import org.taskfs.task.SessionStore;
import org.taskfs.task.WorkDir;

/**
 * A coordinator's {@code --state DIR}: its sessions and its pool, kept in a {@link Journal} ({@code DIR/journal})
 * so that a restarted coordinator takes them back. Each record is a whole state (a session's, or the pool's),
 * so replay is "the last record of each wins" and a snapshot is the latest record of each. The directory is
 * locked ({@code DIR/lock}, for the life of the process; the kernel lets go when it dies, SIGKILL included):
 * a second coordinator on it waits, a standby that takes over when the first dies.
 */
public final class StateStore implements SessionStore, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StateStore.class.getName());
    private static final byte SESSION = 1;
    private static final byte RELEASED = 2;
    private static final byte POOL = 3;
    private static final byte NEXT = 4;
    private static final byte SLURM = 5;
    private static final byte QUEUE = 6;
    private static final byte ROOT_ENV = 7;
    /** Journal bytes beyond which it is compacted (and beyond four times the last snapshot). */
    private static final long COMPACT_AT = 4 << 20;

    /** A member as root ctl left it: its address, its slots=K (null: all), why it is drained (null: it is not). */
    public record PoolEntry(String name, String address, Integer slots, String drained) {}

    /**
     * What the journal held at start; {@code slurm}: the allocations held from Slurm, to be taken back;
     * {@code queued}: the reservations that waited for slots, in the order they were to be served;
     * {@code rootEnv}: the root env, what new sessions start with.
     */
    public record Restored(Map<Integer, SessionState> sessions, List<PoolEntry> members, Set<String> unmounted,
                           boolean poolKnown, int next, List<SlurmGrowth.Held> slurm, List<ResQueue.Queued> queued,
                           Map<String, String> rootEnv) {}

    private final Path dir;
    private final FileChannel lockFile;
    private final FileLock lock;
    private final Journal journal;
    /** The latest record of each live session, and of the pool: what a snapshot writes. */
    private final Map<Integer, byte[]> sessions = new TreeMap<>();
    private byte[] pool;
    /** The latest record of the allocations held from Slurm; null if none was ever written. */
    private byte[] slurm;
    private List<SlurmGrowth.Held> slurmHeld = List.of();
    /** The latest record of the res queue; null if none was ever written. */
    private byte[] queue;
    private List<ResQueue.Queued> queued = List.of();
    /** The latest record of the root env; null if none was ever written. */
    private byte[] rootEnv;
    private Map<String, String> rootEnvMap = Map.of();
    /** Per live session, the append of its latest record: done once that state is durable. */
    private final Map<Integer, CompletableFuture<Void>> durable = new java.util.HashMap<>();
    private int next;
    private long snapshotBytes;
    private boolean compacting;
    private final Restored restored;

    private StateStore(Path dir, FileChannel lockFile, FileLock lock) throws IOException {
        this.dir = dir;
        this.lockFile = lockFile;
        this.lock = lock;
        Map<Integer, SessionState> live = new TreeMap<>();
        List<PoolEntry> members = new ArrayList<>();
        Set<String> unmounted = new LinkedHashSet<>();
        boolean[] poolKnown = {false};
        this.journal = Journal.open(dir.resolve("journal"), r -> replay(r, live, members, unmounted, poolKnown));
        this.snapshotBytes = journal.size();
        this.restored = new Restored(Map.copyOf(live), List.copyOf(members), Set.copyOf(unmounted), poolKnown[0],
                next, slurmHeld, queued, rootEnvMap);
    }

    /**
     * Opens the state in {@code dir} (made if missing), waiting for its lock if another coordinator holds it.
     *
     * @param waiting told once if the lock is held by another process, before waiting for it
     */
    public static StateStore open(Path dir, Runnable waiting) {
        try {
            Files.createDirectories(dir);
            FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                FileLock l = ch.tryLock();
                if (l == null) {
                    waiting.run();
                    l = ch.lock();
                }
                return new StateStore(dir, ch, l);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("--state " + dir + ": cannot keep the state there: " + why(e), e);
        }
    }

    /** An I/O failure as a reader wants it: what happened to which file (the JDK's message is often a bare path). */
    private static String why(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException f) {
            return "no such file or directory " + f.getFile();
        }
        if (e instanceof java.nio.file.AccessDeniedException f) {
            return "permission denied on " + f.getFile();
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException f) {
            return f.getFile() + " exists and is not a directory";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getFile() + ": " + f.getReason();
        }
        return e.toString();
    }

    public Path dir() {
        return dir;
    }

    public Restored restored() {
        return restored;
    }

    // ------------------------------------------------------------------ writing

    @Override
    public CompletableFuture<Void> saved(Session s) {
        synchronized (this) {
            // Taken and queued under one lock: records reach the journal in the order the states were taken.
            byte[] r = encode(s.state());
            CompletableFuture<Void> last = durable.get(s.id());
            if (last != null && java.util.Arrays.equals(r, sessions.get(s.id()))) {
                // Nothing a restart restores has changed (an exec of tasks already reserved): no new record,
                // the answer waits only for the one that holds this state to be durable.
                return last;
            }
            sessions.put(s.id(), r);
            next = Math.max(next, s.id() + 1);
            CompletableFuture<Void> done = appended(r);
            durable.put(s.id(), done);
            return done;
        }
    }

    @Override
    public CompletableFuture<Void> forgotten(Session s) {
        synchronized (this) {
            sessions.remove(s.id());
            durable.remove(s.id());
            return appended(record(RELEASED, out -> out.writeInt(s.id())));
        }
    }

    /** The pool as it is now: its members, their limits and drains, and the addresses unmounted by root ctl. */
    public CompletableFuture<Void> poolChanged(List<Member> members, Set<String> unmounted) {
        byte[] r = record(POOL, out -> {
            out.writeInt(members.size());
            for (Member m : members) {
                str(out, m.name());
                str(out, m.address().toString());
                out.writeInt(m.slotsLimit() == null ? -1 : m.slotsLimit());
                String d = m.drained();
                out.writeBoolean(d != null);
                if (d != null) {
                    str(out, d);
                }
            }
            out.writeInt(unmounted.size());
            for (String a : unmounted) {
                str(out, a);
            }
        });
        synchronized (this) {
            pool = r;
            return appended(r);
        }
    }

    /**
     * The allocations held from Slurm: a coordinator killed while it holds some takes them back at its restart
     * (their nodes run its sessions' tasks), and hands them back when idle as it would have.
     */
    public CompletableFuture<Void> slurmChanged(List<SlurmGrowth.Held> held) {
        byte[] r = record(SLURM, out -> {
            out.writeInt(held.size());
            for (SlurmGrowth.Held h : held) {
                str(out, h.job());
                out.writeInt(h.nodes());
                out.writeInt(h.names().size());
                for (String n : h.names()) {
                    str(out, n);
                }
            }
        });
        synchronized (this) {
            slurm = r;
            return appended(r);
        }
    }

    /**
     * The reservations waiting for slots, in their order: a restart holds each one's place for its session's
     * client. Not waited for: the res it records is not answered until it has its slots anyway.
     */
    public void queueChanged(List<ResQueue.Queued> waiting) {
        byte[] r = record(QUEUE, out -> {
            out.writeInt(waiting.size());
            for (ResQueue.Queued q : waiting) {
                out.writeInt(q.session());
                str(out, q.command());
                ResCommand c = q.res();
                out.writeInt(c.count());
                str(out, c.os());
                str(out, c.arch());
                optional(out, c.nodes());
                optional(out, c.exclude());
                out.writeLong(c.waitFor() == null ? -1 : c.waitFor().toMillis());
                out.writeLong(q.since().getEpochSecond());
            }
        });
        synchronized (this) {
            queue = r;
            appended(r);
        }
    }

    @Override
    public CompletableFuture<Void> rootEnvChanged(Map<String, String> env) {
        byte[] r = record(ROOT_ENV, out -> map(out, env));
        synchronized (this) {
            rootEnv = r;
            return appended(r);
        }
    }

    private static void optional(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            str(out, s);
        }
    }

    private static String optional(DataInputStream in) throws IOException {
        return in.readBoolean() ? str(in) : null;
    }

    private CompletableFuture<Void> appended(byte[] r) {
        CompletableFuture<Void> done = journal.append(r);
        if (!compacting && journal.size() > Math.max(COMPACT_AT, 4 * snapshotBytes)) {
            compacting = true;
            journal.compact(this::snapshot).whenComplete((v, e) -> {
                synchronized (this) {
                    compacting = false;
                    snapshotBytes = journal.size();
                }
            });
        }
        return done;
    }

    private synchronized List<byte[]> snapshot() {
        List<byte[]> out = new ArrayList<>();
        int n = next;
        out.add(record(NEXT, o -> o.writeInt(n)));
        if (pool != null) {
            out.add(pool);
        }
        if (slurm != null) {
            out.add(slurm);
        }
        if (queue != null) {
            out.add(queue);
        }
        if (rootEnv != null) {
            out.add(rootEnv);
        }
        out.addAll(sessions.values());
        return out;
    }

    // ------------------------------------------------------------------ records

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] record(byte type, Writer w) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(b)) {
            out.writeByte(type);
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    private static void str(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String str(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > Journal.MAX_RECORD) {
            throw new IOException("bad string length " + n);
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    private static void map(DataOutputStream out, Map<String, String> m) throws IOException {
        out.writeInt(m.size());
        for (Map.Entry<String, String> e : m.entrySet()) {
            str(out, e.getKey());
            str(out, e.getValue());
        }
    }

    private static Map<String, String> map(DataInputStream in) throws IOException {
        int n = in.readInt();
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put(str(in), str(in));
        }
        return m;
    }

    static byte[] encode(SessionState st) {
        return record(SESSION, out -> {
            out.writeInt(st.id());
            str(out, st.owner());
            map(out, st.env());
            out.writeInt(st.taskEnv().size());
            for (Map.Entry<Integer, Map<String, String>> e : new TreeMap<>(st.taskEnv()).entrySet()) {
                out.writeInt(e.getKey());
                map(out, e.getValue());
            }
            out.writeInt(st.taskArgs().size());
            for (Map.Entry<Integer, List<String>> e : new TreeMap<>(st.taskArgs()).entrySet()) {
                out.writeInt(e.getKey());
                out.writeInt(e.getValue().size());
                for (String a : e.getValue()) {
                    str(out, a);
                }
            }
            out.writeByte(st.workDir().kind().ordinal());
            out.writeBoolean(st.workDir().path() != null);
            if (st.workDir().path() != null) {
                str(out, st.workDir().path());
            }
            out.writeInt(st.nice());
            out.writeByte(st.output().ordinal());
            out.writeByte(st.input().ordinal());
            out.writeBoolean(st.killOnClose());
            Identity g = st.given();
            out.writeBoolean(g != null);
            if (g != null) {
                str(out, g.address());
                str(out, g.session());
                out.writeInt(g.first());
                out.writeInt(g.size());
            }
            out.writeInt(st.parts().size());
            for (String p : st.parts()) {
                str(out, p);
            }
        });
    }

    static SessionState decodeSession(DataInputStream in) throws IOException {
        int id = in.readInt();
        String owner = str(in);
        Map<String, String> env = map(in);
        Map<Integer, Map<String, String>> taskEnv = new LinkedHashMap<>();
        for (int i = 0, n = in.readInt(); i < n; i++) {
            taskEnv.put(in.readInt(), map(in));
        }
        Map<Integer, List<String>> taskArgs = new LinkedHashMap<>();
        for (int i = 0, n = in.readInt(); i < n; i++) {
            int t = in.readInt();
            List<String> a = new ArrayList<>();
            for (int j = 0, m = in.readInt(); j < m; j++) {
                a.add(str(in));
            }
            taskArgs.put(t, a);
        }
        WorkDir.Kind kind = WorkDir.Kind.values()[in.readByte()];
        WorkDir wd = new WorkDir(kind, in.readBoolean() ? str(in) : null);
        int nice = in.readInt();
        Session.Output output = Session.Output.values()[in.readByte()];
        Session.Input input = Session.Input.values()[in.readByte()];
        boolean kill = in.readBoolean();
        Identity given = in.readBoolean() ? new Identity(str(in), str(in), in.readInt(), in.readInt()) : null;
        List<String> parts = new ArrayList<>();
        for (int i = 0, n = in.readInt(); i < n; i++) {
            parts.add(str(in));
        }
        return new SessionState(id, owner, env, taskEnv, taskArgs, wd, nice, output, input, kill, given, parts);
    }

    /** Applies one record read back at start; one that cannot be read is skipped, and said so. */
    private void replay(byte[] r, Map<Integer, SessionState> live, List<PoolEntry> members, Set<String> unmounted,
                        boolean[] poolKnown) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(r))) {
            byte type = in.readByte();
            switch (type) {
                case SESSION -> {
                    SessionState st = decodeSession(in);
                    live.put(st.id(), st);
                    sessions.put(st.id(), r);
                    next = Math.max(next, st.id() + 1);
                }
                case RELEASED -> {
                    int id = in.readInt();
                    live.remove(id);
                    sessions.remove(id);
                    next = Math.max(next, id + 1);
                }
                case POOL -> {
                    members.clear();
                    unmounted.clear();
                    for (int i = 0, n = in.readInt(); i < n; i++) {
                        String name = str(in);
                        String address = str(in);
                        int slots = in.readInt();
                        String drained = in.readBoolean() ? str(in) : null;
                        members.add(new PoolEntry(name, address, slots < 0 ? null : slots, drained));
                    }
                    for (int i = 0, n = in.readInt(); i < n; i++) {
                        unmounted.add(str(in));
                    }
                    poolKnown[0] = true;
                    pool = r;
                }
                case NEXT -> next = Math.max(next, in.readInt());
                case SLURM -> {
                    List<SlurmGrowth.Held> held = new ArrayList<>();
                    for (int i = 0, n = in.readInt(); i < n; i++) {
                        String job = str(in);
                        int nodes = in.readInt();
                        List<String> names = new ArrayList<>();
                        for (int k = 0, m = in.readInt(); k < m; k++) {
                            names.add(str(in));
                        }
                        held.add(new SlurmGrowth.Held(job, nodes, List.copyOf(names)));
                    }
                    slurmHeld = List.copyOf(held);
                    slurm = r;
                }
                case QUEUE -> {
                    List<ResQueue.Queued> waiting = new ArrayList<>();
                    for (int i = 0, n = in.readInt(); i < n; i++) {
                        int session = in.readInt();
                        String command = str(in);
                        int count = in.readInt();
                        String os = str(in);
                        String arch = str(in);
                        String nodes = optional(in);
                        String exclude = optional(in);
                        long wait = in.readLong();
                        long since = in.readLong();
                        waiting.add(new ResQueue.Queued(session, command, new ResCommand(count, os, arch, nodes,
                                exclude, wait < 0 ? null : java.time.Duration.ofMillis(wait)),
                                java.time.Instant.ofEpochSecond(since)));
                    }
                    queued = List.copyOf(waiting);
                    queue = r;
                }
                case ROOT_ENV -> {
                    rootEnvMap = Collections.unmodifiableMap(map(in));
                    rootEnv = r;
                }
                default -> throw new IOException("unknown record type " + type);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: skipped a record that cannot be read: {1}", dir, e.toString());
        }
    }

    /** Writes what is queued; the lock goes with the process (or here). */
    @Override
    public void close() {
        journal.close();
        try {
            lock.release();
            lockFile.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: {1}", dir, e.toString());
        }
    }
}
