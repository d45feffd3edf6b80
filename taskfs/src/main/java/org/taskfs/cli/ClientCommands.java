package org.taskfs.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.taskfs.coord.Coordinator;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RedialingClient;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code taskfs ls|cat|write|stat}: a 9P client for scripts, like plan9port's {@code 9p}. */
final class ClientCommands {
    private ClientCommands() {}

    /** {@code -a ADDR}, defaulting to $TASKFS_ADDR, then the local coordinator. */
    static final class Server {
        @Option(names = {"-a", "--addr"}, paramLabel = "ADDR",
                description = "Server to talk to (default: $TASKFS_ADDR, else tcp!127.0.0.1!5555).")
        String addr;

        StyxClient connect(AuthOption auth) throws Exception {
            AuthMethod method = auth.method();
            return StyxClient.connect(DialAddress.parse(address(), Coordinator.DEFAULT_PORT),
                    ClientOptions.defaults().withAuth(method)).get();
        }

        /** A client that dials again when its connection is lost: the address may be a list, ADDR1,ADDR2. */
        RedialingClient redial(AuthOption auth, java.time.Duration reconnectTimeout) throws Exception {
            AuthMethod method = auth.method();
            try {
                return RedialingClient.connect(DialAddress.parseList(address(), Coordinator.DEFAULT_PORT),
                        ClientOptions.defaults().withAuth(method), reconnectTimeout, text -> { }).get();
            } catch (java.util.concurrent.ExecutionException e) {
                // The failure itself, worded as a plain client's is ("cannot connect to ADDR: …").
                if (org.taskfs.styx.util.Failures.cause(e) instanceof Exception x) {
                    throw x;
                }
                throw e;
            }
        }

        private String address() {
            String a = addr != null ? addr : System.getenv("TASKFS_ADDR");
            return a == null || a.isBlank() ? "tcp!127.0.0.1!" + Coordinator.DEFAULT_PORT : a;
        }
    }

