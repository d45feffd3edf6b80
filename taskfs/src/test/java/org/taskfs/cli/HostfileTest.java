package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.taskfs.cli.CliTest.taskfs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.cli.CliTest.Run;
import org.taskfs.coord.Coordinator;
import org.taskfs.coord.Coordinator.MemberSpec;
import org.taskfs.coord.Sh;
import org.taskfs.node.NodeDaemon;
import org.taskfs.styx.dial.DialAddress;

/** Hostfiles and {@code serve --node} with hostlists in them. */
class HostfileTest {
    @TempDir
    Path dir;

    private List<MemberSpec> read(String text) throws Exception {
        Path f = dir.resolve("hosts");
        Files.writeString(f, text);
        return Hostfile.read(f);
    }

    private static MemberSpec member(String address, String name) {
        return new MemberSpec(DialAddress.parse(address, NodeDaemon.DEFAULT_PORT), name);
    }

    @Test
    void plainLinesAreAsBefore() throws Exception {
        assertThat(read("# the rack\nn1 10.0.0.1\n10.0.0.2:7000   # unnamed\n\n[::1]:6667\nn4 [::1]\n")).containsExactly(
                member("10.0.0.1", "n1"), member("10.0.0.2:7000", null), member("[::1]:6667", null),
                member("[::1]", "n4"));
    }

    @Test
    void aLoneHostlistIsOneNodePerNameDialledAtThatName() throws Exception {
        assertThat(read("n[1-3]\nlogin,gpu[07-08]:7000\n")).containsExactly(
                member("n1", "n1"), member("n2", "n2"), member("n3", "n3"), member("login", "login"),
                member("gpu07:7000", "gpu07"), member("gpu08:7000", "gpu08"));
    }

    @Test
    void twoHostlistsArePairedInOrder() throws Exception {
        assertThat(read("n[1-2] 10.0.0.[11-12]\nib[1-2] tcp!10.0.1.[1-2]!7000\nm[1-2] h:[7000,7005]\n")).containsExactly(
                member("10.0.0.11", "n1"), member("10.0.0.12", "n2"),
                member("tcp!10.0.1.1!7000", "ib1"), member("tcp!10.0.1.2!7000", "ib2"),
                member("h:7000", "m1"), member("h:7005", "m2"));
    }

    @Test
    void errorsNameTheFileAndLine() throws Exception {
        Path f = dir.resolve("hosts");
        assertThatThrownBy(() -> read("n1 10.0.0.1\nn[1-4] 10.0.0.[11-13]\n"))
                .hasMessage(f + ":2: 4 names but 3 addresses; NAMES ADDRS pairs them in order, so give as many of each");
        assertThatThrownBy(() -> read("n[3-1]\n")).hasMessage(f + ":1: hostlist \"n[3-1]\": range 3-1 runs backwards");
        assertThatThrownBy(() -> read("n[1-2] 10.0.0.1\n"))
                .hasMessage(f + ":1: 2 names but 1 address; NAMES ADDRS pairs them in order, so give as many of each");
        assertThatThrownBy(() -> read("a b c\n")).hasMessage(f + ":1: expected NAME ADDR or ADDR");
    }

    /** A coordinator started from such a hostfile mounts every node under its name, and res nodes= finds them. */
    @Test
    void aCoordinatorMountsWhatTheHostlistsName() throws Exception {
        try (NodeDaemon a = NodeDaemon.start(NodeDaemon.Config.defaults(DialAddress.tcp("127.0.0.1", 0)).withSlots(2));
             NodeDaemon b = NodeDaemon.start(NodeDaemon.Config.defaults(DialAddress.tcp("127.0.0.1", 0)).withSlots(2))) {
            List<MemberSpec> members = read("rack1-n[1-2] tcp!127.0.0.1![" + a.address().port() + ","
                    + b.address().port() + "]\n");
            try (Coordinator c = Coordinator.start(Coordinator.Config.defaults(DialAddress.tcp("127.0.0.1", 0))
                    .withMembers(members));
                 Sh sh = Sh.connect(c.address())) {
                assertThat(sh.lines("/ns")).containsExactly(
                        "mount " + a.address() + " rack1-n1 slots=2 busy=0 state=up",
                        "mount " + b.address() + " rack1-n2 slots=2 busy=0 state=up");
                String s = "/" + sh.newSession();
                sh.echo(s + "/ctl", "res 2 nodes=rack1-n2");
                assertThat(sh.lines(s + "/ns")).allMatch(l -> l.startsWith("bind " + b.address() + "!/"));
            }
        }
    }

    @Test
    void serveNodeTakesAHostlistAndABadOneIsBadUsage() {
        Run r = taskfs("serve", "--listen", "tcp!127.0.0.1!0", "--node", "n[3-1]");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--node n[3-1]: hostlist \"n[3-1]\": range 3-1 runs backwards");

        assertThat(Hostfile.members("n[1-2]:7000")).containsExactly(member("n1:7000", "n1"), member("n2:7000", "n2"));
        assertThat(Hostfile.members("tcp!127.0.0.1!7000")).containsExactly(member("tcp!127.0.0.1!7000", null));
    }

    @Test
    void twoMembersOfOneNameAreRefused() {
        // One host on two ports: a lone hostlist names both after the host, so they must be named.
        Run r = taskfs("serve", "--listen", "tcp!127.0.0.1!0", "--node", "127.0.0.1:[1,2]");
        assertThat(r.code()).isEqualTo(1);
        // The first member's dial may log its own failure after this: the refusal is the first line.
        assertThat(r.err().strip().lines().findFirst())
                .hasValue("taskfs: the name 127.0.0.1 is taken by tcp!127.0.0.1!1");
    }
}
