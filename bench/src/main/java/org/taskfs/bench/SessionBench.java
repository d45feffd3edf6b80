package org.taskfs.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.util.PlanNineQuoting;

/**
 * Rows 1–3: what a user of the file interface waits for. One "session run" is exactly what
 * {@code cat clone; echo res N > ctl; echo exec CMD > ctl; cat FILE} does over 9P: open clone,
 * read the session number, write res, write exec, then walk/open/read FILE until EOF. Releasing
 * the session afterwards is not timed (a user would not wait for it either).
 */
final class SessionBench {
    private SessionBench() {}

    /** Nanosecond stamps of one session run; {@code output} is what FILE gave. */
    record Run(long cloneNs, long resNs, long execNs, long readNs, byte[] output) {
        long total() {
            return cloneNs + resNs + execNs + readNs;
        }
    }

    /** Called with a run's session still held, after its figures are taken. */
    interface WhileHeld {
        void run() throws Exception;
    }

    static Run run(StyxClient c, int tasks, String command, String file) throws Exception {
        return run(c, tasks, command, file, () -> {});
    }

    static Run run(StyxClient c, int tasks, String command, String file, WhileHeld whileHeld) throws Exception {
        long t0 = System.nanoTime();
        RemoteFid ctl = c.open("clone", P9.ORDWR).get();
        try {
            String n = new String(ctl.read(0, 32).get(), StandardCharsets.UTF_8).trim();
            long t1 = System.nanoTime();
            ctl.write(0, utf8("res " + tasks)).get();
            long t2 = System.nanoTime();
            ctl.write(0, utf8("exec " + command)).get();
            long t3 = System.nanoTime();
            byte[] out = c.readAll(n + "/" + file).get();
            long t4 = System.nanoTime();
            whileHeld.run();
            return new Run(t1 - t0, t2 - t1, t3 - t2, t4 - t3, out);
        } finally {
            ctl.write(0, utf8("release")).handle((v, e) -> null).get();
            ctl.clunk().handle((v, e) -> null).get();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    /** Row 1: clone → res 4 → exec hostname → read stdio, one sample per iteration. */
    static void launch(Args a, Samples out) throws Exception {
        int iterations = a.integer("iterations", 200);
        int warmup = a.integer("warmup", 30);
        int tasks = a.integer("tasks", 4);
        String command = a.string("command", "hostname");
        try (Target t = Target.of(a); StyxClient c = t.connect()) {
            for (int i = 0; i < warmup + iterations; i++) {
                Run r = run(c, tasks, command, "stdio");
                int lines = lines(r.output());
                if (lines != tasks) {
                    throw new IllegalStateException("exec " + command + " on " + tasks + " tasks gave " + lines
                            + " lines of stdio: " + new String(r.output(), StandardCharsets.UTF_8));
                }
                if (i >= warmup) {
                    out.add("launch.taskfs", ms(r.total()));
                    phases(out, "launch", r);
                }
            }
        }
    }

    /** Row 2: N × true in one session; done when {@code wait} has a line per task and EOF. */
    static void fanout(Args a, Samples out) throws Exception {
        String[] sizes = a.string("sizes", "64,256").split(",");
        int runs = a.integer("runs", 10);
        int warmup = a.integer("warmup", 3);
        try (Target t = Target.of(a); StyxClient c = t.connect()) {
            for (String s : sizes) {
                int n = Integer.parseInt(s.trim());
                for (int i = 0; i < warmup + runs; i++) {
                    Run r = run(c, n, "true", "wait");
                    checkWait(r.output(), n);
                    if (i >= warmup) {
                        out.add("fanout" + n + ".taskfs", ms(r.total()));
                        phases(out, "fanout" + n, r);
                    }
                }
            }
        }
    }

    /**
     * Row 3: sustained tasks per second. {@code workers} clients each loop over sessions of
     * {@code tasks} × true until the time is up; tasks of sessions finished in time count.
     */
    static void rate(Args a, Samples out) throws Exception {
        int workers = a.integer("workers", 4);
        int tasks = a.integer("tasks", 4);
        double seconds = a.decimal("seconds", 5);
        int runs = a.integer("runs", 3);
        double warmupSeconds = a.decimal("warmup-seconds", 1);
        try (Target t = Target.of(a)) {
            List<StyxClient> clients = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(workers);
            try {
                for (int w = 0; w < workers; w++) {
                    clients.add(t.connect());
                }
                ratePhase(clients, pool, tasks, warmupSeconds);
                for (int r = 0; r < runs; r++) {
                    out.add("rate.taskfs", ratePhase(clients, pool, tasks, seconds));
                }
                out.meta("rate.shape", workers + " clients × sessions of " + tasks + " tasks");
            } finally {
                pool.shutdownNow();
                clients.forEach(StyxClient::close);
            }
        }
    }

    private static double ratePhase(List<StyxClient> clients, ExecutorService pool, int tasks, double seconds)
            throws Exception {
        AtomicLong done = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        List<Future<?>> fs = new ArrayList<>();
        for (StyxClient c : clients) {
            fs.add(pool.submit(() -> {
                while (!stop.get()) {
                    Run r = run(c, tasks, "true", "wait");
                    checkWait(r.output(), tasks);
                    if (System.nanoTime() > end) {
                        break;
                    }
                    done.addAndGet(tasks);
                }
                return null;
            }));
        }
        try {
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            stop.set(true);
        }
        // Sessions that finished after the deadline were not counted, so the time is the
        // deadline's, not the moment the last straggler came back.
        return done.get() / seconds;
    }

    /** The steps of a run, for the table of where the time goes. */
    private static void phases(Samples out, String row, Run r) {
        out.add(row + ".phase.clone", ms(r.cloneNs()));
        out.add(row + ".phase.res", ms(r.resNs()));
        out.add(row + ".phase.exec", ms(r.execNs()));
        out.add(row + ".phase.read", ms(r.readNs()));
    }

    static int lines(byte[] b) {
        int n = 0;
        for (byte x : b) {
            if (x == '\n') {
                n++;
            }
        }
        return n;
    }

    /** {@code PATH PID USER SYS REAL 'MSG'} per task; MSG empty when it exited 0. */
    static void checkWait(byte[] wait, int tasks) {
        String text = new String(wait, StandardCharsets.UTF_8);
        String[] lines = text.isEmpty() ? new String[0] : text.split("\n");
        if (lines.length != tasks) {
            throw new IllegalStateException("wait gave " + lines.length + " lines for " + tasks + " tasks:\n" + text);
        }
        for (String l : lines) {
            List<String> f = PlanNineQuoting.tokenize(l);
            if (f.size() != 6 || !f.get(5).isEmpty()) {
                throw new IllegalStateException("a task failed: " + l);
            }
        }
    }
}
