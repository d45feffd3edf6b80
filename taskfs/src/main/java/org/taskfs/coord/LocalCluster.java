package org.taskfs.coord;

import java.util.ArrayList;
import java.util.List;
import org.taskfs.node.NodeDaemon;
import org.taskfs.styx.dial.DialAddress;

/**
 * The embedded default: a coordinator and K node daemons in this process, on loopback. It is what
 * {@code taskfs up} runs, and what tests and benchmarks stand up.
 */
public final class LocalCluster implements AutoCloseable {
    private final List<NodeDaemon> nodes;
    private final Coordinator coordinator;

    private LocalCluster(List<NodeDaemon> nodes, Coordinator coordinator) {
        this.nodes = nodes;
        this.coordinator = coordinator;
    }

    /**
     * @param listen      the coordinator's address
     * @param nodeCount   how many node daemons
     * @param firstPort   port of the first node, the others following; 0 picks free ports
     * @param slotsEach   slots per node; 0 for the number of processors
     */
    public static LocalCluster start(DialAddress listen, int nodeCount, int firstPort, int slotsEach) {
        return start(Coordinator.Config.defaults(listen), nodeCount, firstPort, slotsEach);
    }

    public static LocalCluster start(Coordinator.Config config, int nodeCount, int firstPort, int slotsEach) {
        List<NodeDaemon> nodes = new ArrayList<>();
        List<Coordinator.MemberSpec> members = new ArrayList<>(config.members());
        try {
            for (int i = 0; i < nodeCount; i++) {
                DialAddress at = DialAddress.tcp("127.0.0.1", firstPort == 0 ? 0 : firstPort + i);
                // The coordinator dials its nodes with its own auth, so they ask for the same.
                NodeDaemon.Config nc = NodeDaemon.Config.defaults(at).withSecurity(config.security());
                if (slotsEach > 0) {
                    nc = nc.withSlots(slotsEach);
                }
                NodeDaemon n = NodeDaemon.start(nc);
                nodes.add(n);
                members.add(new Coordinator.MemberSpec(n.address(), "node" + i));
            }
            return new LocalCluster(nodes, Coordinator.start(config.withMembers(members)));
        } catch (RuntimeException e) {
            nodes.forEach(NodeDaemon::close);
            throw e;
        }
    }

    public Coordinator coordinator() {
        return coordinator;
    }

    public DialAddress address() {
        return coordinator.address();
    }

    public List<NodeDaemon> nodes() {
        return nodes;
    }

    /** Stops the coordinator (releasing its sessions), then every node (killing what still runs). */
    @Override
    public void close() {
        coordinator.close();
        nodes.forEach(NodeDaemon::close);
    }
}
