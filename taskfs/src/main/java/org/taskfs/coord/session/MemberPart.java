package org.taskfs.coord.session;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.taskfs.coord.pool.Member;
import org.taskfs.coord.pool.Pool;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.util.Failures;
import org.taskfs.styx.util.Futures;
import org.taskfs.styx.util.PlanNineQuoting;
import org.taskfs.task.CtlRequest;
import org.taskfs.task.Disk;
import org.taskfs.task.Part;
import org.taskfs.task.Scratch;

/**
 * A session's tasks on one member: a session there, reached through its ctl ({@link MemberCtl}: open while a
 * task holds a slot, let go once all have finished). A command for all of them is one write to that ctl;
 * settings are mirrored to the session's files there as they change.
 */
final class MemberPart implements Part {
    private final Pool.Reservation at;
    private final List<RemoteTask> tasks;

    /** {@code copies}: the start of the names of its tasks' copy files, each task adding {@code .I}. */
    MemberPart(Pool.Reservation at, Path copies, Scratch.Removals removals) {
        this.at = at;
        List<RemoteTask> made = new ArrayList<>();
        for (int i = 0; i < at.count(); i++) {
            RemoteTask t = new RemoteTask(at.member(), at.owner(), at.remoteDir() + "/" + i,
                    copies.resolveSibling(copies.getFileName() + "." + i), removals, this::letGoIfSettled);
            at.member().placed(t);
            made.add(t);
        }
        this.tasks = List.copyOf(made);
    }

    @Override
    public List<RemoteTask> tasks() {
        return tasks;
    }

    @Override
    public String binding(int i) {
        return at.member().address() + "!" + tasks.get(i).remoteDir();
    }

    /** The member's name, the session's directory there and its task count ({@link CoordinatorTasks#restore}). */
    @Override
    public String record() {
        return PlanNineQuoting.quote(at.member().name()) + " " + PlanNineQuoting.quote(at.remoteDir()) + " "
                + tasks.size();
    }

    /**
     * Taken back after a restart: each task that ran there is followed again from the start of its run's output
     * (the member keeps it), so copies here and readers at any offset see all of it; one never started stays so.
     */
    CompletableFuture<Void> resume() {
        return at.member().read(at.owner(), at.remoteDir() + "/status").thenCompose(text -> {
            String[] lines = text.split("\n");
            List<CompletableFuture<Void>> resumed = new ArrayList<>();
            for (int i = 0; i < tasks.size(); i++) {
                resumed.add(tasks.get(i).resume(i < lines.length ? lines[i] + "\n" : null));
            }
            return CompletableFuture.allOf(resumed.toArray(new CompletableFuture<?>[0]));
        }).whenComplete((v, e) -> letGoIfSettled());
    }

    /** Its tasks are lost, all of them: the member or its session is gone. */
    void lostAll(String reason) {
        for (RemoteTask t : tasks) {
            t.lost(reason);
        }
    }

    @Override
    public String where() {
        return at.member().name();
    }

    private CompletableFuture<Void> write(int task, String text) {
        if (task < 0) {
            return at.ctl().write(text).whenComplete((v, e) -> letGoIfSettled());
        }
        return at.member().write(at.owner(), tasks.get(task).remote("ctl"), text);
    }

    /** No task holds a slot (each has finished, or is lost): the member's ctl is let go until the next command. */
    private void letGoIfSettled() {
        for (RemoteTask t : tasks) {
            if (t.holdsSlot() || t.execsOut()) {
                return;
            }
        }
        at.ctl().letGo();
    }

    /** The copies an exec's output goes to, or why they could not be made. */
    private record Made(List<RemoteTask.Copy> copies, Throwable failure) {}

