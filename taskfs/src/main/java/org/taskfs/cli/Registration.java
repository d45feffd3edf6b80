package org.taskfs.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.taskfs.styx.auth.AuthenticationException;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.client.StyxRemoteException;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.util.Failures;
import org.taskfs.styx.util.PlanNineQuoting;

/**
 * {@code taskfs node --join}: keeps this node mounted on a coordinator. It dials the coordinator as this node's
 * user, with the node's own auth, and writes {@code mount ADDR NAME slots=K} to its root ctl, as an admin would;
 * the connection it did so on is then watched, and when it closes (the coordinator stopped or restarted) the node
 * joins again. A coordinator that does not answer is tried again with back-off; one that answers with a refusal
 * (authentication, a name taken, not an admin) has said all there is to say: {@link #refused} completes with its
 * words. Attempts run on a thread of their own, which may block; the client's event loop only schedules them.
 */
final class Registration implements AutoCloseable {
    private static final Duration FIRST_DELAY = Duration.ofMillis(100);
    private static final Duration MOST_DELAY = Duration.ofSeconds(3);
    /** Long enough for the coordinator to dial this node back (its own request timeout is 10 s). */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    private final DialAddress coordinator;
    private final ClientOptions options;
    private final String advertised;
    private final String name;
    private final int slots;
    private final PrintStream err;
    private final ScheduledExecutorService thread;
    private final CompletableFuture<String> refused = new CompletableFuture<>();

    /** Guarded by this. */
    private StyxClient client;
    private boolean closed;
    /** Whether the coordinator is known to be away: said once per absence, not once per attempt. */
    private boolean toldAbsent;
    private Duration delay = FIRST_DELAY;

    /**
     * @param advertised the address the coordinator dials this node at
     * @param slots      the node's slots, told to the coordinator as the member's limit
     */
    Registration(DialAddress coordinator, ClientOptions options, String advertised, String name, int slots,
                 PrintStream err) {
        this.coordinator = coordinator;
        this.options = options.withRequestTimeout(REQUEST_TIMEOUT);
        this.advertised = advertised;
        this.name = name;
        this.slots = slots;
        this.err = err;
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread d = new Thread(r, "taskfs-node-join");
            d.setDaemon(true);
            return d;
        });
        // Once closed, an attempt under way finishes (and is undone), a later one never starts.
        t.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.thread = t;
    }

    /** Begins: the first attempt is made at once. */
    void start() {
        thread.execute(this::attempt);
    }

    /** Completes with the coordinator's words if it refused this node. */
    CompletableFuture<String> refused() {
        return refused;
    }

    private void attempt() {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        StyxClient c = null;
        try {
            c = StyxClient.connect(coordinator, options).get();
            if (!listed(c)) {
                try {
                    c.write("/ctl", "mount " + advertised + " " + PlanNineQuoting.quote(name) + " slots=" + slots)
                            .get();
                } catch (ExecutionException e) {
                    // A restarted coordinator may have mounted it from its state meanwhile: that is joining too.
                    if (!listed(c)) {
                        throw e;
                    }
                }
            }
            StyxClient joined = c;
            synchronized (this) {
                // Kept even if closed meanwhile: close() waits for this attempt, then leaves on it.
                client = c;
                toldAbsent = false;
                delay = FIRST_DELAY;
            }
            err.println("taskfs node: joined the coordinator at " + coordinator + " as " + name);
            c.closeFuture().whenComplete((v, e) -> later(() -> lost(joined)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close(c);
        } catch (ExecutionException | RuntimeException e) {
            close(c);
            String words = refusal(Failures.cause(e));
            if (words != null) {
                err.println("taskfs node: the coordinator at " + coordinator + " refused to mount this node: "
                        + words + hint(words));
                refused.complete(words);
                return;
            }
            retry("does not answer (" + Failures.text(e) + ")");
        }
    }

    /**
     * Whether the coordinator has this node already, at this address under this name (a hostfile entry, or a
     * registration whose connection broke while the coordinator stayed): then there is nothing to write.
     */
    private boolean listed(StyxClient c) throws ExecutionException, InterruptedException {
        for (String line : c.readString("/ns").get().split("\n")) {
            String[] f = line.split(" ");
            if (f.length >= 3 && f[0].equals("mount") && f[1].equals(advertised) && f[2].equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the coordinator has this node drained (its ns line says draining, or gives a reason). */
    private boolean drained(StyxClient c) throws Exception {
        for (String line : c.readString("/ns").get(3, TimeUnit.SECONDS).split("\n")) {
            String[] f = line.split(" ");
            if (f.length >= 6 && f[1].equals(advertised) && f[2].equals(name)) {
                return f[5].equals("state=draining") || line.contains(" reason=");
            }
        }
        return false;
    }

    /** The coordinator's words if it answered with a refusal; null for no answer at all (try again). */
    private static String refusal(Throwable t) {
        if (t instanceof StyxRemoteException r) {
            return r.error();
        }
        if (t instanceof AuthenticationException a) {
            return a.getMessage();
        }
        return null;
    }

    private static String hint(String words) {
        if (words.startsWith("permission denied")) {
            return " (only an admin of the coordinator may mount nodes: run the node as root, as the coordinator's"
                    + " user or as a member of its --admin-group)";
        }
        return "";
    }

    /** The registration's connection closed: unless this node is stopping, join again. */
    private void lost(StyxClient c) {
        synchronized (this) {
            if (closed || client != c) {
                return;
            }
            client = null;
        }
        retry("closed the connection");
    }

    /** Tries again after the back-off, saying so once while the coordinator stays away. */
    private void retry(String what) {
        Duration wait;
        synchronized (this) {
            if (closed) {
                return;
            }
            if (!toldAbsent) {
                toldAbsent = true;
                err.println("taskfs node: the coordinator at " + coordinator + " " + what
                        + "; joining when it answers");
            }
            wait = delay;
            delay = delay.multipliedBy(2).compareTo(MOST_DELAY) > 0 ? MOST_DELAY : delay.multipliedBy(2);
        }
        // A little spread, so that the nodes of a restarted coordinator do not all call back at the same instant.
        long millis = wait.toMillis() + ThreadLocalRandom.current().nextLong(wait.toMillis() / 5 + 1);
        try {
            thread.schedule(this::attempt, millis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // closed: nothing more to do
        }
    }

    /** Runs {@code r} on the registration's thread, unless it has stopped: never on the client's event loop. */
    private void later(Runnable r) {
        try {
            thread.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // closed: nothing more to do
        }
    }

    private static void close(StyxClient c) {
        if (c != null) {
            c.close();
        }
    }

    /** Stops trying, and leaves the coordinator if joined ({@code unmount NAME}), best-effort and briefly. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        // An attempt under way may be mounting this node right now: let it finish, so that it can be undone.
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        StyxClient c;
        synchronized (this) {
            c = client;
            client = null;
        }
        if (c == null) {
            return;
        }
        try {
            if (drained(c)) {
                // Drained for work on this machine: it should come back drained, and only the pool remembers that.
                err.println("taskfs node: drained on the coordinator at " + coordinator + ": staying in its pool,"
                        + " drained, until undrain " + name);
                return;
            }
            c.write("/ctl", "unmount " + PlanNineQuoting.quote(name)).get(3, TimeUnit.SECONDS);
            err.println("taskfs node: left the coordinator at " + coordinator);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            err.println("taskfs node: could not leave the coordinator at " + coordinator + ": " + Failures.text(e));
        } finally {
            c.close();
        }
    }
}
