package org.taskfs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.taskfs.coord.Coordinator;
import org.taskfs.coord.pool.Hostlist;
import org.taskfs.node.NodeDaemon;
import org.taskfs.styx.dial.DialAddress;

/**
 * A hostfile: one node per line, {@code NAME ADDR} or {@code ADDR}, {@code #} comments; an address
 * without a port means the node port 6666 (so a plain {@code name ipv4} list works as it is). Either field may
 * be a hostlist ({@code n[1-4]}): a lone hostlist is one node per name, dialled at that name; {@code NAMES ADDRS}
 * pairs two hostlists of one length in order ({@code n[1-4] 10.0.0.[11-14]:7000}).
 */
final class Hostfile {
    private Hostfile() {}

    static List<Coordinator.MemberSpec> read(Path file) throws IOException {
        List<Coordinator.MemberSpec> out = new ArrayList<>();
        int n = 0;
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new IOException("cannot read the hostfile " + org.taskfs.styx.util.Failures.text(e), e);
        }
        for (String raw : lines) {
            n++;
            String line = raw.replaceAll("#.*", "").trim();
            if (line.isEmpty()) {
                continue;
            }
            try {
                out.addAll(members(line.split("\\s+")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ":" + n + ": " + e.getMessage());
            }
        }
        return out;
    }

    /**
     * The members one entry names: {@code ADDR} or {@code NAME ADDR}, either a hostlist (a hostfile line, a
     * {@code serve --node}). A lone hostlist's names are its members' names too (the host of each address).
     */
    static List<Coordinator.MemberSpec> members(String... fields) {
        List<Coordinator.MemberSpec> out = new ArrayList<>();
        if (fields.length == 1) {
            if (!Hostlist.isHostlist(fields[0])) {
                return List.of(new Coordinator.MemberSpec(address(fields[0]), null));
            }
            for (String a : Hostlist.expand(fields[0])) {
                DialAddress at = address(a);
                out.add(new Coordinator.MemberSpec(at, at.kind() == DialAddress.Kind.TCP ? at.host() : null));
            }
        } else if (fields.length == 2) {
            List<String> names = Hostlist.isHostlist(fields[0]) ? Hostlist.expand(fields[0]) : List.of(fields[0]);
            List<String> addresses = Hostlist.isHostlist(fields[1]) ? Hostlist.expand(fields[1]) : List.of(fields[1]);
            if (names.size() != addresses.size()) {
                throw new IllegalArgumentException(count(names.size(), "name") + " but " + count(addresses.size(),
                        "address") + "; NAMES ADDRS pairs them in order, so give as many of each");
            }
            for (int i = 0; i < names.size(); i++) {
                out.add(new Coordinator.MemberSpec(address(addresses.get(i)), names.get(i)));
            }
        } else {
            throw new IllegalArgumentException("expected NAME ADDR or ADDR");
        }
        return out;
    }

    private static DialAddress address(String a) {
        return DialAddress.parse(a, NodeDaemon.DEFAULT_PORT);
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : what.endsWith("s") ? "es" : "s");
    }
}
