package org.taskfs.coord.pool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.util.Failures;
import org.taskfs.task.HostInfo;
import org.taskfs.task.ResCommand;

/**
 * A coordinator that grows through Slurm ({@code serve --slurm-partition P}): a {@code res} that does not fit
 * now asks Slurm, with its own commands, for whole nodes of the partition; they run a node daemon each that joins
 * the pool, and are handed back (scancel) once no session has tasks on any of them for the idle time. A refused
 * or cancelled allocation fails the res it was for with Slurm's words. Slurm's commands run on a thread of this
 * class, never where a request is answered; its state is polled from squeue every second.
 */
public final class SlurmGrowth implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SlurmGrowth.class.getName());
    private static final Duration POLL = Duration.ofSeconds(1);
    /** How long the nodes of a started allocation have to join before it is given back as broken. */
    static final Duration JOIN_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    /**
     * @param partition   where to ask for nodes
     * @param maxNodes    the most nodes held from Slurm at once
     * @param time        each allocation's time limit in Slurm's syntax ({@code --time}), or null for the
     *                    partition's default
     * @param idle        how long every node of an allocation must have no tasks before it is handed back
     * @param nodeCommand the command, given the coordinator's address, that runs a node daemon joining it
     */
    public record Settings(String partition, int maxNodes, String time, Duration idle,
                           Function<String, List<String>> nodeCommand) {
        public Settings {
            if (partition == null || partition.isBlank()) {
                throw new IllegalArgumentException("--slurm-partition: empty; give the name of a Slurm partition");
            }
            if (maxNodes < 1) {
                throw new IllegalArgumentException("--slurm-max-nodes " + maxNodes + ": must be 1 or more");
            }
            if (time != null && (time.isBlank() || time.chars().anyMatch(Character::isWhitespace))) {
                throw new IllegalArgumentException("--slurm-time \"" + time + "\": expected a Slurm time limit "
                        + "such as 30, 2:00:00 or 1-0");
            }
            if (idle == null || idle.isNegative() || idle.isZero()) {
                throw new IllegalArgumentException("--slurm-idle: must be more than 0 seconds");
            }
        }
    }

    /** Slurm's word on a job: its state, why it is in it ({@code None} for no reason), its nodes if it has any. */
    record JobState(String state, String reason, String nodes) {
        String text() {
            return reason.isEmpty() || reason.equals("None") ? state : state + " " + reason;
        }

        boolean running() {
            return state.equals("RUNNING") || state.equals("CONFIGURING");
        }

        /** A state Slurm's jobs do not leave (squeue -j still lists them for a while). */
        boolean over() {
            return switch (state) {
                case "CANCELLED", "COMPLETED", "FAILED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE",
                        "OUT_OF_MEMORY", "SPECIAL_EXIT", "REVOKED" -> true;
                default -> false;
            };
        }
    }

    /** The lines of {@code squeue -h -o '%i|%T|%r|%N'}: job id to its state. */
    static Map<String, JobState> parseSqueue(String out) {
        Map<String, JobState> jobs = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.strip().split("\\|", -1);
            if (f.length == 4 && !f[0].isEmpty()) {
                jobs.put(f[0], new JobState(f[1], f[2], f[3].equals("(null)") ? "" : f[3]));
            }
        }
        return jobs;
    }

    /** {@code scontrol show job -o ID}: its JobState and Reason, null if it says neither. */
    static JobState parseScontrol(String out) {
        String state = null;
        String reason = "";
        for (String word : out.strip().split("\\s+")) {
            if (word.startsWith("JobState=")) {
                state = word.substring("JobState=".length());
            } else if (word.startsWith("Reason=")) {
                reason = word.substring("Reason=".length());
            }
        }
        return state == null ? null : new JobState(state, reason, "");
    }

    /** The words of a Slurm command's refusal, its own prefixes ({@code sbatch: error: }) left out. */
    static String refusal(String stderr) {
        List<String> words = new ArrayList<>();
        for (String line : stderr.split("\n")) {
            String l = line.strip().replaceFirst("^[a-z]+: (error|fatal): ", "");
            if (!l.isEmpty()) {
                words.add(l);
            }
        }
        return words.isEmpty() ? "no reason given" : String.join("; ", words);
    }

    /** An allocation Slurm gave (or queues), as a coordinator's state keeps it: job id, nodes, names once known. */
    public record Held(String job, int nodes, List<String> names) {}

    /** One allocation asked of Slurm. */
    private static final class Grow {
        final int nodes;
        /** The res it was asked for, while that waits; null after. */
        ResCommand res;
        /** Slurm's id once sbatch answered. */
        String job;
        JobState state = new JobState("SUBMITTED", "", "");
        /** Its nodes' names, once Slurm has started it. */
        List<String> names = List.of();
        Instant started;
        Instant idleSince;
        /** Handed back, given up or stopping: scancelled, not counted on. */
        boolean ending;

        Grow(int nodes, ResCommand res) {
            this.nodes = nodes;
            this.res = res;
        }
    }

    private final Settings settings;
    private final Pool pool;
    private final int partitionNodes;
    private final int cpusPerNode;
    private final ScheduledExecutorService thread;
    private volatile Runnable onChange = () -> {};
    private volatile List<String> nodeCommand;

    /** Guarded by this. */
    private final List<Grow> grows = new ArrayList<>();
    /** A waiting res whose allocation failed, and Slurm's words: it fails with them when next tried. */
    private final Map<ResCommand, String> failed = new IdentityHashMap<>();
    private boolean closed;
    /** Where the allocations held are kept (a coordinator's --state): null, and a stop cancels them all. */
    private volatile Function<List<Held>, CompletableFuture<Void>> keeper;
    /** What was last given to the keeper; touched on the growth thread only. */
    private List<Held> kept = List.of();

    /** Reads the partition's size from sinfo; fails naming the problem if Slurm does not know it. */
    public SlurmGrowth(Settings settings, Pool pool) {
        this.settings = settings;
        this.pool = pool;
        Result r = run(List.of("sinfo", "-h", "-p", settings.partition(), "-o", "%D %c"));
        if (r.exit() != 0) {
            throw new IllegalArgumentException("--slurm-partition " + settings.partition() + ": sinfo failed: "
                    + refusal(r.err()));
        }
        int n = 0;
        int cpus = Integer.MAX_VALUE;
        for (String line : r.out().split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 2) {
                try {
                    n += Integer.parseInt(f[0].replaceAll("\\D", ""));
                    cpus = Math.min(cpus, Integer.parseInt(f[1].replaceAll("\\D", "")));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--slurm-partition " + settings.partition() + ": sinfo said \""
                            + line.strip() + "\", not NODES CPUS");
                }
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("--slurm-partition " + settings.partition()
                    + ": Slurm has no such partition, or no nodes in it (sinfo -p " + settings.partition()
                    + " lists none)");
        }
        this.partitionNodes = n;
        this.cpusPerNode = cpus;
        this.thread = Executors.newSingleThreadScheduledExecutor(t -> {
            Thread d = new Thread(t, "slurm-growth");
            d.setDaemon(true);
            return d;
        });
    }

    /**
     * Keeps the allocations held in a coordinator's state, and takes back those a killed one held: their nodes'
     * daemons join again by themselves, their sessions' tasks are taken back with the sessions, and each goes
     * back to Slurm when idle (or is withdrawn if Slurm still queues it: the res it was for died with its
     * client's connection). A stop then leaves them to the next start instead of cancelling them.
     */
    public void keepIn(Function<List<Held>, CompletableFuture<Void>> keeper, List<Held> before) {
        List<Grow> queued = new ArrayList<>();
        synchronized (this) {
            for (Held h : before) {
                Grow g = new Grow(h.nodes(), null);
                g.job = h.job();
                g.names = h.names();
                g.state = new JobState(h.names().isEmpty() ? "PENDING" : "RUNNING", "", "");
                g.started = Instant.now(); // the join timeout counts from the restart: its daemons join again
                grows.add(g);
                if (h.names().isEmpty()) {
                    queued.add(g);
                }
            }
            kept = List.copyOf(before);
        }
        this.keeper = keeper;
        for (Grow g : queued) {
            later(() -> withdrawIfQueued(g));
        }
        if (!before.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "took back slurm jobs {0}",
                    String.join(",", before.stream().map(Held::job).toList()));
        }
    }

    /** The allocations Slurm gave or queues that are not being handed back. */
    private synchronized List<Held> held() {
        List<Held> out = new ArrayList<>();
        for (Grow g : grows) {
            if (g.job != null && !g.ending) {
                out.add(new Held(g.job, g.nodes, g.names));
            }
        }
        return out;
    }

    /**
     * Writes what is held if it changed, and waits for it to be durable: a job Slurm gave that a crash forgets
     * would hold its nodes until its time limit. On the growth thread.
     */
    private void keep() {
        Function<List<Held>, CompletableFuture<Void>> k = keeper;
        List<Held> now = held();
        if (k == null || now.equals(kept)) {
            return;
        }
        kept = now;
        try {
            k.apply(now).join();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot keep the slurm jobs held in the state: {0}",
                    Failures.text(e));
        }
    }

    /** Begins polling; the node daemons it starts join {@code coordinator}. */
    public void start(String coordinator, Runnable whenChanged) {
        this.nodeCommand = settings.nodeCommand().apply(coordinator);
        this.onChange = whenChanged;
        thread.scheduleWithFixedDelay(this::poll, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
        LOG.log(System.Logger.Level.INFO, "growing through Slurm partition {0}: {1} nodes of {2} CPUs, at most {3}",
                settings.partition(), partitionNodes, cpusPerNode, settings.maxNodes());
    }

    private boolean applies(ResCommand res) {
        // Slurm's nodes are taken to be of the coordinator's own kind; a res naming members wants those.
        return res.nodes() == null && HostInfo.LOCAL.matches(res.os(), res.arch());
    }

    /** Whether a res may wait for an allocation: wait=0 (a coordinator above asks so) takes what is free now. */
    private static boolean mayWait(ResCommand res) {
        return res.waitFor() == null || !res.waitFor().isZero();
    }

    private int limit() {
        return Math.min(settings.maxNodes(), partitionNodes);
    }

    /** Slots Slurm may still add for a res of this kind: the node limit less the grown nodes in the pool. */
    public synchronized int growable(ResCommand res) {
        if (!applies(res) || closed) {
            return 0;
        }
        int in = 0;
        for (Grow g : grows) {
            in += up(g);
        }
        return Math.max(0, limit() - in) * cpusPerNode;
    }

    /** What a refusal adds: how much of the pool's room is what Slurm may still bring. */
    public String note(int growable) {
        return growable == 0 ? "" : "; the pool counts " + growable + " slots Slurm partition " + settings.partition()
                + " can add (nodes of " + cpusPerNode + " CPUs, at most " + limit() + " held)";
    }

    /** The failure a waiting res ends with instead of waiting on, once its allocation failed; null if none. */
    public synchronized String failure(ResCommand res) {
        return failed.remove(res);
    }

    /**
     * A res fell short with {@code free} slots free: if the allocations under way do not cover the shortfall
     * and the node limit lets one more do so, one is asked of Slurm.
     */
    public void fellShort(ResCommand res, int free) {
        Grow g;
        synchronized (this) {
            if (closed || !applies(res) || !mayWait(res)) {
                return;
            }
            int coming = 0;
            int held = 0;
            for (Grow x : grows) {
                if (!x.ending) {
                    coming += (x.nodes - up(x)) * cpusPerNode;
                    held += x.nodes;
                }
            }
            int need = res.count() - free - coming;
            if (need <= 0) {
                return;
            }
            int k = (need + cpusPerNode - 1) / cpusPerNode;
            if (k > limit() - held) {
                return; // it waits for slots to free, as without Slurm
            }
            g = new Grow(k, res);
            grows.add(g);
        }
        try {
            thread.execute(() -> submit(g));
        } catch (RejectedExecutionException stopping) {
            synchronized (this) {
                grows.remove(g);
            }
        }
    }

    private void submit(Grow g) {
        List<String> cmd = new ArrayList<>(List.of("sbatch", "--parsable", "--partition=" + settings.partition(),
                "--nodes=" + g.nodes, "--exclusive", "--job-name=taskfs-grow", "--output=/dev/null"));
        if (settings.time() != null) {
            cmd.add("--time=" + settings.time());
        }
        // One node daemon per node, each the size of its node (whole nodes: --exclusive).
        cmd.add("--wrap=exec srun --ntasks-per-node=1 --kill-on-bad-exit=0 " + shellWords(nodeCommand));
        Result r = run(cmd);
        boolean cancel;
        synchronized (this) {
            if (r.exit() != 0) {
                grows.remove(g);
                if (g.res != null) {
                    failed.put(g.res, "res: slurm refused the allocation: " + refusal(r.err()));
                }
                LOG.log(System.Logger.Level.WARNING, "sbatch refused {0}: {1}", nodes(g.nodes), refusal(r.err()));
            } else {
                g.job = r.out().strip().split(";")[0];
                g.state = new JobState("PENDING", "", "");
                LOG.log(System.Logger.Level.INFO, "asked Slurm for {0} of {1}: job {2}", nodes(g.nodes),
                        settings.partition(), g.job);
            }
            cancel = r.exit() == 0 && (g.ending || closed);
            if (cancel) {
                grows.remove(g);
            }
        }
        if (cancel) {
            scancel(g.job);
        }
        keep();
        onChange.run(); // outside the lock: the queue tries the res again, and it fails with Slurm's words
    }

    /** What a waiting res waits on, if an allocation was asked for it. */
    public synchronized String waitNote(ResCommand res) {
        for (Grow g : grows) {
            if (g.res == res && !g.ending) {
                if (g.job == null) {
                    return "slurm: asking partition " + settings.partition() + " for " + nodes(g.nodes);
                }
                String joinedText = g.names.isEmpty() ? "" : ", " + joined(g).size() + " of " + g.nodes + " joined";
                return "slurm job " + g.job + ": " + g.state.text() + joinedText;
            }
        }
        return "";
    }

    /** The res no longer waits: an allocation asked for it that Slurm has not started yet is withdrawn. */
    public void waitEnded(ResCommand res) {
        List<Grow> mine = new ArrayList<>();
        synchronized (this) {
            failed.remove(res);
            for (Grow g : grows) {
                if (g.res == res) {
                    g.res = null;
                    if (g.job == null) {
                        g.ending = true; // being asked for: submit cancels what it gets
                    } else if (!g.ending) {
                        mine.add(g);
                    }
                }
            }
        }
        for (Grow g : mine) {
            later(() -> withdrawIfQueued(g));
        }
    }

    /**
     * Cancels an allocation nobody waits for if Slurm still queues it; one that has started stays, to serve
     * whoever comes, and goes back when idle. Asked afresh: its nodes may have joined since the last poll.
     */
    private void withdrawIfQueued(Grow g) {
        Result r = run(List.of("squeue", "-h", "-j", g.job, "-o", "%T"));
        if (r.exit() != 0 || !r.out().strip().equals("PENDING")) {
            return;
        }
        synchronized (this) {
            if (g.res != null || g.ending) {
                return;
            }
            g.ending = true;
            grows.remove(g);
        }
        LOG.log(System.Logger.Level.INFO, "slurm job {0}: nobody waits for it any more; cancelled", g.job);
        scancel(g.job);
        keep();
        onChange.run();
    }

    /** The grown members of the pool that belong to {@code g}. */
    private List<Member> joined(Grow g) {
        List<Member> in = new ArrayList<>();
        if (g.names.isEmpty()) {
            return in;
        }
        for (Member m : pool.members()) {
            if (g.names.contains(m.name())) {
                in.add(m);
            }
        }
        return in;
    }

    /**
     * How many of them are up: a member being mounted is listed before it answers, and until then its slots are
     * neither free in the pool nor to be asked of Slurm again.
     */
    private int up(Grow g) {
        return (int) joined(g).stream().filter(m -> m.state() == Member.State.UP).count();
    }

    private void poll() {
        try {
            pollOnce();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "polling Slurm failed: {0}", e.toString());
        }
        keep();
    }

    private void pollOnce() {
        List<Grow> watched = new ArrayList<>();
        synchronized (this) {
            for (Grow g : grows) {
                if (g.job != null && !g.ending) {
                    watched.add(g);
                }
            }
        }
        if (watched.isEmpty()) {
            return;
        }
        List<String> ids = watched.stream().map(g -> g.job).toList();
        Result q = run(List.of("squeue", "-h", "-j", String.join(",", ids), "-o", "%i|%T|%r|%N"));
        Map<String, JobState> listed;
        if (q.exit() == 0) {
            listed = parseSqueue(q.out());
        } else if (q.err().contains("Invalid job id")) {
            listed = Map.of(); // none of them is known any more
        } else {
            LOG.log(System.Logger.Level.WARNING, "squeue failed: {0}", refusal(q.err()));
            return; // Slurm not answering is not the end of its jobs
        }
        boolean changed = false;
        for (Grow g : watched) {
            JobState s = listed.get(g.job);
            if (s == null || s.over()) {
                ended(g, s != null ? s : lastWord(g.job));
                changed = true;
            } else {
                changed |= update(g, s);
            }
        }
        if (changed) {
            onChange.run();
        }
    }

    /** Slurm's last word on a job squeue no longer lists: scontrol's, while slurmctld remembers it. */
    private static JobState lastWord(String job) {
        Result r = run(List.of("scontrol", "show", "job", "-o", job));
        JobState s = r.exit() == 0 ? parseScontrol(r.out()) : null;
        return s != null ? s : new JobState("ENDED", "", "");
    }

    /** A listed job's new state; whether waiting reservations should look again. */
    private boolean update(Grow g, JobState s) {
        Instant now = Instant.now();
        String giveUp = null;
        boolean handBack = false;
        List<Member> in;
        synchronized (this) {
            g.state = s;
            if (g.names.isEmpty() && s.running() && !s.nodes().isEmpty()) {
                try {
                    g.names = List.copyOf(Hostlist.expand(s.nodes()));
                } catch (IllegalArgumentException e) {
                    LOG.log(System.Logger.Level.WARNING, "slurm job {0}: nodes \"{1}\": {2}", g.job, s.nodes(),
                            e.getMessage());
                    return false;
                }
                g.started = now;
            }
            if (g.names.isEmpty() || !s.running()) {
                return false; // not started yet, or ending (COMPLETING): its nodes are leaving by themselves
            }
            in = joined(g);
            if (in.size() < g.names.size()) {
                g.idleSince = null;
                if (Duration.between(g.started, now).compareTo(JOIN_TIMEOUT) > 0) {
                    giveUp = "res: slurm job " + g.job + " started, but only " + in.size() + " of its " + g.nodes
                            + " nodes joined within " + JOIN_TIMEOUT.toSeconds() + " s";
                }
            } else if (in.stream().allMatch(m -> !m.holdsTasks() && pool.reserving(m) == 0)) {
                if (g.idleSince == null) {
                    g.idleSince = now;
                }
                handBack = Duration.between(g.idleSince, now).compareTo(settings.idle()) >= 0;
            } else {
                g.idleSince = null;
            }
            if (giveUp == null && !handBack) {
                return false;
            }
            g.ending = true;
            grows.remove(g);
            if (giveUp != null && g.res != null) {
                failed.put(g.res, giveUp);
            }
        }
        LOG.log(System.Logger.Level.INFO, "handing back slurm job {0} ({1}): {2}", g.job,
                Hostlist.compress(g.names), giveUp != null ? giveUp : "idle " + settings.idle().toSeconds() + " s");
        // Out of the pool first, so that nothing new is placed there and the nodes' next job may use the names.
        leave(in);
        scancel(g.job);
        return true;
    }

    /** Slurm ended the job (or it failed): its members go, and the res it was for fails with Slurm's words. */
    private void ended(Grow g, JobState last) {
        List<Member> in;
        synchronized (this) {
            in = joined(g);
            grows.remove(g);
            if (g.res != null) {
                failed.put(g.res, "res: slurm job " + g.job + " ended before its nodes joined: " + last.text());
            }
        }
        LOG.log(System.Logger.Level.INFO, "slurm job {0} ended: {1}", g.job, last.text());
        leave(in);
    }

    private void leave(List<Member> members) {
        for (Member m : members) {
            try {
                pool.unmount(m.name());
            } catch (StyxException gone) {
                // it left by itself (its daemon unmounted it as it stopped)
            }
        }
    }

    /** The root ctl's lines: the settings, then {@code slurm job ID STATE nodes=… idle=Ns} per allocation. */
    public synchronized String ctlLines() {
        StringBuilder b = new StringBuilder("slurm-partition " + settings.partition() + " nodes=" + partitionNodes
                + " cpus=" + cpusPerNode + " max-nodes=" + settings.maxNodes() + " time="
                + (settings.time() == null ? "default" : settings.time()) + " idle=" + settings.idle().toSeconds()
                + "s\n");
        Instant now = Instant.now();
        for (Grow g : grows) {
            b.append("slurm job ").append(g.job == null ? "-" : g.job).append(' ').append(g.state.state())
                    .append(" nodes=").append(g.names.isEmpty() ? g.nodes : Hostlist.compress(g.names));
            if (g.idleSince != null) {
                b.append(" idle=").append(Duration.between(g.idleSince, now).toSeconds()).append('s');
            }
            b.append('\n');
        }
        return b.toString();
    }

    /**
     * Stops: every allocation held is cancelled, one being asked for included; with a keeper (a coordinator's
     * --state) those held are left for the next start, which takes them back.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        if (keeper != null) {
            thread.shutdownNow();
            return;
        }
        // An sbatch under way finishes and, seeing closed, cancels what it got.
        thread.shutdown();
        try {
            thread.awaitTermination(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<String> jobs = new ArrayList<>();
        synchronized (this) {
            for (Grow g : grows) {
                if (g.job != null && !jobs.contains(g.job)) {
                    jobs.add(g.job);
                }
            }
            grows.clear();
        }
        if (!jobs.isEmpty()) {
            List<String> cmd = new ArrayList<>(List.of("scancel"));
            cmd.addAll(jobs);
            Result r = run(cmd);
            LOG.log(System.Logger.Level.INFO, "cancelled slurm jobs {0}{1}", String.join(",", jobs),
                    r.exit() == 0 ? "" : ": " + refusal(r.err()));
        }
    }

    private void later(Runnable r) {
        try {
            thread.execute(r);
        } catch (RejectedExecutionException stopping) {
            // close() cancels every job still held
        }
    }

    private static void scancel(String job) {
        Result r = run(List.of("scancel", job));
        if (r.exit() != 0) {
            LOG.log(System.Logger.Level.WARNING, "scancel {0}: {1}", job, refusal(r.err()));
        }
    }

    private static String nodes(int n) {
        return n + " node" + (n == 1 ? "" : "s");
    }

    private static String shellWords(List<String> words) {
        StringBuilder b = new StringBuilder();
        for (String w : words) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append('\'').append(w.replace("'", "'\\''")).append('\'');
        }
        return b.toString();
    }

    record Result(int exit, String out, String err) {}

    /** Runs one of Slurm's commands to its end (they answer in well under a second when slurmctld is up). */
    static Result run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).start();
            p.getOutputStream().close();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            String out = read(p.getInputStream());
            if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(-1, out, cmd.get(0) + " did not answer in " + COMMAND_TIMEOUT.toSeconds() + " s");
            }
            return new Result(p.exitValue(), out, err.join());
        } catch (IOException e) {
            return new Result(-1, "", cmd.get(0) + ": cannot run it: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "", cmd.get(0) + ": interrupted");
        }
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
