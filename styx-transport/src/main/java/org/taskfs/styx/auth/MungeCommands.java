package org.taskfs.styx.auth;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * MUNGE through its own command-line tools, {@code munge} and {@code unmunge}, so no native library is
 * needed: whatever munged the host runs (or the one at {@code socket}) does the cryptography, the TTL and
 * the replay check. The commands block, so they run on {@link AuthExecutor}.
 */
public final class MungeCommands {
    private final Optional<Path> socket;

    public MungeCommands(Optional<Path> socket) {
        this.socket = socket;
    }

    /** A decoded credential: who encoded it. */
    public record Credential(int uid, int gid) {}

    /**
     * unmunge's exit codes (munge_err_t) that a user can act on, in the words refusals use. Any other
     * failure of decoding says the credential is not one munged accepts.
     */
    private static final Map<Integer, String> REFUSALS = Map.of(
            6, "cannot reach munged",
            15, "expired credential",
            16, "rewound credential (encoded in the future: clocks differ)",
            17, "replayed credential",
            18, "unauthorized credential");

    /** A new credential without payload, as diod's client makes; {@code ttl} seconds, 0 for munged's default. */
    public CompletableFuture<String> encode(int ttl) {
        return AuthExecutor.submit(() -> encodeNow(ttl));
    }

    /** {@link #encode}, blocking the caller. */
    public String encodeNow(int ttl) throws IOException, InterruptedException {
        {
            List<String> cmd = command("munge", "-n");
            if (ttl != 0) {
                cmd.add("-t");
                cmd.add(String.valueOf(ttl));
            }
            Result r = run(cmd, new byte[0]);
            if (r.exit != 0) {
                throw new AuthenticationException("munge failed: " + r.text().strip());
            }
            return r.text().strip();
        }
    }

    /** Decodes {@code credential}; fails with {@link AuthenticationException} naming why it was refused. */
    public CompletableFuture<Credential> decode(String credential) {
        return AuthExecutor.submit(() -> decodeNow(credential));
    }

    /** {@link #decode}, blocking the caller. */
    public Credential decodeNow(String credential) throws IOException, InterruptedException {
        {
            // Metadata only, numerically; the payload (none in diod's exchange) goes nowhere.
            Result r = run(command("unmunge", "-N", "-k", "STATUS,UID,GID", "-m", "/dev/stdout", "-o", "/dev/null"),
                    (credential + "\n").getBytes(StandardCharsets.US_ASCII));
            if (r.exit != 0) {
                String known = REFUSALS.get(r.exit);
                throw new AuthenticationException(known != null ? known
                        : "invalid credential (" + firstLine(r.text()) + ")");
            }
            Map<String, String> meta = new HashMap<>();
            for (String line : r.text().split("\n")) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    meta.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
                }
            }
            try {
                return new Credential(Integer.parseInt(meta.get("UID")), Integer.parseInt(meta.get("GID")));
            } catch (RuntimeException e) {
                throw new AuthenticationException("invalid credential (unmunge printed no uid)");
            }
        }
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        t = nl < 0 ? t : t.substring(0, nl);
        return t.startsWith("unmunge: Error: ") ? t.substring("unmunge: Error: ".length()) : t;
    }

    private List<String> command(String... words) {
        List<String> cmd = new ArrayList<>(List.of(words));
        socket.ifPresent(s -> {
            cmd.add("-S");
            cmd.add(s.toString());
        });
        return cmd;
    }

    private record Result(int exit, byte[] output) {
        String text() {
            return new String(output, StandardCharsets.UTF_8);
        }
    }

    private static Result run(List<String> cmd, byte[] input) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AuthenticationException(cmd.get(0) + " is not installed (package munge): " + e.getMessage());
        }
        try (OutputStream in = p.getOutputStream()) {
            in.write(input);
        }
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AuthenticationException(cmd.get(0) + " did not finish");
        }
        return new Result(p.exitValue(), out);
    }
}