    @Override
    public CompletableFuture<Void> command(CtlRequest c, int task) {
        if (!c.verb().equals("exec")) {
            return write(task, c.text());
        }
        List<RemoteTask> which = task < 0 ? tasks : List.of(tasks.get(task));
        // The copies' files are made while the exec travels; the runs begin when both are done, before the
        // exec is answered, so a read that follows the answer finds the new run.
        CompletableFuture<List<RemoteTask.Copy>> made = Disk.supply(() -> {
            List<RemoteTask.Copy> copies = new ArrayList<>();
            for (RemoteTask t : which) {
                copies.add(t.newCopy());
            }
            return copies;
        });
        // Until answered, readers opened now wait for the run it starts (Leaf.runToRead).
        which.forEach(RemoteTask::execAsked);
        CompletableFuture<Throwable> answered = Futures.failure(write(task, c.text()));
        return made.handle(Made::new).thenCombine(answered, (m, e) -> {
            List<RemoteTask.Copy> copies = m.copies();
            if (copies == null) {
                which.forEach(RemoteTask::execRefused);
                String why = Failures.text(m.failure());
                if (e != null) {
                    throw new StyxException(Failures.text(e));
                }
                // Started there, but its output would have nowhere to go here: it is not left running unseen.
                write(task, "kill");
                throw new StyxException("exec: cannot keep the output here (" + why + "); the run was killed");
            }
            boolean refused = e != null && Failures.text(e).equals(CtlRequest.IN_USE);
            for (int i = 0; i < which.size(); i++) {
                if (refused) {
                    copies.get(i).close();
                    which.get(i).execRefused();
                } else {
                    // Started, failed or killed there: each task has a new run, and readers follow it.
                    which.get(i).beginRun(copies.get(i), c.text());
                }
            }
            if (e != null) {
                throw new StyxException(Failures.text(e));
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> mirror(String file, String text) {
        if (file.equals("ctl")) {
            return write(-1, text);
        }
        return at.member().write(at.owner(), at.remoteDir() + "/" + file, text);
    }

    @Override
    public CompletableFuture<Void> truncate(String file) {
        return at.member().truncate(at.owner(), at.remoteDir() + "/" + file);
    }

    /**
     * The member session's status, one read; tasks whose member is gone show their last line as Lost, those
     * of a member that is unreachable their last known line, without waiting for it.
     */
    @Override
    public CompletableFuture<List<String>> status() {
        if (tasks.stream().allMatch(RemoteTask::isLost)) {
            return CompletableFuture.completedFuture(lostLines());
        }
        if (at.member().state() == Member.State.UNREACHABLE) {
            return CompletableFuture.completedFuture(knownLines());
        }
        return at.member().read(at.owner(), at.remoteDir() + "/status").handle((text, e) -> {
            if (e != null) {
                if (tasks.stream().anyMatch(RemoteTask::isLost)) {
                    return lostLines();
                }
                if (at.member().state() == Member.State.UNREACHABLE) {
                    return knownLines();
                }
                throw new StyxException(Failures.text(e));
            }
            String[] lines = text.split("\n");
            List<String> out = new ArrayList<>();
            for (int i = 0; i < tasks.size(); i++) {
                RemoteTask t = tasks.get(i);
                if (i < lines.length) {
                    t.statusSeen(lines[i] + "\n");
                }
                out.add(t.isLost() || i >= lines.length ? t.lostStatus() : lines[i] + "\n");
            }
            return out;
        });
    }

    private List<String> lostLines() {
        List<String> out = new ArrayList<>();
        for (RemoteTask t : tasks) {
            out.add(t.lostStatus());
        }
        return out;
    }

    private List<String> knownLines() {
        List<String> out = new ArrayList<>();
        for (RemoteTask t : tasks) {
            out.add(t.knownStatus());
        }
        return out;
    }

    @Override
    public CompletableFuture<Void> release() {
        for (RemoteTask t : tasks) {
            t.release();
        }
        return at.release().whenComplete((v, e) -> {
            for (RemoteTask t : tasks) {
                at.member().released(t);
            }
        });
    }
}
