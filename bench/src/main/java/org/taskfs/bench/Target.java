package org.taskfs.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.taskfs.coord.Coordinator;
import org.taskfs.coord.LocalCluster;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.task.Security;

/**
 * The coordinator a driver measures: the one at {@code --addr} (started by bench/run with
 * {@code taskfs up}, so server and client are separate processes as in real use), or, without it,
 * a {@link LocalCluster} in this process (the tests).
 */
final class Target implements AutoCloseable {
    /** Generous per-request bound: a benchmark that hangs is worse than one that fails. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);

    private final LocalCluster local;
    private final DialAddress address;
    private final AuthMethod auth;

    private Target(LocalCluster local, DialAddress address, AuthMethod auth) {
        this.local = local;
        this.address = address;
        this.auth = auth;
    }

    /** {@code --addr A}, {@code --auth METHOD} (how to authenticate to A), or {@code --nodes K --slots S}. */
    static Target of(Args args) {
        String addr = args.string("addr", null);
        AuthMethod auth = args.auth();
        int nodes = args.integer("nodes", 4);
        int slots = args.integer("slots", 128);
        if (addr != null) {
            return new Target(null, DialAddress.parse(addr, 5555), auth);
        }
        LocalCluster c = LocalCluster.start(Coordinator.Config.defaults(DialAddress.tcp("127.0.0.1", 0))
                .withSecurity(Security.LOCAL.withAuth(auth)), nodes, 0, slots);
        return new Target(c, c.address(), auth);
    }

    DialAddress address() {
        return address;
    }

    StyxClient connect() throws Exception {
        return connect(address, auth);
    }

    /** A server of the target's cluster (one of its nodes), authenticated to as the target is. */
    StyxClient connect(DialAddress at) throws Exception {
        return connect(at, auth);
    }

    static StyxClient connect(DialAddress at, AuthMethod auth) throws Exception {
        return StyxClient.connect(at, ClientOptions.defaults().withRequestTimeout(REQUEST_TIMEOUT).withAuth(auth))
                .get();
    }

    /** The address of the coordinator's first member, from its root {@code ns} ({@code mount ADDR NAME …}). */
    DialAddress firstNode() throws Exception {
        try (StyxClient c = connect()) {
            String ns = new String(c.readAll("ns").get(), StandardCharsets.UTF_8);
            for (String line : ns.split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 3 && f[0].equals("mount")) {
                    return DialAddress.parse(f[1], 6666);
                }
            }
            throw new IllegalStateException("the coordinator at " + address + " has no members: " + ns);
        }
    }

    @Override
    public void close() {
        if (local != null) {
            local.close();
        }
    }
}
