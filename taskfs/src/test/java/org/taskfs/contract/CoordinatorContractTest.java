package org.taskfs.contract;

import java.util.List;
import org.taskfs.coord.LocalCluster;
import org.taskfs.styx.dial.DialAddress;

/** The contract against a coordinator over two node daemons of 4 slots each. */
class CoordinatorContractTest extends TaskServerContract {
    private LocalCluster cluster;

    @Override
    DialAddress startServer() {
        cluster = LocalCluster.start(DialAddress.tcp("127.0.0.1", 0), 2, 0, SLOTS / 2);
        return cluster.address();
    }

    @Override
    void stopServer() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    List<String> memberNames() {
        return List.of("node0", "node1");
    }
}
