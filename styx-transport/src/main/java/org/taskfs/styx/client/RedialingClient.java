package org.taskfs.styx.client;

import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.dial.Transport;
import org.taskfs.styx.util.Failures;
import org.taskfs.styx.util.Futures;

/**
 * A client that outlives its connection: when the connection is lost it dials again, with back-off (50 ms
 * doubling to 0.5 s: a restarted server is found within half a second of serving), trying the addresses in
 * turn from the one it lost (a list is a server and its stand-ins), attaches as the same user with the same
 * authentication, and re-walks and re-opens every {@link DurableFid} by its path. For the front ends that
 * users keep open for long: the FUSE mount and {@code taskfs cat}.
 *
 * <p>An operation waits for a connection up to the reconnect timeout (per operation, from when it first had
 * to wait), then fails with {@link StyxConnectionException}; the client goes on dialing, so a later operation
 * succeeds once a server is back. An operation whose request was on the wire when the connection went is
 * repeated on the next one only if it is {@link Retry#SAFE} (walks, stats, reads at an offset, opens); any
 * other (a write: a command to a ctl file may have been carried out) fails with
 * {@link StyxConnectionException} and is not sent again.
 */
public final class RedialingClient implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RedialingClient.class.getName());
    public static final Duration DEFAULT_RECONNECT_TIMEOUT = Duration.ofSeconds(60);
    private static final long FIRST_BACKOFF_MILLIS = 50;
    private static final long MAX_BACKOFF_MILLIS = 500;

    /** Whether an operation whose request was in flight when the connection went may be sent again. */
    public enum Retry {
        /** Repeating it does what doing it once does: walk, stat, open, a read at an explicit offset. */
        SAFE,
        /** It may have been carried out (a write, a create, a remove): it fails rather than be repeated. */
        ONCE
    }

    /** One connection of this client's life, attached. */
    record Link(StyxClient client, int number, int addressIndex) {}

    private final List<DialAddress> addresses;
    private final ClientOptions options;
    private final EventLoopGroup ownedGroup;
    private final long reconnectNanos;
    private final Consumer<String> events;
    private final Set<DurableFid> fids = ConcurrentHashMap.newKeySet();
    private final AtomicInteger redials = new AtomicInteger();
    private final Object lock = new Object();
    /** Completed with the live link; pending while redialing; failed once closed. */
    private CompletableFuture<Link> current;
    private boolean closed;
    private volatile String lastFailure = "";

    private RedialingClient(List<DialAddress> addresses, ClientOptions options, EventLoopGroup ownedGroup,
                            Duration reconnectTimeout, Consumer<String> events, Link first) {
        this.addresses = addresses;
        this.options = options;
        this.ownedGroup = ownedGroup;
        this.reconnectNanos = reconnectTimeout.toNanos();
        this.events = events;
        this.current = CompletableFuture.completedFuture(first);
        watch(first);
    }

    /**
     * Dials the addresses in order, once each, and attaches (with the options' user, tree and authentication)
     * to the first that answers. Fails with the failure of each address when none does: at the start, a wrong
     * address is the caller's mistake, not an outage to wait out.
     *
     * @param reconnectTimeout how long an operation waits for a connection after a loss; ZERO: not at all
     * @param events           told of losses and reconnections, one line each, on an event loop (must not block)
     */
    public static CompletableFuture<RedialingClient> connect(List<DialAddress> addresses, ClientOptions options,
                                                             Duration reconnectTimeout, Consumer<String> events) {
        Objects.requireNonNull(events, "events");
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no address to dial");
        }
        if (reconnectTimeout.isNegative()) {
            throw new IllegalArgumentException("negative reconnect timeout " + reconnectTimeout);
        }
        List<DialAddress> list = List.copyOf(addresses);
        EventLoopGroup owned = options.group() == null ? Transport.newClientGroup("styx-redial", list) : null;
        ClientOptions shared = owned == null ? options : options.withGroup(owned);
        CompletableFuture<RedialingClient> result = new CompletableFuture<>();
        firstDial(list, shared, 0, new ArrayList<>(), result, c -> new RedialingClient(list, shared, owned,
                reconnectTimeout, events, c));
        result.whenComplete((c, e) -> {
            if (e != null && owned != null) {
                owned.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        });
        return result;
    }

    private static void firstDial(List<DialAddress> list, ClientOptions options, int i, List<String> failures,
                                  CompletableFuture<RedialingClient> result, Function<Link, RedialingClient> made) {
        dial(list.get(i), options).whenComplete((client, e) -> {
            if (e == null) {
                result.complete(made.apply(new Link(client, 0, i)));
                return;
            }
            Throwable t = Futures.cause(e);
            if (list.size() == 1) {
                result.completeExceptionally(t);
                return;
            }
            failures.add(list.get(i) + ": " + Failures.text(t));
            if (i + 1 < list.size()) {
                firstDial(list, options, i + 1, failures, result, made);
            } else {
                result.completeExceptionally(new StyxConnectionException("no server answered: "
                        + String.join("; ", failures), t));
            }
        });
    }

    /** A connection attached as the options' user: a refused attach is a failed dial. */
    private static CompletableFuture<StyxClient> dial(DialAddress address, ClientOptions options) {
        return StyxClient.connect(address, options).thenCompose(client -> client.root().handle((root, e) -> {
            if (e != null) {
                client.close();
                throw Futures.rethrow(e);
            }
            return client;
        }));
    }

    // ------------------------------------------------------------------ losing and redialing

    /** Redials as soon as the connection ends, whether or not a request noticed. */
    private void watch(Link link) {
        link.client().closeFuture().thenRun(() -> lost(link));
    }

    private void lost(Link link) {
        synchronized (lock) {
            if (closed || live() != link) {
                return; // already redialing, or closed on purpose
            }
            current = new CompletableFuture<>();
        }
        link.client().close();
        events.accept("connection to " + link.client().address() + " lost; redialing");
        redial(link.addressIndex(), 0, FIRST_BACKOFF_MILLIS, link.number() + 1);
    }

    /** Tries address {@code (from + tries) % n}; after each full round, waits {@code backoff} first. */
    private void redial(int from, int tries, long backoff, int number) {
        int index = (from + tries) % addresses.size();
        DialAddress address = addresses.get(index);
        dial(address, options).whenComplete((client, e) -> {
            if (e != null) {
                lastFailure = Failures.text(e);
                int next = tries + 1;
                if (next % addresses.size() != 0) {
                    redial(from, next, backoff, number);
                    return;
                }
                synchronized (lock) {
                    if (closed) {
                        return;
                    }
                }
                try {
                    options.group().next().schedule(() -> redial(from, next, Math.min(backoff * 2, MAX_BACKOFF_MILLIS),
                            number), backoff, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException x) {
                    // shutting down: closed meanwhile
                }
                return;
            }
            Link link = new Link(client, number, index);
            CompletableFuture<Link> waiting;
            synchronized (lock) {
                waiting = closed ? null : current;
            }
            if (waiting == null) {
                client.close();
                return;
            }
            redials.incrementAndGet();
            events.accept("reconnected to " + address + " (connection " + number + ")");
            watch(link);
            for (DurableFid f : fids) {
                f.on(link); // re-walked and re-opened now: a server may count its open files (killonclose)
            }
            waiting.complete(link);
        });
    }

    /**
     * The live link; while there is none, the one to come, failing once {@code deadline[0]} (set here on the
     * first wait of an operation) has passed.
     */
    private CompletableFuture<Link> link(long[] deadline) {
        CompletableFuture<Link> c;
        synchronized (lock) {
            c = current;
        }
        if (c.isDone()) {
            return c;
        }
        long now = System.nanoTime();
        if (deadline[0] == 0) {
            deadline[0] = now + reconnectNanos;
        }
        long left = deadline[0] - now;
        if (left <= 0) {
            return CompletableFuture.failedFuture(outage());
        }
        CompletableFuture<Link> w = new CompletableFuture<>();
        ScheduledFuture<?> timer = options.group().next().schedule(() -> w.completeExceptionally(outage()), left,
                TimeUnit.NANOSECONDS);
        c.whenComplete((l, e) -> {
            timer.cancel(false);
            if (e != null) {
                w.completeExceptionally(Futures.cause(e));
            } else {
                w.complete(l);
            }
        });
        return w;
    }

    private StyxConnectionException outage() {
        String last = lastFailure;
        String within = reconnectNanos == 0 ? " (the reconnect timeout is 0: not waiting)"
                : " within the reconnect timeout of " + Connection.format(reconnectNanos);
        return new StyxConnectionException("no connection to " + describe(addresses) + within
                + (last.isEmpty() ? "" : " (last: " + last + ")") + "; still redialing");
    }

    // ------------------------------------------------------------------ operations

    /**
     * Runs {@code op} on the client of the live connection, waiting for one as long as the reconnect timeout
     * allows. If the connection is lost under it, {@link Retry#SAFE} runs it again on the next one, and
     * {@link Retry#ONCE} fails with {@link StyxConnectionException} naming {@code what}. Cancelling the result
     * cancels the wait or the request in flight.
     */
    public <T> CompletableFuture<T> call(String what, Retry retry, Function<StyxClient, CompletableFuture<T>> op) {
        Op<T> out = new Op<>();
        attempt(out, what, retry, l -> op.apply(l.client()), new long[1]);
        return out;
    }

    <T> CompletableFuture<T> callOnLink(String what, Retry retry, Function<Link, CompletableFuture<T>> op) {
        Op<T> out = new Op<>();
        attempt(out, what, retry, op, new long[1]);
        return out;
    }

    private <T> void attempt(Op<T> out, String what, Retry retry, Function<Link, CompletableFuture<T>> op,
                             long[] deadline) {
        out.step(link(deadline)).whenComplete((l, e) -> {
            if (e != null) {
                out.fail(e);
                return;
            }
            if (out.isDone()) {
                return;
            }
            CompletableFuture<T> f = Futures.attempt(() -> op.apply(l));
            out.step(f).whenComplete((v, e2) -> {
                if (e2 == null) {
                    out.complete(v);
                    return;
                }
                Throwable t = Futures.cause(e2);
                if (!(t instanceof StyxConnectionException) || l.client().isOpen() || out.isDone()) {
                    out.fail(t);
                    return;
                }
                lost(l);
                if (retry == Retry.SAFE) {
                    attempt(out, what, retry, op, deadline);
                } else {
                    out.fail(new StyxConnectionException(what + ": the connection to " + l.client().address()
                            + " was lost with the request in flight; not repeated, as the server may have done it", t));
                }
            });
        });
    }

    /** The entry of {@code path}. */
    public CompletableFuture<Dir> stat(String path) {
        return call("stat " + path, Retry.SAFE, c -> c.stat(path));
    }

    /** The entries of a directory. */
    public CompletableFuture<List<Dir>> list(String path) {
        return call("list " + path, Retry.SAFE, c -> c.list(path));
    }

    /**
     * Walks to {@code path} and opens it with {@code mode}; the fid is re-opened by path on every new
     * connection (without OTRUNC: the truncation was done). A file that opens as another (a {@code clone}
     * opens as its new session's {@code ctl}) is not: opening the path again would make another, so after a
     * loss its operations fail with {@link StyxConnectionException}. The caller clunks it.
     */
    public CompletableFuture<DurableFid> open(String path, int mode) {
        return callOnLink("open " + path, Retry.SAFE, l -> {
            Op<DurableFid> out = new Op<>();
            out.step(untimed(l).walk(path)).whenComplete((fid, e) -> {
                if (e != null) {
                    out.fail(e);
                    return;
                }
                long walked = fid.qid().path();
                out.step(fid.open(mode)).whenComplete((same, e2) -> {
                    if (e2 != null) {
                        fid.clunkQuietly();
                        out.fail(e2);
                        return;
                    }
                    DurableFid d = new DurableFid(this, path, mode, l, fid, fid.qid().path() == walked);
                    if (out.complete(d)) {
                        fids.add(d);
                    } else {
                        fid.clunkQuietly();
                    }
                });
            });
            return out;
        });
    }

    /**
     * Creates {@code name} in the directory {@code dir} and opens it; re-opened by its path (without
     * creating) on a new connection. Not repeated if the connection goes meanwhile.
     */
    public CompletableFuture<DurableFid> create(String dir, String name, int perm, int mode) {
        String path = dir.endsWith("/") ? dir + name : dir + "/" + name;
        return callOnLink("create " + path, Retry.ONCE, l -> {
            Op<RemoteFid> made = new Op<>();
            made.step(l.client().walk(dir)).whenComplete((d, e) -> {
                if (e != null) {
                    made.fail(e);
                    return;
                }
                made.step(d.create(name, perm, mode)).whenComplete((f, e2) -> {
                    if (e2 != null) {
                        d.clunkQuietly();
                        made.fail(e2);
                    } else if (!made.complete(f)) {
                        f.clunkQuietly();
                    }
                });
            });
            return Op.map(made, fid -> {
                DurableFid d = new DurableFid(this, path, mode, l, fid, true);
                fids.add(d);
                return d;
            });
        });
    }

    /**
     * Follows {@code path} from its start to its end of file, as {@link StyxClient#stream} does, across
     * connections: after a loss the file is re-opened and read on from the offset reached, so every byte comes
     * once. Yields the number of bytes read.
     */
    public CompletableFuture<Long> stream(String path, Consumer<byte[]> sink) {
        Op<Long> op = new Op<>();
        op.step(open(path, P9.OREAD)).whenComplete((fid, e) -> {
            if (e != null) {
                op.fail(e);
                return;
            }
            streamLoop(op, fid, sink);
        });
        return op;
    }

    private static void streamLoop(Op<Long> op, DurableFid fid, Consumer<byte[]> sink) {
        if (op.isDone()) {
            fid.clunk();
            return;
        }
        op.step(fid.readNext()).whenComplete((data, e) -> {
            if (e != null) {
                fid.clunk();
                op.fail(e);
            } else if (data.length == 0) {
                fid.clunk().whenComplete((v, e2) -> op.complete(fid.offset()));
            } else {
                try {
                    sink.accept(data);
                } catch (RuntimeException x) {
                    fid.clunk();
                    op.fail(x);
                    return;
                }
                streamLoop(op, fid, sink);
            }
        });
    }

    StyxClient untimed(Link l) {
        return l.client().withTimeout(Duration.ZERO);
    }

    /** The current link if there is one: for binding a fid eagerly. */
    Link liveLink() {
        synchronized (lock) {
            return live();
        }
    }

    /** Under the lock: the link {@code current} holds, or null while redialing or once closed. */
    private Link live() {
        CompletableFuture<Link> c = current;
        return c.isDone() && !c.isCompletedExceptionally() ? c.join() : null;
    }

    void forget(DurableFid fid) {
        fids.remove(fid);
    }

    Duration requestTimeout() {
        return options.requestTimeout();
    }

    // ------------------------------------------------------------------ state

    public List<DialAddress> addresses() {
        return addresses;
    }

    /** The address of the live connection; the first address while there is none. */
    public DialAddress address() {
        Link l = liveLink();
        return l != null ? l.client().address() : addresses.get(0);
    }

    /** How many times a lost connection was made again. */
    public int redials() {
        return redials.get();
    }

    /** The user this client attaches as. */
    public String user() {
        return options.uname();
    }

    /** Ends the connection and the redialing; every operation waiting fails. Idempotent. */
    @Override
    public void close() {
        CompletableFuture<Link> c;
        Link l;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            c = current;
            l = live();
            // Failed for good: an operation that comes back for a connection must not be handed the old one.
            current = CompletableFuture.failedFuture(new StyxConnectionException("connection to "
                    + describe(addresses) + " closed"));
        }
        c.completeExceptionally(new StyxConnectionException("connection to " + describe(addresses) + " closed"));
        if (l != null) {
            l.client().close();
        }
        if (ownedGroup != null) {
            ownedGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        LOG.log(System.Logger.Level.DEBUG, "closed the client of {0}", describe(addresses));
    }

    /** Addresses as a list is written on the command line: {@code a,b}. */
    public static String describe(List<DialAddress> addresses) {
        return String.join(",", addresses.stream().map(DialAddress::toString).toList());
    }

    @Override
    public String toString() {
        return "RedialingClient[" + describe(addresses) + "]";
    }
}
