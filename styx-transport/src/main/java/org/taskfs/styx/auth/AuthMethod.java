package org.taskfs.styx.auth;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How a peer proves who it is where the kernel cannot tell (a remote TCP peer): the value of {@code --auth}
 * on every command that listens or dials. Local peers (Unix sockets, loopback TCP) are identified by the
 * kernel whatever the method.
 */
public sealed interface AuthMethod {
    /** No authentication: only local peers, whom the kernel identifies, or a network trusted with --insecure. */
    record None() implements AuthMethod {
        @Override
        public String toString() {
            return "none";
        }
    }

    /** A MUNGE credential from a running munged (diod's exchange); {@code socket} is munged's, if not the default. */
    record Munge(Optional<Path> socket) implements AuthMethod {
        @Override
        public String toString() {
            return socket.map(s -> "munge=" + s).orElse("munge");
        }
    }

    /** Challenge and response over a shared secret kept in {@code file} (mode 0600), HMAC-SHA256. */
    record Key(Path file) implements AuthMethod {
        @Override
        public String toString() {
            return "key=" + file;
        }
    }

    AuthMethod NONE = new None();

    /** Parses {@code none}, {@code munge}, {@code munge=SOCKET} or {@code key=FILE}. */
    static AuthMethod parse(String spec) {
        if (spec.equals("none")) {
            return NONE;
        }
        if (spec.equals("munge")) {
            return new Munge(Optional.empty());
        }
        if (spec.startsWith("munge=") && spec.length() > "munge=".length()) {
            return new Munge(Optional.of(Path.of(spec.substring("munge=".length()))));
        }
        if (spec.startsWith("key=") && spec.length() > "key=".length()) {
            return new Key(Path.of(spec.substring("key=".length())));
        }
        throw new IllegalArgumentException("unknown authentication '" + spec
                + "': expected none, munge, munge=SOCKET or key=FILE");
    }
}
