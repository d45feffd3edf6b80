package org.taskfs.task;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a task server is made of beyond the shared tree: where its tasks come from (local processes on a node,
 * tasks on the members of a coordinator), its capacity, and its root ctl. {@link TaskTree} serves the rest,
 * identically for both.
 */
public abstract class Backend {
    private final HostInfo host;
    private volatile String address = "";

    protected Backend(HostInfo host) {
        this.host = host;
    }

    /** The host, as the root {@code arch} file shows it. */
    public final HostInfo host() {
        return host;
    }

    /** This server's dial string, once it listens: TASKFS_ADDR of sessions made here. */
    public final String address() {
        return address;
    }

    final void address(String dial) {
        address = dial;
    }

    /**
     * Reserves {@code res.count()} more tasks for {@code session}, all or nothing: on failure nothing stays reserved
     * and the error names the shortfall ({@code res: not enough capacity: asked 8, 5 free slots (Linux amd64)}).
     * A backend with no members to choose among refuses a {@code res} that names some.
     */
    public abstract CompletableFuture<List<Part>> reserve(Session session, ResCommand res);

    /**
     * What a {@code res} of this kind could have: every slot of the usable entries that offer it, busy or not (a
     * res asking more can never be satisfied and fails at once), those free now, the kind as errors name it, and
     * what a refusal adds after it ({@code note}: on a coordinator, the members that are down and why).
     */
    public record Room(int slots, int free, String kind, String note) {
        public Room(int slots, int free, String kind) {
            this(slots, free, kind, "");
        }
    }

    public abstract Room room(ResCommand res);

    /**
     * What a waiting {@code res} waits on besides slots freeing, as its Pending status line and the root ns show
     * it (a coordinator growing through Slurm: {@code slurm job 12: PENDING Resources}); empty for nothing more.
     * Called under the queue's lock: it must not call back into the queue.
     */
    public String waitNote(ResCommand res) {
        return "";
    }

    /** The {@code res} no longer waits: reserved, failed or given up. */
    public void waitEnded(ResCommand res) {}

    private volatile Runnable capacityListener = () -> {};

    /** Who is told when slots may have become free (the reservation queue). */
    final void onCapacity(Runnable listener) {
        capacityListener = listener;
    }

    /** Slots may have become free (or more appeared): waiting reservations are tried again. */
    protected final void capacityChanged() {
        capacityListener.run();
    }

    /**
     * Whether {@code user} may own a session here (open {@code clone}); throws the reason if not. Anyone may by
     * default: a node that cannot start processes as others overrides this.
     */
    public void checkOwner(String user) {}

    /** The root {@code status}: the census, one {@code COUNT OS ARCH} line per kind. */
    public abstract String census();

    /** The root {@code ns}: {@link Capacity} lines, one per pool entry. */
    public abstract String capacity();

    /** The root {@code ctl}: what reading it shows, and the verbs writing it takes (admin only). */
    public abstract String settings();

    public abstract CtlTable<Void> rootVerbs();

    /** How long a held session whose holder let go keeps its tasks before they are released (see {@code hold}). */
    public java.time.Duration orphanGrace() {
        return java.time.Duration.ofMinutes(5);
    }

    /** The server stops: free what the backend holds (sessions are released before). */
    public void close() {}
}
