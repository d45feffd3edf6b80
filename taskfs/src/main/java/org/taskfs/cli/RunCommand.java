package org.taskfs.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.taskfs.coord.pool.Hostlist;
import org.taskfs.coord.pool.Pool;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.client.StyxRemoteException;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.util.Failures;
import org.taskfs.styx.util.Futures;
import org.taskfs.styx.util.PlanNineQuoting;
import org.taskfs.task.Lines;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code taskfs run}: one command on N tasks, output streamed as it comes (or collated), a line per failed
 * task on stderr, and the exit status scripts of pdsh and clush users expect: the highest of the tasks'.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a command on N tasks of a coordinator (or a node): clone, res, exec, stream the output, "
                + "release. Standard input goes to every task, and its end too.",
        footerHeading = "%nExit status:%n",
        footer = {
            "  The highest exit status of any task, as pdsh -S. A task's wait message",
            "  '' is 0, 'exit: N' is N, 'signal: N' is 128+N, 'killed' (TERM or KILL)",
            "  is 143; any other (a node lost, an exec that failed, output over the",
            "  node's limit or incomplete) is 255, as is a run taskfs could not start",
            "  (no connection, res refused). 124 when --timeout ended the run, as",
            "  timeout(1); 2 for bad usage. Each task that did not exit 0 gets a line",
            "  on stderr: taskfs run: task /S/I (node NODE): MESSAGE"})
final class RunCommand implements Callable<Integer> {
    /** What a run that timed out exits with, as timeout(1). */
    static final int TIMED_OUT = 124;
    /** What a task that taskfs could not run or lost counts as, as ssh's own failures. */
    static final int FAILED_TO_RUN = 255;
    /** After a timeout's kill, how long the tasks get to end before the session is released anyway. */
    private static final Duration KILL_GRACE = Duration.ofSeconds(2);

    @Spec
    CommandSpec spec;

    @Mixin
    ClientCommands.Server server;

    @Mixin
    AuthOption auth;

    @Option(names = "-n", paramLabel = "N", description = "Tasks to run (default: 1; with -w, one per node named).")
    Integer count;

    @Option(names = "-w", paramLabel = "HOSTLIST", description = "Only on these members of the coordinator, as pdsh "
            + "-w: 'node[0-3],login'; repeatable. Without -n, one task on each.")
    List<String> only = new ArrayList<>();

    @Option(names = "-x", paramLabel = "HOSTLIST", description = "Not on these members, as pdsh -x; repeatable.")
    List<String> excluded = new ArrayList<>();

    /** Tasks to run: -n, else one per member -w names and -x leaves. */
    private int n;

    @Option(names = "--tagged", description = "Prefix each stdout and stderr line with its node's name and task "
            + "index: 'node1/3: line' (the node as the pool names it; on a node daemon directly, its host name).")
    boolean tagged;

    @Option(names = {"-b", "--collate"}, description = "Gather each task's stdout and, at the end, print each "
            + "distinct output once under a header naming its nodes and tasks (as clush -b, dshbak -c); "
            + "stderr lines come as they arrive, tagged.")
    boolean collate;

    @Option(names = {"-t", "--timeout"}, paramLabel = "SECONDS", converter = PoolOptions.Seconds.class,
            description = "Kill the run if it is still going after this long (decimals such as 0.5 work): each task "
                    + "that had not ended is reported as timed out, and the exit status is 124.")
    Duration timeout;

    @Option(names = "--progress", negatable = true, description = "Show (or not) a line on stderr with the tasks "
            + "done, running and failed and the time taken, redrawn in place once the run has lasted a second "
            + "(default: when stderr is a terminal).")
    Boolean progress;

    @Option(names = "--os", paramLabel = "OS", defaultValue = "*", description = "Only nodes of this OS (e.g. Linux).")
    String os;

    @Option(names = "--arch", paramLabel = "ARCH", defaultValue = "*", description = "Only nodes of this architecture.")
    String arch;

