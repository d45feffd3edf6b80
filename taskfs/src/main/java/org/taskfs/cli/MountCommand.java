package org.taskfs.cli;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.taskfs.coord.Coordinator;
import org.taskfs.fuse.FuseMount;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.dial.DialAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code taskfs mount ADDR DIR}: the FUSE front end. In the foreground it serves the mount until
 * SIGTERM or Ctrl-C (which unmount it) or an unmount from outside. {@code --daemon} starts the same
 * command again as a background process and returns once that process reports the mount ready.
 */
@Command(name = "mount", mixinStandardHelpOptions = true,
        description = "Mount a 9P2000 server (a coordinator, a node, any 9P server) on DIR with FUSE. Stays in the "
                + "foreground until Ctrl-C or SIGTERM (which unmount) or taskfs umount DIR; --daemon returns once "
                + "the mount is ready and leaves a background process serving it.")
final class MountCommand implements Callable<Integer> {
    /** What the foreground process prints on standard output once the kernel has the mount. */
    static final String READY = "taskfs mount: ready: ";

    @Parameters(index = "0", paramLabel = "ADDR",
            description = "The server: tcp!host!port, host:port, unix!/path (port 5555 when none is given); "
                    + "ADDR1,ADDR2,... mounts the first that answers and fails over to the next when its "
                    + "connection is lost.")
    String addr;

    @Parameters(index = "1", paramLabel = "DIR", description = "An empty directory to mount on.")
    Path dir;

    @Option(names = "--daemon", description = "Return once the mount is ready, leaving it to a background process.")
    boolean daemon;

    @Option(names = "--foreground", description = "Serve the mount from this process (the default).")
    boolean foreground;

    @Option(names = "--log", paramLabel = "FILE",
            description = "Where the mount notes every request the server refused, with the operation, the path and "
                    + "the server's words (and, with --daemon, the background process's messages); named when the "
                    + "mount is ready (default: taskfs-mount-PID.log in $XDG_RUNTIME_DIR, else the temporary "
                    + "directory).")
    Path log;

    @Option(names = "--uname", paramLabel = "NAME", description = "User name to attach as (default: the current user).")
    String uname;

    @Option(names = "--aname", paramLabel = "TREE", defaultValue = "",
            description = "Tree to attach to (default: the server's).")
    String aname;

    @Option(names = "--attr-timeout", paramLabel = "SECONDS", defaultValue = "1",
            description = "How long attributes of ordinary files may be cached; synthetic (length 0) files and "
                    + "directories never are (default: ${DEFAULT-VALUE}).")
    double attrTimeout;

    @Option(names = "--reconnect-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "When the connection is lost the mount dials again (and again, with back-off); an operation "
                    + "meanwhile waits this long for it, then fails with EIO (default: ${DEFAULT-VALUE}; 0: at once).")
    double reconnectTimeout;

    @Option(names = "--allow-other", description = "Let other users use the mount (user_allow_other in /etc/fuse.conf "
            + "unless root).")
    boolean allowOther;

    @Option(names = "--debug", description = "Trace every FUSE request on standard error (libfuse's -d).")
    boolean debug;

    @picocli.CommandLine.Mixin
    AuthOption auth;

    @Override
    public Integer call() throws Exception {
        if (daemon && foreground) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--daemon and --foreground exclude each other");
        }
        List<DialAddress> servers = DialAddress.parseList(addr, Coordinator.DEFAULT_PORT);
        Duration redial = ClientCommands.seconds("--reconnect-timeout", reconnectTimeout);
        AuthMethod method = auth.method(); // checked here, so a bad key file is the caller's error, not the log's
        if (daemon) {
            return startInBackground();
        }
        Path logFile = (log != null ? log : Mounts.defaultLog()).toAbsolutePath();
        FuseMount.Options options = FuseMount.Options.defaults()
                .withAttrTimeout(Duration.ofMillis(Math.round(attrTimeout * 1000)))
                .withAname(aname).withAllowOther(allowOther).withDebug(debug).withAuth(method).withLog(logFile)
                .withReconnectTimeout(redial);
        if (uname != null) {
            options = options.withUname(uname);
        }
        FuseMount m = FuseMount.mount(servers, dir, options);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                m.close();
            } catch (IOException e) {
                System.err.println("taskfs mount: unmount of " + m.dir() + " failed: " + e.getMessage());
            }
        }, "taskfs-mount-shutdown"));
        System.out.println(READY + org.taskfs.styx.client.RedialingClient.describe(servers) + " on " + m.dir()
                + " (log " + logFile + ")");
        System.out.flush();
        m.whenUnmounted().join();
        return 0;
    }

    /**
     * Runs this command again with {@code --foreground} in a new session (setsid, so the terminal's
     * hangup and Ctrl-C do not reach it), and waits for its readiness line.
     */
    private int startInBackground() throws IOException, InterruptedException {
        Path logFile = (log != null ? log : Mounts.defaultLog()).toAbsolutePath();
        List<String> cmd = new ArrayList<>();
        if (onPath("setsid")) {
            cmd.add("setsid");
        }
        cmd.addAll(SelfCommand.of(List.of("mount", "--foreground", "--log", logFile.toString(), "--aname", aname,
                "--attr-timeout", Double.toString(attrTimeout), "--reconnect-timeout", Double.toString(reconnectTimeout),
                "--auth", auth.spec)));
        if (uname != null) {
            cmd.addAll(List.of("--uname", uname));
        }
        if (allowOther) {
            cmd.add("--allow-other");
        }
        if (debug) {
            cmd.add("--debug");
        }
        cmd.addAll(List.of(addr, dir.toAbsolutePath().toString()));

        long logged = Files.exists(logFile) ? Files.size(logFile) : 0;
        Process p = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(READY)) {
                    // The foreground's "(log FILE)" becomes "(process PID, log FILE)": the same file, passed on.
                    String log = " (log " + logFile + ")";
                    String where = line.endsWith(log) ? line.substring(0, line.length() - log.length()) : line;
                    System.out.println(where + " (process " + p.pid() + ", log " + logFile + ")");
                    return 0;
                }
                System.out.println(line);
            }
        }
        int exit = p.waitFor();
        String said = "";
        if (Files.exists(logFile)) {
            byte[] all = Files.readAllBytes(logFile);
            said = new String(all, (int) Math.min(logged, all.length), (int) Math.max(0, all.length - logged),
                    StandardCharsets.UTF_8).strip();
        }
        System.err.println(said.isEmpty() ? "taskfs mount: the background process ended (exit status " + exit + ")"
                : said);
        return exit == 0 ? 1 : exit;
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }
}
