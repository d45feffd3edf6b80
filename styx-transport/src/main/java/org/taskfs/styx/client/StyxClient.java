package org.taskfs.styx.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.taskfs.styx.auth.AfidIo;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.auth.AuthenticationException;
import org.taskfs.styx.auth.ClientAuth;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxCodecException;
import org.taskfs.styx.codec.StyxWire;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.util.Futures;

/**
 * An asynchronous 9P2000 client on one connection.
 *
 * <pre>{@code
 * StyxClient c = StyxClient.connect(DialAddress.parse("tcp!localhost!5555", 5555), ClientOptions.defaults()).get();
 * String n = c.readString("clone").get();
 * c.write(n + "/ctl", "exec hostname").get();
 * c.withTimeout(Duration.ZERO).stream(n + "/stdout", System.out::write);
 * }</pre>
 *
 * <p><b>Paths</b> are slash-separated and relative to the attach root ({@link #root()}, made with the
 * options' uname and aname on first use): a leading {@code /}, empty elements and {@code .} are
 * ignored; {@code ..} is passed to the server.
 *
 * <p><b>Futures.</b> Every operation returns at once. Requests are multiplexed by tag, so any number
 * may be outstanding from any number of threads. A failed request's future fails with
 * {@link StyxRemoteException} (the server's Rerror), {@link StyxConnectionException} (connection
 * lost, closed or sent an illegal reply: every outstanding request fails with it),
 * {@link java.util.concurrent.TimeoutException}, or {@link IllegalArgumentException} /
 * {@link IllegalStateException} for a request that cannot be sent. <b>Cancelling</b> a future this
 * client returned sends Tflush for the request in flight and releases what the operation held.
 * Futures complete on the connection's event loop: dependent stages must not block (use the
 * {@code …Async} variants with an executor for slow work); never call {@code get()} from there.
 *
 * <p><b>Timeouts.</b> Each request carries the timeout of the view it was issued through:
 * {@link ClientOptions#requestTimeout()} for the client {@link #connect} returns, and anything else
 * for {@link #withTimeout}. A request that times out fails and is flushed. Reads of files that block
 * until something happens (a task's {@code stdout}, {@code wait}) need {@code withTimeout(Duration.ZERO)}.
 */
public final class StyxClient implements AutoCloseable {
    private final Connection conn;
    private final long timeoutNanos;
    /** The user this view's path operations attach as. */
    private final String uname;

    private StyxClient(Connection conn, long timeoutNanos, String uname) {
        this.conn = conn;
        this.timeoutNanos = timeoutNanos;
        this.uname = uname;
    }

    /**
     * Connects and negotiates the version (9P2000) and msize. Fails with
     * {@link StyxConnectionException} if the address cannot be reached within the connect timeout,
     * or the server does not speak 9P2000, or offers an msize below 256.
     */
    public static CompletableFuture<StyxClient> connect(DialAddress address, ClientOptions options) {
        CompletableFuture<StyxClient> result = new CompletableFuture<>();
        Connection.open(address, options).whenComplete((c, e) -> {
            if (e != null) {
                result.completeExceptionally(Futures.cause(e));
            } else if (!result.complete(new StyxClient(c, options.requestTimeout().toNanos(), options.uname()))) {
                c.close(); // cancelled by the caller meanwhile
            }
        });
        return result;
    }

    public DialAddress address() {
        return conn.address;
    }

    /** The negotiated msize. */
    public int msize() {
        return conn.msize();
    }

    /** The timeout of this view's requests; {@link Duration#ZERO} is none. */
    public Duration requestTimeout() {
        return Duration.ofNanos(timeoutNanos);
    }

    long timeoutNanos() {
        return timeoutNanos;
    }

