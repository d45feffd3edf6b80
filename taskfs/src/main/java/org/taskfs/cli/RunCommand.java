package org.taskfs.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.util.PlanNineQuoting;
import org.taskfs.styx.util.Futures;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code taskfs run}: one command on N tasks, output streamed as it comes, a line per failed task
 * on stderr, and a non-zero exit if any failed (what pdsh users expect).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a command on N tasks of a coordinator: clone, res, exec, stream the output, release.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    ClientCommands.Server server;

    @Mixin
    AuthOption auth;

    @Option(names = "-n", paramLabel = "N", defaultValue = "1", description = "Tasks to run (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--tagged", description = "Prefix each output line with its task's path (pdsh style).")
    boolean tagged;

    @Option(names = "--os", paramLabel = "OS", defaultValue = "*", description = "Only nodes of this OS (e.g. Linux).")
    String os;

    @Option(names = "--arch", paramLabel = "ARCH", defaultValue = "*", description = "Only nodes of this architecture.")
    String arch;

    @Parameters(paramLabel = "CMD", arity = "1..*", description = "The command and its arguments.")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        if (n < 1) {
            throw new IllegalArgumentException("-n must be 1 or more");
        }
        try (StyxClient c = server.connect(auth)) {
            RemoteFid ctl = c.open("/clone", P9.ORDWR).get();
            String session = "/" + new String(ctl.read(0, 32).get(), StandardCharsets.UTF_8).trim();
            try {
                ctl(ctl, tagged ? "output tagged" : "output lines");
                ctl(ctl, "res " + n + " " + PlanNineQuoting.quote(os) + " " + PlanNineQuoting.quote(arch));
                // Released (tasks killed) if this client goes away before it is done.
                ctl(ctl, "killonclose");
                ctl(ctl, "exec " + command.stream().map(PlanNineQuoting::quote).collect(Collectors.joining(" ")));
                StyxClient streaming = c.withTimeout(Duration.ZERO);
                forwardStdin(streaming, session + "/stdin");
                CompletableFuture<Long> out = copy(streaming, session + "/stdout", System.out);
                CompletableFuture<Long> err = copy(streaming, session + "/stderr", System.err);
                String waits = streaming.readString(session + "/wait").get();
                out.get();
                err.get();
                return report(waits);
            } finally {
                Futures.settled(ctl.write(0, "release".getBytes(StandardCharsets.UTF_8))).get();
                Futures.settled(ctl.clunk()).get();
            }
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
                        in.write(offset, java.util.Arrays.copyOf(buf, k)).get();
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

    private static void ctl(RemoteFid ctl, String command) throws Exception {
        ctl.write(0, command.getBytes(StandardCharsets.UTF_8)).get();
    }

    private static CompletableFuture<Long> copy(StyxClient c, String path, PrintStream to) {
        return c.stream(path, b -> {
            synchronized (to) {
                to.write(b, 0, b.length);
                to.flush();
            }
        });
    }

    /** One line per task that did not exit 0; the exit status says whether any did not. */
    private static int report(String waits) {
        List<String> failed = new ArrayList<>();
        for (String line : waits.split("\n")) {
            List<String> f = PlanNineQuoting.tokenize(line);
            if (f.size() == 6 && !f.get(5).isEmpty()) {
                failed.add("taskfs run: task " + f.get(0) + ": " + f.get(5));
            }
        }
        failed.forEach(System.err::println);
        return failed.isEmpty() ? 0 : 1;
    }
}
