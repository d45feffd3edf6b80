package org.taskfs.coord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Separate hosts on one machine: K network namespaces, each with an address of its own on a /24, joined by
 * veth pairs to a bridge in the root namespace, which has the subnet's {@code .1} (where a coordinator in
 * the test's JVM listens and dials from). Traffic between the root namespace and a host crosses real
 * interfaces (a veth, the bridge), so a link can be taken down under a live connection.
 *
 * <p>Needs root and iproute2. Every name carries this JVM's pid and a run number (namespaces
 * {@code tfns-PID-RUN-hI}; links, at most 15 characters, {@code tfPIDrRUN…}), so runs side by side never meet.
 * {@link #close} kills what runs in the namespaces (only ours can run there) and removes the namespaces, the
 * veths and the bridge, also when the test failed; a shutdown hook does it if the JVM ends first.
 */
final class NetHosts implements AutoCloseable {
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final String prefix;
    private final String bridge;
    private final int subnet;
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> links = new ArrayList<>();
    private final Thread hook;
    private boolean closed;

    private NetHosts(String prefix, String bridge, int subnet) {
        this.prefix = prefix;
        this.bridge = bridge;
        this.subnet = subnet;
        this.hook = new Thread(this::removeAll, "net-hosts-cleanup");
    }

    /** Makes {@code k} hosts: {@code 10.231.N.11} … on a bridge at {@code 10.231.N.1}, N a subnet no interface uses. */
    static NetHosts create(int k) throws Exception {
        long pid = ProcessHandle.current().pid();
        int run = RUNS.incrementAndGet();
        String linkBase = "tf" + pid + "r" + run;
        if (linkBase.length() + 2 > 15) {
            throw new IllegalStateException("link names too long: " + linkBase);
        }
        NetHosts h = null;
        // Another run may take the same free subnet at the same moment: the address is checked to be ours alone
        // once added, and another subnet tried if not.
        int start = (int) (pid % 200) + 20;
        for (int attempt = 0; attempt < 20 && h == null; attempt++) {
            int n = 20 + (start - 20 + attempt * 7) % 230;
            if (subnetInUse(n)) {
                continue;
            }
            NetHosts candidate = new NetHosts("tfns-" + pid + "-" + run, linkBase + "b", n);
            Runtime.getRuntime().addShutdownHook(candidate.hook);
            try {
                candidate.ip("link", "add", candidate.bridge, "type", "bridge");
                candidate.links.add(candidate.bridge);
                candidate.ip("addr", "add", candidate.rootAddress() + "/24", "dev", candidate.bridge);
                candidate.ip("link", "set", candidate.bridge, "up");
                if (ownersOf(candidate.rootAddress()) == 1) {
                    h = candidate;
                } else {
                    candidate.close();
                }
            } catch (Exception e) {
                candidate.close();
                throw e;
            }
        }
        if (h == null) {
            throw new IOException("no free 10.231.N.0/24 subnet for the test hosts");
        }
        try {
            for (int i = 0; i < k; i++) {
                h.addHost(i, linkBase);
            }
        } catch (Exception e) {
            h.close();
            throw e;
        }
        return h;
    }

    private void addHost(int i, String linkBase) throws Exception {
        String ns = prefix + "-h" + i;
        String outside = linkBase + "h" + i;
        String inside = linkBase + "p" + i;
        ip("netns", "add", ns);
        namespaces.add(ns);
        ip("link", "add", outside, "type", "veth", "peer", "name", inside);
        links.add(outside);
        ip("link", "set", inside, "netns", ns);
        ip("link", "set", outside, "master", bridge);
        ip("link", "set", outside, "up");
        // Inside, the host's interface is eth0, as on a machine of its own.
        ip("-n", ns, "link", "set", inside, "name", "eth0");
        ip("-n", ns, "addr", "add", address(i) + "/24", "dev", "eth0");
        ip("-n", ns, "link", "set", "eth0", "up");
        ip("-n", ns, "link", "set", "lo", "up");
    }

    int size() {
        return namespaces.size();
    }

    /** The root namespace's address on the bridge: where a coordinator here listens. */
    String rootAddress() {
        return "10.231." + subnet + ".1";
    }

    /** Host i's address. */
    String address(int i) {
        return "10.231." + subnet + "." + (11 + i);
    }

    String namespace(int i) {
        return namespaces.get(i);
    }

    /** The root side of host i's link (a port of the bridge). */
    String link(int i) {
        return links.get(i + 1);
    }

    /** {@code argv} run inside host i. */
    List<String> inHost(int i, List<String> argv) {
        List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", namespace(i)));
        out.addAll(argv);
        return out;
    }

    /** Takes host i's link down on the root side: packets to and from it are dropped, connections stay open. */
    void linkDown(int i) throws Exception {
        ip("link", "set", link(i), "down");
    }

    void linkUp(int i) throws Exception {
        ip("link", "set", link(i), "up");
    }

    /** How many TCP connections to {@code port} on host i are established, as the host's kernel sees them. */
    int connectionsTo(int i, int port) throws Exception {
        String out = run(inHost(i, List.of("ss", "-tnH", "state", "established", "( sport = :" + port + " )")));
        return (int) out.lines().filter(l -> !l.isBlank()).count();
    }

    @Override
    public void close() {
        removeAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private synchronized void removeAll() {
        if (closed) {
            return;
        }
        closed = true;
        for (String ns : namespaces) {
            // A namespace lives on while a process runs in it: end them first (all ours, none else enter it).
            try {
                for (String pid : run(List.of("ip", "netns", "pids", ns)).split("\\s+")) {
                    if (!pid.isBlank()) {
                        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
            } catch (Exception e) {
                System.err.println("NetHosts: cannot list the processes of " + ns + ": " + e.getMessage());
            }
        }
        for (String ns : namespaces) {
            quietly(List.of("ip", "netns", "del", ns)); // takes the inner end of its veth, and so the pair
        }
        for (String l : links) {
            if (linkExists(l)) {
                quietly(List.of("ip", "link", "del", l));
            }
        }
    }

    private static boolean linkExists(String name) {
        try {
            return run(List.of("ip", "-o", "link", "show", "dev", name)).contains(name);
        } catch (Exception e) {
            return false;
        }
    }

    private static void quietly(List<String> argv) {
        try {
            run(argv);
        } catch (Exception e) {
            System.err.println("NetHosts: " + e.getMessage());
        }
    }

    private static boolean subnetInUse(int n) throws Exception {
        String needle = "10.231." + n + ".";
        return run(List.of("ip", "-4", "-o", "addr", "show")).contains(needle)
                || run(List.of("ip", "-4", "route", "show", "table", "all")).contains(needle);
    }

    private static long ownersOf(String address) throws Exception {
        return run(List.of("ip", "-4", "-o", "addr", "show")).lines()
                .filter(l -> l.contains(" inet " + address + "/")).count();
    }

    private void ip(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        run(argv);
    }

    /** Runs a command, its stdout returned; a failure or a hang is an exception naming it and what it said. */
    static String run(List<String> argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", argv) + ": no end after 30 s");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + ": exit " + p.exitValue() + ": " + text.strip());
        }
        return text;
    }
}
