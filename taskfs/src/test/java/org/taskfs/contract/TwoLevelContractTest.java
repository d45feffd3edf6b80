package org.taskfs.contract;

import java.util.List;
import org.taskfs.coord.Coordinator;
import org.taskfs.coord.LocalCluster;
import org.taskfs.styx.dial.DialAddress;

/**
 * The contract against a coordinator whose one member is another coordinator (over two node
 * daemons of 4 slots each): the tree a user sees is the same, task paths included.
 */
class TwoLevelContractTest extends TaskServerContract {
    private LocalCluster lower;
    private Coordinator top;

    @Override
    DialAddress startServer() {
        lower = LocalCluster.start(DialAddress.tcp("127.0.0.1", 0), 2, 0, SLOTS / 2);
        top = Coordinator.start(Coordinator.Config.defaults(DialAddress.tcp("127.0.0.1", 0))
                .withMembers(List.of(new Coordinator.MemberSpec(lower.address(), "sub"))));
        return top.address();
    }

    @Override
    void stopServer() {
        if (top != null) {
            top.close();
        }
        if (lower != null) {
            lower.close();
        }
    }

    @Override
    List<String> memberNames() {
        return List.of("sub");
    }
}
