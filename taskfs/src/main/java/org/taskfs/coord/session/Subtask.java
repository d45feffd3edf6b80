package org.taskfs.coord.session;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.taskfs.coord.pool.Member;
import org.taskfs.styx.client.RemoteFid;

/**
 * A direct child of a session: a task on a node, or a whole session on a mounted coordinator.
 * The coordinator holds its ctl open for the subtask's life (the clone fid it was made with), so
 * ctl verbs reach it with one write.
 */
public final class Subtask {
    private final Member member;
    private final String remoteDir;
    private final RemoteFid ctl;
    private final TaskView view;

    public Subtask(Member member, String remoteDir, RemoteFid ctl, TaskView view) {
        this.member = member;
        this.remoteDir = remoteDir;
        this.ctl = ctl;
        this.view = view;
    }

    public Member member() {
        return member;
    }

    public String remoteDir() {
        return remoteDir;
    }

    /** What the session lists for it: a leaf, or the group of the mounted coordinator's tasks. */
    public TaskView view() {
        return view;
    }

    public List<Leaf> leaves() {
        return view.leaves();
    }

    /** Writes one ctl command to it. */
    public CompletableFuture<Void> control(String command) {
        return ctl.write(0, command.getBytes(StandardCharsets.UTF_8)).thenApply(n -> null);
    }

    /** Frees it on its member: what runs is killed there. Never fails. */
    public CompletableFuture<Void> release() {
        for (Leaf l : leaves()) {
            l.release();
        }
        return control("release").handle((v, e) -> {
            ctl.clunk();
            for (Leaf l : leaves()) {
                member.released(l);
            }
            return null;
        });
    }
}
