package org.taskfs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.taskfs.coord.Coordinator;
import org.taskfs.node.NodeDaemon;
import org.taskfs.styx.dial.DialAddress;

/**
 * A hostfile: one node per line, {@code NAME ADDR} or {@code ADDR}, {@code #} comments; an address
 * without a port means the node port 6666 (so a plain {@code name ipv4} list works as it is).
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
            String[] f = line.split("\\s+");
            try {
                if (f.length == 1) {
                    out.add(new Coordinator.MemberSpec(DialAddress.parse(f[0], NodeDaemon.DEFAULT_PORT), null));
                } else if (f.length == 2) {
                    out.add(new Coordinator.MemberSpec(DialAddress.parse(f[1], NodeDaemon.DEFAULT_PORT), f[0]));
                } else {
                    throw new IllegalArgumentException("expected NAME ADDR or ADDR");
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ":" + n + ": " + e.getMessage());
            }
        }
        return out;
    }
}
