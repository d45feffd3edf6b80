package org.taskfs.contract;

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
 * {@code ls}) with its own walk, open and clunk. Every wait is bounded by {@link #WAIT}.
 */
final class Shell implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);

    final StyxClient client;
    /** The same connection without request timeouts, for files whose reads block (stdout, wait). */
    final StyxClient blocking;

    private Shell(StyxClient client) {
        this.client = client;
        this.blocking = client.withTimeout(Duration.ZERO);
    }

    static Shell connect(DialAddress at) throws Exception {
        return new Shell(get(StyxClient.connect(at, ClientOptions.defaults())));
    }

    static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@code cat PATH}: to end of file, however long the file blocks (bounded by WAIT). */
    String cat(String path) throws Exception {
        return new String(catBytes(path), StandardCharsets.UTF_8);
    }

    byte[] catBytes(String path) throws Exception {
        return get(blocking.readAll(path));
    }

    /** {@code cat PATH} started now, looked at later. */
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

    /** {@code echo TEXT > PATH}: one write of the text and a newline. */
    void echo(String path, String text) throws Exception {
        get(client.write(path, text + "\n"));
    }

    /** One write of exactly {@code data}. */
    void write(String path, byte[] data) throws Exception {
        get(client.write(path, data));
    }

    /** {@code echo TEXT > PATH} that must fail; yields the server's error string. */
    String echoFails(String path, String text) throws Exception {
        return writeFails(path, (text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    String writeFails(String path, byte[] data) throws Exception {
        return rerror(client.write(path, data), "write to " + path);
    }

    /** The Rerror text {@code f} fails with; fails the test if it succeeds or fails otherwise. */
    static String rerror(CompletableFuture<?> f, String what) {
        Throwable t = catchThrowable(() -> get(f));
        assertThat(t).as("%s should fail", what).isInstanceOf(ExecutionException.class);
        Throwable cause = Failures.cause(t);
        assertThat(cause).as("an Rerror for %s", what).isInstanceOf(StyxRemoteException.class);
        return ((StyxRemoteException) cause).error();
    }

    /** Writes bulk data with as many writes as it takes, then clunks (EOF for a stdin). */
    void writeAll(String path, byte[] data) throws Exception {
        RemoteFid f = get(client.open(path, P9.OWRITE));
        try {
            get(f.writeAll(0, data));
        } finally {
            get(f.clunk());
        }
    }

    RemoteFid open(String path, int mode) throws Exception {
        return get(client.open(path, mode));
    }

    List<String> ls(String path) throws Exception {
        List<String> names = new ArrayList<>();
        for (Dir d : get(client.list(path))) {
            names.add(d.name());
        }
        return names;
    }

    /** Name to mode (permission bits with DMDIR), in listing order. */
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
