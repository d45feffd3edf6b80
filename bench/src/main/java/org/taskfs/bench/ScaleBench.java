package org.taskfs.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.taskfs.coord.Coordinator;
import org.taskfs.coord.pool.Pool;
import org.taskfs.node.NodeDaemon;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.dial.DialAddress;

/**
 * Row 7: scale. Many node daemons, {@code --per-jvm} to a process ({@code Bench nodes}, which also
 * stands up a coordinator over its own nodes), and a coordinator in this JVM over them in two
 * shapes: flat (every node mounted directly) and a tree (this coordinator mounts the coordinators
 * of the node processes, each over its nodes: three levels counting the nodes). Each shape runs
 * {@code res T}, {@code exec true} and reads {@code wait} to EOF. With the session still held, the
 * heap this JVM uses after GC, above what it used before the run, and its peak thread count are
 * the coordinator's (the client in this JVM is one connection).
 */
final class ScaleBench {
    private ScaleBench() {}

    /**
     * The pool's timings, but a member may take a minute to answer: on 2 cores the exec of 4,096 tasks keeps
     * every node busy for longer than the default 10 s request timeout, and that row measures the time taken.
     */
    static final Pool.Settings PATIENT = new Pool.Settings(Pool.Settings.DEFAULTS.heartbeat(), Duration.ofSeconds(60),
            Pool.Settings.DEFAULTS.reconnect(), Duration.ofSeconds(120));

    private static Coordinator coordinator(List<Coordinator.MemberSpec> members) {
        return Coordinator.start(Coordinator.Config.defaults(DialAddress.tcp("127.0.0.1", 0)).withMembers(members)
                .withPool(PATIENT));
    }

    static void scale(Args a, Samples out) throws Exception {
        int nodes = a.integer("nodes", 256);
        int perJvm = a.integer("per-jvm", 64);
        int tasks = a.integer("tasks", 4096);
        int runs = a.integer("runs", 3);
        int warmup = a.integer("warmup", 1);
        if (nodes % perJvm != 0 || tasks % nodes != 0) {
            throw new IllegalArgumentException("--nodes must be a multiple of --per-jvm, --tasks of --nodes");
        }
        int slots = tasks / nodes;
        out.meta("scale.shape", nodes + " nodes (" + perJvm + " per JVM), " + tasks + " tasks, " + slots
                + " slots each, member request timeout " + PATIENT.requestTimeout().toSeconds() + " s");
        List<NodeProcess> procs = new ArrayList<>();
        try {
            for (int i = 0; i < nodes / perJvm; i++) {
                procs.add(NodeProcess.start(i, perJvm, slots));
            }
            List<Coordinator.MemberSpec> flat = new ArrayList<>();
            List<Coordinator.MemberSpec> tree = new ArrayList<>();
            for (NodeProcess p : procs) {
                for (int i = 0; i < p.nodes.size(); i++) {
                    flat.add(new Coordinator.MemberSpec(p.nodes.get(i), "n" + (flat.size())));
                }
                tree.add(new Coordinator.MemberSpec(p.coordinator, "c" + p.index));
            }
            shape(out, "scale.flat", flat, tasks, runs, warmup);
            shape(out, "scale.tree", tree, tasks, runs, warmup);
        } finally {
            procs.forEach(NodeProcess::close);
        }
    }

    private static void shape(Samples out, String key, List<Coordinator.MemberSpec> members, int tasks, int runs,
            int warmup) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (Coordinator coord = coordinator(members);
                StyxClient c = Target.connect(coord.address(), org.taskfs.styx.auth.AuthMethod.NONE)) {
            for (int i = 0; i < warmup + runs; i++) {
                long before = HeapBench.usedAfterGc();
                threads.resetPeakThreadCount();
                long[] held = new long[2];
                SessionBench.Run r = SessionBench.run(c, tasks, "true", "wait", () -> {
                    held[0] = HeapBench.usedAfterGc();
                    held[1] = threads.getPeakThreadCount();
                });
                SessionBench.checkWait(r.output(), tasks);
                if (i >= warmup) {
                    out.add(key + ".taskfs", SessionBench.ms(r.total()));
                    out.add(key + ".heap", (held[0] - before) / 1e6);
                    out.add(key + ".threads", held[1]);
                }
            }
        }
    }

    /**
     * {@code Bench nodes --count K --slots S}: K node daemons on loopback and a coordinator over them, in
     * this process; prints {@code NODE ADDR} per node, {@code COORD ADDR}, then {@code READY}, and serves
     * until stdin closes (its parent gone).
     */
    static void nodes(Args a) throws Exception {
        int count = a.integer("count", 64);
        int slots = a.integer("slots", 16);
        a.checkAllUsed();
        List<NodeDaemon> daemons = new ArrayList<>();
        List<Coordinator.MemberSpec> members = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            NodeDaemon n = NodeDaemon.start(NodeDaemon.Config.defaults(DialAddress.tcp("127.0.0.1", 0)).withSlots(slots));
            daemons.add(n);
            members.add(new Coordinator.MemberSpec(n.address(), "n" + i));
            System.out.println("NODE " + n.address());
        }
        Coordinator coord = coordinator(members);
        System.out.println("COORD " + coord.address());
        System.out.println("READY");
        System.out.flush();
        while (System.in.read() >= 0) {
            // serve until the parent closes our stdin
        }
        coord.close();
        daemons.forEach(NodeDaemon::close);
    }

    /** A {@code Bench nodes} child process. */
    private static final class NodeProcess implements AutoCloseable {
        final int index;
        final Process process;
        final List<DialAddress> nodes = new ArrayList<>();
        DialAddress coordinator;

        private NodeProcess(int index, Process process) {
            this.index = index;
            this.process = process;
        }

        static NodeProcess start(int index, int count, int slots) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    Bench.class.getName(), "nodes", "--count", Integer.toString(count), "--slots", Integer.toString(slots))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            NodeProcess np = new NodeProcess(index, p);
            try {
                BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                for (String line; (line = r.readLine()) != null && !line.equals("READY");) {
                    if (line.startsWith("NODE ")) {
                        np.nodes.add(DialAddress.parse(line.substring(5), 6666));
                    } else if (line.startsWith("COORD ")) {
                        np.coordinator = DialAddress.parse(line.substring(6), 5555);
                    }
                }
                if (np.coordinator == null || np.nodes.size() != count) {
                    throw new IOException("node process " + index + " ended before it was ready (exit "
                            + (p.waitFor(5, TimeUnit.SECONDS) ? p.exitValue() : "?") + ")");
                }
                return np;
            } catch (IOException | RuntimeException e) {
                np.close();
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                np.close();
                throw new IOException(e);
            }
        }

        @Override
        public void close() {
            try {
                process.getOutputStream().close();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (IOException | InterruptedException e) {
                process.destroyForcibly();
            }
        }
    }
}