    /** A number of seconds given as {@code flag}: not negative, decimals allowed. */
    static java.time.Duration seconds(String flag, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(flag + " " + value + " is not a number of seconds (0 or more)");
        }
        return java.time.Duration.ofNanos(Math.round(value * 1e9));
    }

    /** {@code f}'s result; its failure worded as cat(1) words one, naming the operation and the file. */
    static <T> T on(String op, String path, java.util.concurrent.CompletableFuture<T> f) throws Exception {
        try {
            return f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof BrokenPipe b) {
                throw b;
            }
            throw new FileFailure(op + " " + path + ": " + org.taskfs.styx.util.Failures.text(e), e.getCause());
        }
    }

    /** A client command's failure on one file, already worded for the user. */
    static final class FileFailure extends Exception {
        private static final long serialVersionUID = 1L;

        FileFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Command(name = "cat", mixinStandardHelpOptions = true,
            description = "Copy files to standard output as they are read (a growing stdout is followed to its end). "
                    + "A lost connection is made again (-a ADDR1,ADDR2: the next address too) and the file read on "
                    + "from where it was, so every byte comes once.")
    static final class Cat implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Server server;

        @picocli.CommandLine.Mixin
        AuthOption auth;

        @Option(names = "--reconnect-timeout", paramLabel = "SECONDS", defaultValue = "60",
                description = "How long to wait for a lost connection to be made again before failing "
                        + "(default: ${DEFAULT-VALUE}; 0: fail at once).")
        double reconnectTimeout;

        @Parameters(paramLabel = "PATH", arity = "1..*")
        List<String> paths;

        @Override
        public Integer call() throws Exception {
            PrintStream out = System.out;
            java.time.Duration redial = seconds("--reconnect-timeout", reconnectTimeout);
            try (RedialingClient c = server.redial(auth, redial)) {
                for (String p : paths) {
                    try {
                        on("cat", p, c.stream(p, b -> {
                            out.write(b, 0, b.length);
                            out.flush();
                            if (out.checkError()) {
                                throw new BrokenPipe();
                            }
                        }));
                    } catch (BrokenPipe e) {
                        // Whoever read our output has gone (| head): stop following, as
                        // cat does on SIGPIPE, rather than read a stream nobody wants to its end.
                        return 128 + 13;
                    }
                }
            }
            return 0;
        }
    }

    /** Standard output can no longer be written: the JVM ignores SIGPIPE, so this stands for it. */
    private static final class BrokenPipe extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BrokenPipe() {
            super("broken pipe", null, false, false);
        }
    }

    @Command(name = "write", mixinStandardHelpOptions = true,
            description = "Write to a file: the words given (joined, with a newline, as one write, like echo), "
                    + "or standard input (each chunk read one write).")
    static final class Write implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Server server;

        @picocli.CommandLine.Mixin
        AuthOption auth;

        @Parameters(index = "0", paramLabel = "PATH")
        String path;

        @Parameters(index = "1..*", paramLabel = "WORD")
        List<String> words;

        @Override
        public Integer call() throws Exception {
            try (StyxClient c = server.connect(auth)) {
                // No timeout on the writes: a res waits for slots (Pending) as long as the pool is busy, a stdin
                // write while the task is slow to read; Ctrl-C gives up, and the server withdraws the res.
                RemoteFid f = on("write", path, c.open(path, P9.OWRITE)).withTimeout(java.time.Duration.ZERO);
                try {
                    if (words != null && !words.isEmpty()) {
                        on("write", path, f.write(0, (String.join(" ", words) + "\n").getBytes(StandardCharsets.UTF_8)));
                    } else {
                        copy(System.in, f, path);
                    }
                } finally {
                    f.clunk().get();
                }
            }
            return 0;
        }

        private static void copy(InputStream in, RemoteFid f, String path) throws Exception {
            byte[] buf = new byte[f.iounit()];
            long offset = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                on("write", path, f.write(offset, java.util.Arrays.copyOf(buf, n)));
                offset += n;
            }
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List directories.")
    static final class Ls implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Server server;

        @picocli.CommandLine.Mixin
        AuthOption auth;

        @Option(names = "-l", description = "Long listing: mode, owner, length, time, name.")
        boolean longForm;

        @Parameters(paramLabel = "PATH", arity = "0..*")
        List<String> paths;

        @Override
        public Integer call() throws Exception {
            try (StyxClient c = server.connect(auth)) {
                for (String p : paths == null || paths.isEmpty() ? List.of("/") : paths) {
                    Dir self = on("ls", p, c.stat(p));
                    List<Dir> entries = self.isDirectory() ? on("ls", p, c.list(p)) : List.of(self);
                    for (Dir d : entries) {
                        System.out.println(longForm ? longLine(d) : d.name() + (d.isDirectory() ? "/" : ""));
                    }
                }
            }
            return 0;
        }
    }

    @Command(name = "stat", mixinStandardHelpOptions = true, description = "Show a file's directory entry.")
    static final class Stat implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Server server;

        @picocli.CommandLine.Mixin
        AuthOption auth;

        @Parameters(paramLabel = "PATH", arity = "1..*")
        List<String> paths;

        @Override
        public Integer call() throws Exception {
            try (StyxClient c = server.connect(auth)) {
                for (String p : paths) {
                    Dir d = on("stat", p, c.stat(p));
                    System.out.println(longLine(d) + " qid " + d.qid());
                }
            }
            return 0;
        }
    }

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("MMM d HH:mm", Locale.ROOT).withZone(ZoneId.systemDefault());

    /** Plan 9's ls -l shape: {@code d-r-xr-xr-x M 0 owner group length time name}. */
    static String longLine(Dir d) {
        StringBuilder m = new StringBuilder();
        m.append((d.mode() & P9.DMDIR) != 0 ? 'd' : (d.mode() & P9.DMAPPEND) != 0 ? 'a' : '-');
        m.append((d.mode() & P9.DMEXCL) != 0 ? 'l' : '-');
        String rwx = "rwx";
        for (int shift = 6; shift >= 0; shift -= 3) {
            for (int i = 0; i < 3; i++) {
                m.append((d.mode() >> (shift + 2 - i) & 1) != 0 ? rwx.charAt(i) : '-');
            }
        }
        return m + " M " + Integer.toUnsignedString(d.dev()) + " " + d.uid() + " " + d.gid() + " " + d.length()
                + " " + TIME.format(Instant.ofEpochSecond(Integer.toUnsignedLong(d.mtime()))) + " " + d.name();
    }

}
