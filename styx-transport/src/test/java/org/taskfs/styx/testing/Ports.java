package org.taskfs.styx.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A TCP port for a test to bind later (a server started again on its port, a daemon told where to listen).
 * {@code new ServerSocket(0)} gives a port of the ephemeral range, which any connection on the machine may take
 * as its local port in the time before the test binds it (and a dial of it while nothing listens may even
 * connect to itself); a port below that range is only ever taken by an explicit bind.
 */
public final class Ports {
    private Ports() {}

    private static final int LOWEST = 10_000;

    /** A port below the ephemeral range, free at the time of asking. */
    public static int unusedBelowEphemeralRange() {
        int ceiling = ephemeralLow();
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, ceiling);
            try (ServerSocket s = new ServerSocket(port)) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // another one
            }
        }
        throw new IllegalStateException("no free port between " + LOWEST + " and " + ceiling);
    }

    private static int ephemeralLow() {
        // Read as a stream: Files.readString trusts the size /proc reports and returns one byte.
        try (BufferedReader in = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            String range = in.readLine().strip();
            int low = Integer.parseInt(range.split("\\s+")[0]);
            if (low <= LOWEST + 1000) {
                throw new IllegalStateException("the ephemeral range starts at " + low + ": no room below it");
            }
            return low;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
