package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.taskfs.node.NodeDaemon;
import org.taskfs.task.ResCommand;

/** {@code res N nodes=HOSTLIST exclude=HOSTLIST}: placement among the members a hostlist names. */
class ResNodesTest extends ClusterTestBase {

    /** How many of the session's tasks each member (by name) holds, from the session's ns and the root's. */
    private static Map<String, Long> tasksPerMember(Sh sh, String session) throws Exception {
        Map<String, String> names = sh.lines("/ns").stream().map(l -> l.split(" "))
                .collect(Collectors.toMap(f -> f[1], f -> f[2]));
        return sh.lines("/" + session + "/ns").stream()
                .map(l -> names.get(l.split(" ")[1].replaceAll("!/\\d+/\\d+$", "")))
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    @Test
    void nodesPlacesOnlyOnTheMembersNamed() throws Exception {
        LocalCluster c = cluster(4, 2);
        Sh sh = sh(c);
        String s = sh.newSession();

        sh.echo("/" + s + "/ctl", "res 4 nodes=node[0-1]");

        assertThat(tasksPerMember(sh, s)).containsOnly(Map.entry("node0", 2L), Map.entry("node1", 2L));
        assertThat(c.nodes().get(2).tasks().taskCount()).isZero();
        assertThat(c.nodes().get(3).tasks().taskCount()).isZero();
        // They run there, too: each task on its member's node.
        sh.echo("/" + s + "/ctl", "exec true");
        assertThat(sh.lines("/" + s + "/wait")).hasSize(4).allMatch(l -> l.endsWith(" ''"));
    }

    @Test
    void asManyTasksAsNamesIsOneOnEach() throws Exception {
        LocalCluster c = cluster(4, 4);
        Sh sh = sh(c);
        String s = sh.newSession();

        sh.echo("/" + s + "/ctl", "res 3 Linux * nodes=node1,node[2-3]");

        assertThat(tasksPerMember(sh, s)).containsOnly(Map.entry("node1", 1L), Map.entry("node2", 1L),
                Map.entry("node3", 1L));
    }

    @Test
    void excludeKeepsTasksOffTheMembersNamed() throws Exception {
        LocalCluster c = cluster(4, 2);
        Sh sh = sh(c);
        String s = sh.newSession();

        sh.echo("/" + s + "/ctl", "res 4 exclude=node[0-1]");
        assertThat(tasksPerMember(sh, s)).containsOnly(Map.entry("node2", 2L), Map.entry("node3", 2L));

        // Both at once: nodes= less exclude=; a name excluded need not be a member.
        sh.echo("/" + s + "/ctl", "release");
        String t = sh.newSession();
        sh.echo("/" + t + "/ctl", "res 2 nodes=node[0-2] exclude=node1,node9");
        assertThat(tasksPerMember(sh, t)).containsOnly(Map.entry("node0", 1L), Map.entry("node2", 1L));
    }

    @Test
    void aNameThatIsNoMemberOrTooFewSlotsIsRefusedAndNothingStaysReserved() throws Exception {
        LocalCluster c = cluster(4, 2);
        Sh sh = sh(c);
        String s = sh.newSession();

        assertThat(sh.echoFails("/" + s + "/ctl", "res 1 nodes=node9")).isEqualTo("res: no member named node9");
        assertThat(sh.echoFails("/" + s + "/ctl", "res 1 nodes=node[1-3,8-9]"))
                .isEqualTo("res: no members named node[8-9]");
        assertThat(sh.echoFails("/" + s + "/ctl", "res 5 nodes=node[0-1]"))
                .matches("res: not enough capacity: asked 5, 4 slots in the pool \\(\\S+ \\S+, nodes=node\\[0-1\\]\\)");
        assertThat(sh.echoFails("/" + s + "/ctl", "res 7 exclude=node0"))
                .matches("res: not enough capacity: asked 7, 6 slots in the pool \\(\\S+ \\S+, exclude=node0\\)");
        assertThat(sh.echoFails("/" + s + "/ctl", "res 1 nodes=node[3-1]"))
                .isEqualTo("res: hostlist \"node[3-1]\": range 3-1 runs backwards");
        assertThat(sh.echoFails("/" + s + "/ctl", "res 1 nodes=node0 nodes=node1"))
                .isEqualTo("res: nodes= given twice; give one hostlist (n1,n[3-5])");
        assertThat(sh.echoFails("/" + s + "/ctl", "res 1 nodes="))
                .isEqualTo("res: nodes= names no members; expected nodes=HOSTLIST");
        assertThat(sh.echoFails("/" + s + "/ctl", "res 1 node=node0"))
                .isEqualTo("res: unknown word \"node=node0\"; expected " + ResCommand.USAGE);
        assertThat(sh.echoFails("/" + s + "/ctl", "res 1 nodes=node0 Linux"))
                .startsWith("res: \"Linux\" after nodes= or exclude=");

        assertThat(sh.cat("/" + s + "/ns")).isEmpty();
        for (NodeDaemon n : c.nodes()) {
            assertThat(n.tasks().taskCount()).isZero();
        }
        sh.echo("/" + s + "/ctl", "res 8");
    }

    @Test
    void aNodeDaemonHasNoMembersToChoose() throws Exception {
        LocalCluster c = cluster(1, 2);
        Sh node = sh(c.nodes().get(0).address());
        String s = node.newSession();

        assertThat(node.echoFails("/" + s + "/ctl", "res 1 nodes=node0"))
                .startsWith("res: nodes= and exclude= choose among a coordinator's members; this is a node daemon");
        assertThat(node.cat("/" + s + "/ns")).isEmpty();
    }

    /** The names are the members of the coordinator that has them: the one above chooses among its own. */
    @Test
    void throughATreeTheChoiceIsMadeWhereTheMembersAre() throws Exception {
        LocalCluster lower1 = cluster(2, 2);
        LocalCluster lower2 = cluster(2, 2);
        Coordinator top = closeLater(Coordinator.start(Coordinator.Config.defaults(LOOPBACK).withMembers(List.of(
                new Coordinator.MemberSpec(lower1.address(), "rack1"),
                new Coordinator.MemberSpec(lower2.address(), "rack2")))));
        Sh sh = sh(top.address());
        String s = sh.newSession();

        sh.echo("/" + s + "/ctl", "res 3 nodes=rack2 exclude=rack1");
        assertThat(tasksPerMember(sh, s)).containsOnly(Map.entry("rack2", 3L));
        // Spread below as any res is: the coordinator below was not told of the choice.
        assertThat(lower2.nodes()).extracting(n -> n.tasks().taskCount()).containsExactlyInAnyOrder(1, 2);
        // The nodes below are not the top's members.
        assertThat(sh.echoFails("/" + s + "/ctl", "res 1 nodes=node0")).isEqualTo("res: no member named node0");
    }
}
