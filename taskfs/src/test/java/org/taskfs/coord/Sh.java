package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.client.StyxRemoteException;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.util.Failures;

/**
 * A user at a shell over one 9P connection: each call is one command ({@code cat}, {@code echo >},
 * {@code ls}) with its own walk, open and clunk, as separate shell commands would do. Every wait is
 * bounded by {@link #WAIT}.
 */
public final class Sh implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(30);

    public final StyxClient client;
    /** The same connection without request timeouts, for files that block (stdout, wait). */
    public final StyxClient blocking;

    private Sh(StyxClient client) {
        this.client = client;
        this.blocking = client.withTimeout(Duration.ZERO);
    }

    public static Sh connect(DialAddress at) throws Exception {
        return new Sh(get(StyxClient.connect(at, ClientOptions.defaults())));
    }

    /** With options of the test's own (a larger msize, say). */
    public static Sh connect(DialAddress at, ClientOptions options) throws Exception {
        return new Sh(get(StyxClient.connect(at, options)));
    }

    /** Attached as {@code uname}; the pool's root ctl is writable by the admin, {@code taskfs}, alone. */
    public static Sh connect(DialAddress at, String uname) throws Exception {
        return new Sh(get(StyxClient.connect(at, ClientOptions.defaults().withUname(uname))));
    }

    public static <T> T get(CompletableFuture<T> f) throws Exception {
        return get(f, WAIT);
    }

    public static <T> T get(CompletableFuture<T> f, Duration atMost) throws Exception {
        return f.get(atMost.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@code cat PATH}: to end of file, however long the file blocks (bounded by WAIT). */
    public String cat(String path) throws Exception {
        return new String(catBytes(path), StandardCharsets.UTF_8);
    }

    public byte[] catBytes(String path) throws Exception {
        return get(blocking.readAll(path));
    }

    /** {@code cat PATH} started now, read later. */
    public CompletableFuture<String> catLater(String path) {
        return blocking.readString(path);
    }

    public List<String> lines(String path) throws Exception {
        return split(cat(path));
    }

    public static List<String> split(String text) {
        List<String> out = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        return out;
    }

    /** {@code echo WORDS > PATH}: one write of the text and a newline. */
    public void echo(String path, String text) throws Exception {
        get(client.write(path, text + "\n"));
    }

    /** One write of exactly {@code data}. */
    public void write(String path, byte[] data) throws Exception {
        get(client.write(path, data));
    }

    /** {@code echo TEXT > PATH} that must fail; yields the server's error string. */
    public String echoFails(String path, String text) throws Exception {
        return writeFails(path, (text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    public String writeFails(String path, byte[] data) throws Exception {
        return rerror(client.write(path, data), "write to " + path);
    }

    /** The Rerror text {@code f} fails with; fails the test if it succeeds or fails otherwise. */
    public static String rerror(CompletableFuture<?> f, String what) {
        Throwable t = catchThrowable(() -> get(f));
        assertThat(t).as("%s should fail", what).isInstanceOf(ExecutionException.class);
        Throwable cause = Failures.cause(t);
        assertThat(cause).as("an Rerror for %s", what).isInstanceOf(StyxRemoteException.class);
        return ((StyxRemoteException) cause).error();
    }

    /** Writes bulk data to a file with as many writes as it takes, then clunks (EOF for a stdin). */
    public void writeAll(String path, byte[] data) throws Exception {
        RemoteFid f = get(client.open(path, P9.OWRITE));
        try {
            get(f.writeAll(0, data));
        } finally {
            get(f.clunk());
        }
    }

    public RemoteFid open(String path, int mode) throws Exception {
        return get(client.open(path, mode));
    }

    /** {@code cat clone}: a new session, its number. */
    public String newSession() throws Exception {
        return cat("/clone");
    }

    public List<String> ls(String path) throws Exception {
        List<String> names = new ArrayList<>();
        for (Dir d : get(client.list(path))) {
            names.add(d.name());
        }
        return names;
    }

    /** Name to permission bits (with DMDIR), in listing order. */
    public Map<String, Integer> modes(String path) throws Exception {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Dir d : get(client.list(path))) {
            out.put(d.name(), d.mode());
        }
        return out;
    }

    public boolean exists(String path) throws Exception {
        Throwable t = catchThrowable(() -> get(client.stat(path)));
        if (t == null) {
            return true;
        }
        assertThat(Failures.cause(t)).isInstanceOf(StyxRemoteException.class);
        return false;
    }

    /**
     * Live (not zombie) processes whose command line contains {@code token} as a word. A process caught in the
     * middle of an execve (its spawner already told it started) shows an empty command line for a moment: the
     * scan is made again until no user process has one, for at most a second.
     */
    public static List<Long> processesWith(String token) throws IOException {
        long end = System.nanoTime() + 1_000_000_000L;
        while (true) {
            List<Long> pids = new ArrayList<>();
            boolean midExec = false;
            try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path proc : procs) {
                    try {
                        String stat = Files.readString(proc.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        if (f[0].equals("Z") || (Long.parseLong(f[6]) & PF_KTHREAD) != 0) {
                            continue;
                        }
                        String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
                        midExec |= cmdline.isEmpty();
                        for (String word : cmdline.split("\0")) {
                            if (word.equals(token)) {
                                pids.add(Long.parseLong(proc.getFileName().toString()));
                                break;
                            }
                        }
                    } catch (IOException | RuntimeException gone) {
                        // exited while we looked
                    }
                }
            }
            if (!midExec || System.nanoTime() > end) {
                return pids;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    /** The flag of a kernel thread in /proc/PID/stat: its command line is always empty. */
    private static final long PF_KTHREAD = 0x00200000;

    @Override
    public void close() throws Exception {
        client.close();
        get(client.closeFuture());
    }
}