    @Parameters(paramLabel = "CMD", arity = "1..*", description = "The command and its arguments.")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        Set<String> chosen = chosen();
        n = count != null ? count : chosen != null ? chosen.size() : 1;
        if (n < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-n " + n + ": must be 1 or more");
        }
        if (tagged && collate) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--tagged and --collate do not go together: --collate already names the tasks of each output; "
                            + "give one of them");
        }
        auth.method(); // a bad --auth is refused at start, as by every command: usage 2, a bad key file 1
        try (StyxClient c = server.connect(auth)) {
            return run(c);
        } catch (CommandLine.ParameterException e) {
            throw e;
        } catch (Exception e) {
            throw new CouldNotRun(e);
        }
    }

    /**
     * The members -w names that -x does not (null without -w), checked here so that a bad hostlist is bad usage.
     * The coordinator reads the same words again: what it has for members is its to say.
     */
    private Set<String> chosen() {
        List<String> not = excluded.isEmpty() ? List.of() : hostlist("-x", excluded);
        if (only.isEmpty()) {
            return null;
        }
        Set<String> names = new LinkedHashSet<>(hostlist("-w", only));
        names.removeAll(not);
        if (names.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-x " + String.join(",", excluded)
                    + " excludes every node of -w " + String.join(",", only) + ": nothing to run on");
        }
        return names;
    }

    private List<String> hostlist(String option, List<String> values) {
        try {
            return Hostlist.expand(String.join(",", values));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
    }

    private int run(StyxClient c) throws Exception {
        RemoteFid ctl = c.open("/clone", P9.ORDWR).get();
        String session = "/" + new String(ctl.read(0, 32).get(), StandardCharsets.UTF_8).trim();
        try {
            // Tagged gathered reads tell whose each line is: for --tagged and for collate's stderr.
            ctl(ctl, tagged || collate ? "output tagged" : "output lines");
            reserve(c, ctl, session, "res " + n + " " + PlanNineQuoting.quote(os) + " " + PlanNineQuoting.quote(arch)
                    + (only.isEmpty() ? "" : " " + PlanNineQuoting.quote("nodes=" + String.join(",", only)))
                    + (excluded.isEmpty() ? "" : " " + PlanNineQuoting.quote("exclude=" + String.join(",", excluded))));
            // Released (tasks killed) if this client goes away before it is done.
            ctl(ctl, "killonclose");
            // As srun: the tasks start in our directory where their node has it, elsewhere in the user's home.
            ctl(ctl, "cwd " + PlanNineQuoting.quote(Path.of("").toAbsolutePath().toString()));
            List<String> nodes = TaskNodes.of(c, session);
            Waits waits = new Waits(n);
            long started = System.nanoTime();
            try (ProgressLine screen = new ProgressLine(progress != null ? progress : Terminal.isStderr(), System.err,
                    () -> waits.progress(System.nanoTime() - started))) {
                String execError = null;
                try {
                    ctl(ctl, "exec " + command.stream().map(PlanNineQuoting::quote).collect(Collectors.joining(" ")));
                } catch (ExecutionException e) {
                    if (!(Failures.cause(e) instanceof StyxRemoteException)) {
                        throw e;
                    }
                    // The server refused it (a command not found): its wait lines say for which tasks, below.
                    execError = Failures.text(e);
                }
                StyxClient streaming = c.withTimeout(Duration.ZERO);
                if (execError == null) {
                    forwardStdin(streaming, session + "/stdin");
                }
                List<CompletableFuture<?>> reading = new ArrayList<>();
                reading.add(streaming.stream(session + "/wait", lines(waits::add)));
                List<ByteArrayOutputStream> collated = new ArrayList<>();
                if (collate) {
                    for (int i = 0; i < n; i++) {
                        ByteArrayOutputStream buf = new ByteArrayOutputStream();
                        collated.add(buf);
                        reading.add(streaming.stream(session + "/" + i + "/stdout", b -> {
                            synchronized (buf) {
                                buf.writeBytes(b);
                            }
                        }));
                    }
                } else {
                    reading.add(streaming.stream(session + "/stdout", tagged
                            ? lines(retag(nodes, b -> screen.write(System.out, b)))
                            : b -> screen.write(System.out, b)));
                }
                reading.add(streaming.stream(session + "/stderr", tagged || collate
                        ? lines(retag(nodes, b -> screen.write(System.err, b)))
                        : b -> screen.write(System.err, b)));
                CompletableFuture<Void> all = CompletableFuture.allOf(reading.toArray(new CompletableFuture<?>[0]));

                boolean[] unfinished = null;
                if (timeout == null) {
                    all.get();
                } else {
                    try {
                        all.get(Math.max(0, timeout.toNanos() - (System.nanoTime() - started)), TimeUnit.NANOSECONDS);
                    } catch (TimeoutException e) {
                        unfinished = waits.unfinished();
                        // What ends on TERM is done with; the release below kills what does not (and is
                        // all that is needed should the kill find nothing left to signal).
                        Futures.settled(ctl.write(0, "kill".getBytes(StandardCharsets.UTF_8))).get();
                        try {
                            all.get(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                        } catch (TimeoutException stillGoing) {
                            // released all the same
                        }
                    }
                }
                screen.close();
                if (collate) {
                    System.out.writeBytes(Collated.format(collated, nodes));
                    System.out.flush();
                }
                return report(session, nodes, waits, unfinished, execError);
            }
        } finally {
            Futures.settled(ctl.write(0, "release".getBytes(StandardCharsets.UTF_8))).get();
            Futures.settled(ctl.clunk()).get();
        }
    }

    /**
     * Our standard input goes to every task's, and its end is theirs (as clush does): {@code cat </dev/null}
     * ends, {@code echo hi | taskfs run -n 2 -- cat} prints hi twice. A thread of its own, as reading a
     * terminal blocks; the run ends with its tasks whether or not this input has.
     */
    private static void forwardStdin(StyxClient c, String path) {
        Thread t = new Thread(() -> {
            try {
                RemoteFid in = c.open(path, P9.OWRITE).get();
                try {
                    byte[] buf = new byte[in.iounit()];
                    long offset = 0;
                    for (int k; (k = System.in.read(buf)) > 0; offset += k) {
                        in.write(offset, Arrays.copyOf(buf, k)).get();
                    }
                } finally {
                    in.clunk().get();
                }
            } catch (Exception e) {
                // The tasks no longer read (they ended, or the run was released): the input has nowhere to go.
            }
        }, "taskfs-run-stdin");
        t.setDaemon(true);
        t.start();
    }

    /**
     * The res, which waits while the pool is busy (state Pending) for as long as it takes: no request timeout.
     * A watcher at a terminal is told, from one second on, what it waits for. Ctrl-C ends this process, and so
     * its connection: the server withdraws the waiting res, and nothing stays reserved.
     */
    private void reserve(StyxClient c, RemoteFid ctl, String session, String command) throws Exception {
        CompletableFuture<Integer> reserved = ctl.withTimeout(Duration.ZERO)
                .write(0, command.getBytes(StandardCharsets.UTF_8));
        if (!(progress != null ? progress : Terminal.isStderr())) {
            reserved.get();
            return;
        }
        WaitingLine text = new WaitingLine(c, session, n);
        try (ProgressLine screen = new ProgressLine(true, System.err, text::get)) {
            reserved.get();
        }
    }

    /**
     * {@code taskfs run: waiting for 8 slots (3 free, 2 ahead in the queue)}, from the root ns: its members' free
     * slots and the pending lines before this session's, which are listed in the order they will be served. Read
     * at most once a second.
     */
    static final class WaitingLine {
        private final StyxClient c;
        private final String id;
        private final int n;
        private long readAt;
        private String last;

        WaitingLine(StyxClient c, String session, int n) {
            this.c = c;
            this.id = session.substring(1);
            this.n = n;
            this.last = "taskfs run: waiting for " + n + " slot" + (n == 1 ? "" : "s");
        }

        synchronized String get() {
            if (System.nanoTime() - readAt < 1_000_000_000L && readAt != 0) {
                return last;
            }
            readAt = System.nanoTime();
            try {
                last = text(n, id, c.readString("/ns").get(1, TimeUnit.SECONDS));
            } catch (Exception e) {
                // the last line stays: the answer to the res is what matters
            }
            return last;
        }

        static String text(int n, String id, String ns) {
            int free = 0;
            int ahead = 0;
            boolean listed = false;
            for (String line : ns.split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f[0].equals("pending") && f.length > 1) {
                    listed |= f[1].equals(id);
                    ahead += listed ? 0 : 1;
                }
            }
            for (org.taskfs.task.Capacity m : org.taskfs.task.Capacity.parse(ns)) {
                free += m.free();
            }
            return "taskfs run: waiting for " + n + " slot" + (n == 1 ? "" : "s") + " (" + free + " free"
                    + (listed ? ", " + ahead + " ahead in the queue" : "") + ")";
        }
    }

    private static void ctl(RemoteFid ctl, String command) throws Exception {
        ctl.write(0, command.getBytes(StandardCharsets.UTF_8)).get();
    }

    /** A stream's chunks as whole lines: the server ends every wait line and tagged line with a newline. */
    private static Consumer<byte[]> lines(Consumer<byte[]> line) {
        Lines cut = new Lines();
        return b -> cut.feed(b, line);
    }

    /** The server's tag ({@code I: }) of each line made {@code NODE/I: }. */
    private static Consumer<byte[]> retag(List<String> nodes, Consumer<byte[]> to) {
        return line -> {
            String s = new String(line, StandardCharsets.UTF_8);
            int colon = s.indexOf(": ");
            int task = colon > 0 ? parseIndex(s.substring(0, colon), nodes.size()) : -1;
            to.accept(task < 0 ? line : (nodes.get(task) + "/" + s).getBytes(StandardCharsets.UTF_8));
        };
    }

    /** {@code text} as a task index below {@code size}, else -1. */
    static int parseIndex(String text, int size) {
        try {
            int i = Integer.parseInt(text);
            return i >= 0 && i < size ? i : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A line per task that did not exit 0, in task order, and the exit status (see the command's footer). */
    private int report(String session, List<String> nodes, Waits waits, boolean[] unfinished, String execError) {
        String[] messages = waits.messages();
        if (execError != null && Arrays.stream(messages).allMatch(m -> m == null)) {
            System.err.println("taskfs run: " + execError); // refused before any task had a run
            return FAILED_TO_RUN;
        }
        int status = 0;
        for (int i = 0; i < n; i++) {
            String what;
            if (unfinished != null && unfinished[i]) {
                what = "timed out after " + Pool.Settings.seconds(timeout);
            } else if (messages[i] == null) {
                what = "no wait line: how it ended is unknown";
                status = FAILED_TO_RUN;
            } else {
                status = Math.max(status, exitStatus(messages[i]));
                if (messages[i].isEmpty()) {
                    continue;
                }
                what = messages[i];
            }
            System.err.println("taskfs run: task " + session + "/" + i + " (node " + nodes.get(i) + "): " + what);
        }
        return unfinished != null ? TIMED_OUT : status;
    }

    /** A wait message as an exit status: see the command's footer. */
    static int exitStatus(String message) {
        if (message.isEmpty()) {
            return 0;
        }
        if (message.equals("killed")) {
            return 128 + 15;
        }
        for (String prefix : List.of("exit: ", "signal: ")) {
            if (message.startsWith(prefix)) {
                int k = parseIndex(message.substring(prefix.length()), prefix.equals("exit: ") ? 256 : 65);
                if (k >= 0) {
                    return prefix.equals("exit: ") ? k : 128 + k;
                }
            }
        }
        return FAILED_TO_RUN;
    }

    /** The wait lines as they come: each task's message once it has ended. Filled on the client's event loop. */
    static final class Waits {
        private final String[] messages;

        Waits(int n) {
            messages = new String[n];
        }

        /** One {@code PATH PID USER SYS REAL 'MSG'} line. */
        synchronized void add(byte[] line) {
            List<String> f = PlanNineQuoting.tokenize(new String(line, StandardCharsets.UTF_8).strip());
            int task = f.size() == 6 ? parseIndex(f.get(0), messages.length) : -1;
            if (task >= 0) {
                messages[task] = f.get(5);
            }
        }

        synchronized String[] messages() {
            return messages.clone();
        }

        /** Which tasks have no wait line yet. */
        synchronized boolean[] unfinished() {
            boolean[] u = new boolean[messages.length];
            for (int i = 0; i < u.length; i++) {
                u[i] = messages[i] == null;
            }
            return u;
        }

        synchronized String progress(long elapsedNanos) {
            int done = 0;
            int failed = 0;
            for (String m : messages) {
                if (m != null) {
                    if (m.isEmpty()) {
                        done++;
                    } else {
                        failed++;
                    }
                }
            }
            return String.format(Locale.ROOT, "taskfs run: %d/%d done, %d running, %d failed, %.1f s",
                    done, messages.length, messages.length - done - failed, failed, elapsedNanos / 1e9);
        }
    }

    /** A failure of taskfs itself, not of a task: the one-line error, and {@value #FAILED_TO_RUN} as ssh has it. */
    static final class CouldNotRun extends Exception implements CommandLine.IExitCodeGenerator {
        CouldNotRun(Exception cause) {
            super(Failures.text(cause), Failures.cause(cause));
        }

        @Override
        public int getExitCode() {
            return FAILED_TO_RUN;
        }
    }
}
