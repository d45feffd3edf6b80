package org.taskfs.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.client.StyxRemoteException;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.util.Failures;

/**
 * A real node daemon on a loopback TCP port, and a 9P client connected to it: every test sees the
 * daemon exactly as a user's client would.
 */
abstract class NodeTestBase {
    /** Bound on any single wait; the tests themselves never sleep to synchronise. */
    static final long TIMEOUT_S = 30;

    @TempDir
    Path scratch;

    NodeDaemon daemon;
    /** Requests that must be answered promptly (30 s client timeout). */
    StyxClient c;
    /** The same connection without a request timeout, for files whose reads block (stdout, wait). */
    StyxClient blocking;

    /** The daemon's configuration; tests that need other settings override it. */
    NodeDaemon.Config config() {
        return NodeDaemon.Config.defaults(DialAddress.tcp("127.0.0.1", 0)).withSlots(4).withScratch(scratch);
    }

    @BeforeEach
    void startDaemon() throws Exception {
        daemon = NodeDaemon.start(config());
        c = connect(ClientOptions.defaults());
        blocking = c.withTimeout(Duration.ZERO);
    }

    @AfterEach
    void stopDaemon() {
        if (c != null) {
            c.close();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    StyxClient connect(ClientOptions options) throws Exception {
        return get(StyxClient.connect(daemon.address(), options));
    }

    static <T> T get(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception x) {
                throw x;
            }
            throw e;
        }
    }

    /** The Rerror text the request failed with; fails the test if it succeeded or failed otherwise. */
    static String rerror(CompletableFuture<?> f) throws Exception {
        try {
            f.get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable t = Failures.cause(e);
            if (t instanceof StyxRemoteException r) {
                return r.error();
            }
            throw new AssertionError("expected an Rerror, got " + t, t);
        }
        return fail("expected an Rerror, but the request succeeded");
    }

    // ------------------------------------------------------------------ task helpers

    /** Clones a session and lets go of the clone fid: the session stays (sessions outlive their fids). */
    String newSession() throws Exception {
        RemoteFid clone = get(c.open("clone", P9.ORDWR));
        String id = new String(get(clone.read(0, 64)), StandardCharsets.UTF_8);
        get(clone.clunk());
        return id;
    }

    /** A session of one task, reserved: its files are that task's, gathered. */
    String newTask() throws Exception {
        String id = newSession();
        ctl(id, "res 1");
        return id;
    }

    /** One ctl command, as {@code echo CMD > N/ctl} sends it. */
    void ctl(String id, String command) throws Exception {
        get(c.write(id + "/ctl", command + "\n"));
    }

    CompletableFuture<Void> ctlAsync(String id, String command) {
        return c.write(id + "/ctl", command + "\n");
    }

    String text(String path) throws Exception {
        return get(c.readString(path));
    }

    /** A file whose reads block until the task produces the data (stdout, stderr, wait). */
    String follow(String path) throws Exception {
        return get(blocking.readString(path));
    }

    byte[] followBytes(String path) throws Exception {
        return get(blocking.readAll(path));
    }

    /** devcmd's wait line of the session's first task (its own wait, without the task number). */
    String waitLine(String id) throws Exception {
        return follow(id + "/0/wait");
    }

    /** Runs {@code command} in a new task and waits for it to end; returns the task. */
    String run(String command) throws Exception {
        String id = newTask();
        ctl(id, "exec " + command);
        waitLine(id);
        return id;
    }

    /** Output of {@code command} run in a new task. */
    String output(String command) throws Exception {
        String id = newTask();
        ctl(id, "exec " + command);
        return follow(id + "/stdout");
    }

    /** The daemon still answers: a fresh task runs a command. */
    void assertStillServing() throws Exception {
        assertThat(output("echo alive")).isEqualTo("alive\n");
    }

    /** The pid of {@code sh -c 'echo $$; …'}: the first line of its stdout (also its process group). */
    int firstLinePid(String id) throws Exception {
        RemoteFid out = get(blocking.open(id + "/stdout", P9.OREAD));
        StringBuilder b = new StringBuilder();
        try {
            while (b.indexOf("\n") < 0) {
                byte[] chunk = get(out.readNext());
                if (chunk.length == 0) {
                    throw new AssertionError("stdout ended before the pid line: " + b);
                }
                b.append(new String(chunk, StandardCharsets.UTF_8));
            }
        } finally {
            out.clunk();
        }
        return Integer.parseInt(b.substring(0, b.indexOf("\n")).trim());
    }

    // ------------------------------------------------------------------ processes

    /** Live (not zombie) processes of process group {@code pgid}, read from /proc. */
    static List<Integer> liveMembers(int pgid) throws IOException {
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                String stat;
                try {
                    stat = Files.readString(proc.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                // "pid (comm) state ppid pgrp ...": comm may hold spaces, so fields are counted after the last ')'.
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (!f[0].equals("Z") && Integer.parseInt(f[2]) == pgid) {
                    pids.add(Integer.parseInt(proc.getFileName().toString()));
                }
            }
        }
        return pids;
    }
}
