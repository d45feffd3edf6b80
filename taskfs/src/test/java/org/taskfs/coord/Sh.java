package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
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
final class Sh implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);

    final StyxClient client;
    /** The same connection without request timeouts, for files that block (stdout, wait). */
    final StyxClient blocking;

    private Sh(StyxClient client) {
        this.client = client;
        this.blocking = client.withTimeout(Duration.ZERO);
    }

    static Sh connect(DialAddress at) throws Exception {
        return new Sh(get(StyxClient.connect(at, ClientOptions.defaults())));
    }

    /** Attached as {@code uname}; the pool's root ctl is writable by the admin, {@code taskfs}, alone. */
    static Sh connect(DialAddress at, String uname) throws Exception {
        return new Sh(get(StyxClient.connect(at, ClientOptions.defaults().withUname(uname))));
    }

    static <T> T get(CompletableFuture<T> f) throws Exception {
        return get(f, WAIT);
    }

    static <T> T get(CompletableFuture<T> f, Duration atMost) throws Exception {
        return f.get(atMost.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@code cat PATH}: to end of file, however long the file blocks (bounded by WAIT). */
    String cat(String path) throws Exception {
        return new String(catBytes(path), StandardCharsets.UTF_8);
    }

    byte[] catBytes(String path) throws Exception {
        return get(blocking.readAll(path));
    }

    /** {@code cat PATH} started now, read later. */
    CompletableFuture<String> catLater(String path) {
        return blocking.readString(path);
    }

    List<String> lines(String path) throws Exception {
        return split(cat(path));
    }

    static List<String> split(String text) {
        List<String> out = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        return out;
    }

    /** {@code echo WORDS > PATH}: one write of the text and a newline. */
    void echo(String path, String text) throws Exception {
        get(client.write(path, text + "\n"));
    }

    /** {@code echo WORDS > PATH} that must fail; yields the server's error string. */
    String echoFails(String path, String text) throws Exception {
        Throwable t = catchThrowable(() -> echo(path, text));
        assertThat(t).as("echo %s > %s should fail", text, path).isInstanceOf(ExecutionException.class);
        Throwable cause = Failures.cause(t);
        assertThat(cause).as("an Rerror for echo %s > %s", text, path).isInstanceOf(StyxRemoteException.class);
        return ((StyxRemoteException) cause).error();
    }

    /** Writes bulk data to a file with as many writes as it takes, then clunks (EOF for a stdin). */
    void writeAll(String path, byte[] data) throws Exception {
        RemoteFid f = get(client.open(path, P9.OWRITE));
        try {
            get(f.writeAll(0, data));
        } finally {
            get(f.clunk());
        }
    }

    /** {@code cat clone}: a new session, its number. */
    String newSession() throws Exception {
        return cat("/clone");
    }

    List<String> ls(String path) throws Exception {
        List<String> names = new ArrayList<>();
        for (Dir d : get(client.list(path))) {
            names.add(d.name());
        }
        return names;
    }

    /** Name to permission bits (with DMDIR), in listing order. */
    Map<String, Integer> modes(String path) throws Exception {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Dir d : get(client.list(path))) {
            out.put(d.name(), d.mode());
        }
        return out;
    }

    boolean exists(String path) throws Exception {
        Throwable t = catchThrowable(() -> get(client.stat(path)));
        if (t == null) {
            return true;
        }
        assertThat(Failures.cause(t)).isInstanceOf(StyxRemoteException.class);
        return false;
    }

    @Override
    public void close() throws Exception {
        client.close();
        get(client.closeFuture());
    }
}
