package org.taskfs.coord.session;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.taskfs.coord.pool.MemberChoice;
import org.taskfs.coord.pool.Pool;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.server.StyxException;
import org.taskfs.task.Backend;
import org.taskfs.task.CtlTable;
import org.taskfs.task.HostInfo;
import org.taskfs.task.Part;
import org.taskfs.task.ResCommand;
import org.taskfs.task.Scratch;
import org.taskfs.task.Session;

/**
 * A coordinator's tasks: tasks on the servers of its pool, reserved through the pool, driven one message per
 * member. Copies of their output are kept under the scratch directory.
 */
public final class CoordinatorTasks extends Backend {
    private final Pool pool;
    private final Path scratchRoot;
    private final AtomicLong parts = new AtomicLong();
    private final Scratch.Removals removals = new Scratch.Removals();

    public CoordinatorTasks(Pool pool, Path scratchRoot) {
        super(HostInfo.LOCAL);
        this.pool = pool;
        this.scratchRoot = scratchRoot;
        this.rootVerbs = rootVerbs(pool);
        pool.onCapacity(this::capacityChanged);
    }

    @Override
    public Room room(ResCommand res) {
        return pool.room(res.os(), res.arch(), MemberChoice.of(res.nodes(), res.exclude()));
    }

    @Override
    public CompletableFuture<List<Part>> reserve(Session session, ResCommand res) {
        MemberChoice choice = MemberChoice.of(res.nodes(), res.exclude());
        return pool.reserve(res.count(), res.os(), res.arch(), choice, session.owner(), r -> (Part) new MemberPart(r,
                scratchRoot.resolve(session.id() + "-" + parts.getAndIncrement()), removals));
    }

    /** The copies of released tasks are gone before the coordinator's own scratch directory may go. */
    @Override
    public void close() {
        removals.await(java.time.Duration.ofSeconds(10));
    }

    @Override
    public String census() {
        return pool.census();
    }

    @Override
    public String capacity() {
        return pool.ns();
    }

    @Override
    public String settings() {
        return "heartbeat " + pool.settings().heartbeat().toMillis() + "ms\n"
                + "timeout " + pool.settings().requestTimeout().toMillis() + "ms\n"
                + "node-timeout " + pool.settings().nodeTimeout().toMillis() + "ms\n"
                + "members " + pool.members().size() + "\n"
                + pool.downMembers();
    }

    /**
     * Root ctl: {@code mount ADDR [NAME] [slots=K]}, {@code unmount NAME}, {@code drain NAME [REASON]},
     * {@code undrain NAME}.
     */
    private final CtlTable<Void> rootVerbs;

    private static CtlTable<Void> rootVerbs(Pool pool) {
        return new CtlTable<Void>()
            .add("mount", 1, 3, "mount ADDR [NAME] [slots=K]", (x, c) -> {
                DialAddress at = DialAddress.parse(c.arg(0), 6666);
                String name = null;
                Integer slots = null;
                for (String a : c.args().subList(1, c.args().size())) {
                    if (a.startsWith("slots=")) {
                        try {
                            slots = Integer.parseInt(a.substring(6));
                        } catch (NumberFormatException e) {
                            throw new StyxException("mount: bad slots \"" + a + "\"; expected slots=K");
                        }
                    } else {
                        name = a;
                    }
                }
                return pool.mount(at, name, slots).thenApply(m -> null);
            })
            .add("unmount", 1, 1, "unmount NAME", (x, c) -> {
                pool.unmount(c.arg(0));
                return CompletableFuture.completedFuture(null);
            })
            .add("drain", 1, -1, "drain NAME [REASON]", (x, c) -> {
                // The reason may be one quoted word or several plain ones: drain n1 disk failing.
                pool.drain(c.arg(0), String.join(" ", c.args().subList(1, c.args().size())));
                return CompletableFuture.completedFuture(null);
            })
            .add("undrain", 1, 1, "undrain NAME", (x, c) -> {
                pool.undrain(c.arg(0));
                return CompletableFuture.completedFuture(null);
            });
    }

    @Override
    public CtlTable<Void> rootVerbs() {
        return rootVerbs;
    }
}