    /**
     * A view of the same connection whose requests carry another timeout ({@link Duration#ZERO}:
     * none). Views share everything else; closing any of them closes the connection.
     */
    public StyxClient withTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout " + timeout + "; use Duration.ZERO for none");
        }
        return new StyxClient(conn, timeout.toNanos(), uname);
    }

    /**
     * A view of the same connection whose path operations act as {@code user}: their root is a separate attach
     * as that user, made on first use. For a server that lets this connection speak for others (a coordinator
     * naming a session's owner to its node); others refuse the attach.
     */
    public StyxClient as(String user) {
        return user.equals(uname) ? this : new StyxClient(conn, timeoutNanos, user);
    }

    /** The user this view's path operations act as. */
    public String user() {
        return uname;
    }

    // ------------------------------------------------------------------ messages and fids

    /**
     * Sends one request and yields its reply, for messages the fid API does not cover. The client
     * picks a free tag and calls {@code request} with it (on the event loop; it must put that tag in
     * the message). Tversion and Tflush are the client's own. An Rerror fails the future with
     * {@link StyxRemoteException}; the reply type is checked against the request. Fids used here
     * should come from {@link RemoteFid#fid()}.
     */
    public CompletableFuture<Rmessage> rpc(IntFunction<Tmessage> request) {
        return conn.send(request, timeoutNanos, null);
    }

    /**
     * Attaches a new fid of the caller's own to the tree {@code aname} as {@code uname}. With an auth
     * method in the options it first authenticates: Tauth, the method's exchange over the afid, the
     * attach through it, then the afid is clunked; a server that answers Tauth with an error ("not
     * required") gets a plain NOFID attach. A failed exchange fails with
     * {@link AuthenticationException} ({@code authentication failed: REASON}).
     */
    public CompletableFuture<RemoteFid> attach(String uname, String aname) {
        return Op.map(attachState(uname, aname, false), st -> new RemoteFid(this, st));
    }

    private CompletableFuture<RemoteFid.State> attachState(String uname, String aname, boolean shared) {
        if (conn.options.auth() instanceof AuthMethod.None) {
            return attachWith(P9.NOFID, uname, aname, shared);
        }
        ClientAuth method;
        try {
            method = conn.clientAuth();
        } catch (IllegalArgumentException e) {
            return Op.failed(new AuthenticationException(e.getMessage()));
        }
        Op<RemoteFid.State> op = new Op<>();
        int afid = conn.fids.allocate();
        CompletableFuture<Rmessage> tauth = conn.send(tag -> new Tmessage.Auth(tag, afid, uname, aname), timeoutNanos,
                (reply, delivered) -> {
                    if (reply instanceof Rmessage.Auth) {
                        if (!delivered) {
                            RemoteFid.clunkQuietly(conn, afid, timeoutNanos);
                        }
                    } else {
                        conn.fids.free(afid);
                    }
                });
        op.step(tauth).whenComplete((r, e) -> {
            if (e != null) {
                if (Futures.cause(e) instanceof StyxRemoteException) {
                    // attach(5): a server that needs no authentication says so with Rerror.
                    relayTo(op, attachWith(P9.NOFID, uname, aname, shared));
                } else {
                    op.fail(e);
                }
                return;
            }
            op.step(method.run(new FidIo(afid), uname, aname)).whenComplete((v, e2) -> {
                if (e2 != null) {
                    RemoteFid.clunkQuietly(conn, afid, timeoutNanos);
                    op.fail(e2);
                    return;
                }
                CompletableFuture<RemoteFid.State> attached = attachWith(afid, uname, aname, shared)
                        .exceptionallyCompose(StyxClient::asAuthFailure);
                attached.whenComplete((st, e3) -> RemoteFid.clunkQuietly(conn, afid, timeoutNanos));
                relayTo(op, attached);
            });
        });
        return op;
    }

    /** The server's verdict on an exchange comes as the attach's Rerror (munge is decoded then). */
    private static <T> CompletableFuture<T> asAuthFailure(Throwable e) {
        Throwable cause = Futures.cause(e);
        if (cause instanceof StyxRemoteException r && r.error().startsWith(AuthenticationException.PREFIX)) {
            AuthenticationException a = new AuthenticationException(r.error());
            a.initCause(r);
            return CompletableFuture.failedFuture(a);
        }
        return CompletableFuture.failedFuture(cause);
    }

    private void relayTo(Op<RemoteFid.State> op, CompletableFuture<RemoteFid.State> step) {
        op.step(step).whenComplete((st, e) -> {
            if (e != null) {
                op.fail(e);
            } else if (!op.complete(st) && !st.shared) {
                RemoteFid.clunkQuietly(conn, st.fid, timeoutNanos); // cancelled meanwhile: nobody else will
            }
        });
    }

    private CompletableFuture<RemoteFid.State> attachWith(int afid, String uname, String aname, boolean shared) {
        int fid = conn.fids.allocate();
        CompletableFuture<Rmessage> call = conn.send(tag -> new Tmessage.Attach(tag, fid, afid, uname, aname),
                timeoutNanos, (reply, delivered) -> {
                    if (reply instanceof Rmessage.Attach) {
                        if (!delivered) {
                            RemoteFid.clunkQuietly(conn, fid, timeoutNanos);
                        }
                    } else {
                        conn.fids.free(fid);
                    }
                });
        return Op.map(call, r -> new RemoteFid.State(conn, fid, ((Rmessage.Attach) r).qid(), shared));
    }

    /** Reads and writes of an auth fid as Tread and Twrite; offsets advance, though servers ignore them. */
    private final class FidIo implements AfidIo {
        private final int afid;
        private long readAt;
        private long writeAt;

        FidIo(int afid) {
            this.afid = afid;
        }

        @Override
        public synchronized CompletableFuture<byte[]> read(int count) {
            long at = readAt;
            int n = Math.min(count, msize() - P9.IOHDRSZ);
            return Op.map(conn.send(tag -> new Tmessage.Read(tag, afid, at, n), timeoutNanos, null), r -> {
                byte[] data = ((Rmessage.Read) r).data();
                synchronized (this) {
                    readAt += data.length;
                }
                return data;
            });
        }

        @Override
        public synchronized CompletableFuture<Integer> write(byte[] data) {
            long at = writeAt;
            byte[] chunk = data.length <= msize() - P9.IOHDRSZ ? data
                    : java.util.Arrays.copyOf(data, msize() - P9.IOHDRSZ);
            return Op.map(conn.send(tag -> new Tmessage.Write(tag, afid, at, chunk), timeoutNanos, null), r -> {
                int n = ((Rmessage.Write) r).count();
                synchronized (this) {
                    writeAt += n;
                }
                return n;
            });
        }
    }

    /**
     * The attach root the path operations start from, attached with this view's user and the options' aname
     * on first use (again after a failed attempt). It is shared: it can be walked from and stat'ed,
     * but not opened or clunked.
     */
    public CompletableFuture<RemoteFid> root() {
        return rootState().thenApply(st -> new RemoteFid(this, st));
    }

    private CompletableFuture<RemoteFid.State> rootState() {
        while (true) {
            CompletableFuture<RemoteFid.State> current = conn.roots.get(uname);
            if (current != null && !current.isCompletedExceptionally()) {
                return current;
            }
            CompletableFuture<RemoteFid.State> mine = new CompletableFuture<>();
            boolean won = current == null ? conn.roots.putIfAbsent(uname, mine) == null
                    : conn.roots.replace(uname, current, mine);
            if (won) {
                return Futures.relay(attachState(uname, conn.options.aname(), true), mine);
            }
        }
    }

    // ------------------------------------------------------------------ paths

    /** A new fid for {@code path}; the caller clunks it. */
    public CompletableFuture<RemoteFid> walk(String path) {
        List<String> names = splitPath(path);
        Op<RemoteFid> op = new Op<>();
        op.step(root()).whenComplete((root, e) -> {
            if (e != null) {
                op.fail(e);
            } else if (!op.isDone()) {
                CompletableFuture<RemoteFid> w = op.step(root.walk(names));
                w.whenComplete((fid, e2) -> {
                    if (e2 != null) {
                        op.fail(e2);
                    } else if (!op.complete(fid)) {
                        fid.clunkQuietly();
                    }
                });
            }
        });
        return op;
    }

    /** A new fid for {@code path}, opened with {@code mode}; the caller clunks it (see {@link RemoteFid#readNext()}). */
    public CompletableFuture<RemoteFid> open(String path, int mode) {
        Op<RemoteFid> op = new Op<>();
        op.step(walk(path)).whenComplete((fid, e) -> {
            if (e != null) {
                op.fail(e);
                return;
            }
            op.step(fid.open(mode)).whenComplete((same, e2) -> {
                if (e2 != null) {
                    fid.clunkQuietly();
                    op.fail(e2);
                } else if (!op.complete(fid)) {
                    fid.clunkQuietly();
                }
            });
        });
        return op;
    }

    /** The whole file: walk, open, read until an empty read, clunk. */
    public CompletableFuture<byte[]> readAll(String path) {
        return withFile(path, P9.OREAD, RemoteFid::readAll);
    }

    /** {@link #readAll} as UTF-8 text. */
    public CompletableFuture<String> readString(String path) {
        return Op.map(readAll(path), b -> new String(b, StandardCharsets.UTF_8));
    }

    /**
     * Writes {@code data} at offset 0 with exactly one Twrite, like {@code echo cmd > ctl}: walk,
     * open for writing, write, clunk. Fails with {@link IllegalArgumentException} if {@code data}
     * does not fit one write (the iounit), and with an {@link IOException} on a short write.
     */
    public CompletableFuture<Void> write(String path, byte[] data) {
        int most = msize() - P9.IOHDRSZ;
        if (data.length > most) {
            return Op.failed(new IllegalArgumentException("write of " + data.length + " bytes to " + path
                    + " exceeds the largest single write " + most + " (msize " + msize()
                    + " minus 24); one write is one Twrite (RemoteFid.writeAll splits bulk data)"));
        }
        return withFile(path, P9.OWRITE, fid -> Op.map(fid.write(0, data, path), n -> {
            if (n != data.length) {
                throw new IOException("short write to " + path + " on " + address() + ": " + n + " of "
                        + data.length + " bytes");
            }
            return null;
        }));
    }

    /** {@link #write(String, byte[])} of UTF-8 text. */
    public CompletableFuture<Void> write(String path, String text) {
        return write(path, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The entries of a directory, in the server's order. */
    public CompletableFuture<List<Dir>> list(String path) {
        return withFile(path, P9.OREAD, fid -> Op.map(fid.readAll(), data -> {
            try {
                return StyxWire.decodeDirs(data);
            } catch (StyxCodecException e) {
                throw new IOException("malformed directory " + path + " from " + address() + ": " + e.getMessage(), e);
            }
        }));
    }

    public CompletableFuture<Dir> stat(String path) {
        return withFile(path, -1, RemoteFid::stat);
    }

    /**
     * Reads {@code path} from its start until end of file, handing each non-empty chunk to
     * {@code sink} as it arrives, the next read sent only when {@code sink} has returned. Yields the
     * number of bytes read. Cancel the future to stop following. {@code sink} runs on the event loop
     * and must not block. A file that blocks between chunks needs {@code withTimeout(Duration.ZERO)}.
     */
    public CompletableFuture<Long> stream(String path, Consumer<byte[]> sink) {
        return withFile(path, P9.OREAD, fid -> {
            Op<Long> op = new Op<>();
            streamLoop(op, fid, sink, 0);
            return op;
        });
    }

    private static void streamLoop(Op<Long> op, RemoteFid fid, Consumer<byte[]> sink, long total) {
        op.step(fid.readNext()).whenComplete((data, e) -> {
            if (e != null) {
                op.fail(e);
            } else if (data.length == 0) {
                op.complete(total);
            } else if (!op.isDone()) {
                try {
                    sink.accept(data);
                } catch (RuntimeException x) {
                    op.fail(x);
                    return;
                }
                streamLoop(op, fid, sink, total + data.length);
            }
        });
    }

    /**
     * Walk to {@code path}, open it unless {@code mode} is negative, run {@code body}, and always
     * clunk. The clunk is waited for (so its effects, such as EOF on a task's stdin, have happened
     * when the future completes) but does not change the outcome; after a cancellation it is sent
     * without waiting.
     */
    private <T> CompletableFuture<T> withFile(String path, int mode, Function<RemoteFid, CompletableFuture<T>> body) {
        Op<T> op = new Op<>();
        op.step(walk(path)).whenComplete((fid, e) -> {
            if (e != null) {
                op.fail(e);
                return;
            }
            if (op.isDone()) {
                fid.clunkQuietly();
                return;
            }
            CompletableFuture<RemoteFid> opened = mode < 0 ? CompletableFuture.completedFuture(fid) : op.step(fid.open(mode));
            opened.thenCompose(f -> op.isDone() ? Op.<T>failed(new IllegalStateException("cancelled")) : op.step(body.apply(f)))
                    .whenComplete((v, e2) -> {
                        if (op.isDone()) {
                            fid.clunkQuietly();
                            return;
                        }
                        fid.clunk().whenComplete((ignored, e3) -> {
                            if (e2 != null) {
                                op.fail(e2);
                            } else {
                                op.complete(v);
                            }
                        });
                    });
        });
        return op;
    }

    /** Path elements: split on '/', empty elements and "." dropped. */
    static List<String> splitPath(String path) {
        List<String> names = new ArrayList<>();
        for (String e : path.split("/")) {
            if (!e.isEmpty() && !e.equals(".")) {
                names.add(e);
            }
        }
        return names;
    }

    // ------------------------------------------------------------------ lifetime

    /** True until the connection is closed or lost. */
    public boolean isOpen() {
        return conn.isOpen();
    }

    /**
     * Closes the connection without waiting: outstanding requests fail with
     * {@link StyxConnectionException}, fids are not clunked (the server clunks them on disconnect),
     * an owned event loop group is shut down. Idempotent; {@link #closeFuture()} tells when it is done.
     */
    @Override
    public void close() {
        conn.close();
    }

    /**
     * Completes (normally) once the connection is closed, by {@link #close()} or because it was lost,
     * and an owned event loop group has terminated.
     */
    public CompletableFuture<Void> closeFuture() {
        return conn.closeFuture().copy(); // a copy: completing it cannot fake a close
    }

    @Override
    public String toString() {
        return "StyxClient[" + conn.address + ", msize " + conn.msize() + "]";
    }
}
