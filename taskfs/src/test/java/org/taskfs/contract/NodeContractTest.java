package org.taskfs.contract;

import java.util.List;
import org.taskfs.node.NodeDaemon;
import org.taskfs.styx.dial.DialAddress;

/** The contract against a node daemon of 8 slots: its tasks are local processes. */
class NodeContractTest extends TaskServerContract {
    private NodeDaemon node;

    @Override
    DialAddress startServer() {
        node = NodeDaemon.start(NodeDaemon.Config.defaults(DialAddress.tcp("127.0.0.1", 0)).withSlots(SLOTS));
        return node.address();
    }

    @Override
    void stopServer() {
        if (node != null) {
            node.close();
        }
    }

    @Override
    List<String> memberNames() {
        return List.of("local");
    }
}
