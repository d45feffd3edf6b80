package org.taskfs.coord.pool;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.codec.P9;

/**
 * The ctl of a session this coordinator made on a member. It is kept open while the session's tasks are busy,
 * so that a command is one write, and let go once they have all finished: a member's fid limit is then spent
 * on work in progress, never on thousands of finished sessions. The next command opens it again. (The
 * member's session stays this coordinator's meanwhile: it is held by the connection, see {@code hold}.)
 * Thread-safe.
 */
public final class MemberCtl {
    private final Member member;
    private final String owner;
    private final String path;
    /** The open ctl, or null when let go. */
    private CompletableFuture<RemoteFid> fid;
    private int writing;
    /** Let go was asked while writes were out: done when the last one is answered. */
    private boolean letGoLater;

    MemberCtl(Member member, String owner, String path, RemoteFid open) {
        this.member = member;
        this.owner = owner;
        this.path = path;
        // Not open (null): the first command opens it (a session taken back after a restart).
        this.fid = open == null ? null : CompletableFuture.completedFuture(open);
    }

    /** Writes one command; the member answers commands on one fid in the order written. */
    public CompletableFuture<Void> write(String text) {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        CompletableFuture<RemoteFid> f;
        synchronized (this) {
            if (fid == null) {
                fid = member.open(owner, path, P9.OWRITE, false);
            }
            f = fid;
            writing++;
            letGoLater = false;
        }
        // As every request to the member: held back while it is unreachable, not sent into the silence.
        return member.reachable().thenCompose(x -> f).thenCompose(c -> c.write(0, data)).<Void>thenApply(n -> null)
                .whenComplete((v, e) -> written(f));
    }

    private void written(CompletableFuture<RemoteFid> f) {
        CompletableFuture<RemoteFid> drop = null;
        synchronized (this) {
            writing--;
            if (f.isCompletedExceptionally() && fid == f) {
                fid = null; // the next command tries to open it again
            } else if (writing == 0 && letGoLater) {
                drop = takeFid();
            }
        }
        clunk(drop);
    }

    /** Nothing of the session is busy: the fid goes now, or once the writes out are answered. */
    public void letGo() {
        CompletableFuture<RemoteFid> drop;
        synchronized (this) {
            if (writing > 0) {
                letGoLater = true;
                return;
            }
            drop = takeFid();
        }
        clunk(drop);
    }

    /** Open now, for tests and diagnostics. */
    public synchronized boolean isOpen() {
        return fid != null;
    }

    private CompletableFuture<RemoteFid> takeFid() {
        CompletableFuture<RemoteFid> f = fid;
        fid = null;
        letGoLater = false;
        return f;
    }

    private static void clunk(CompletableFuture<RemoteFid> f) {
        if (f != null) {
            f.thenAccept(RemoteFid::clunk);
        }
    }

    /** Releases the session there and lets the ctl go; never fails. */
    CompletableFuture<Void> release() {
        return write("release").handle((v, e) -> {
            letGo();
            return null;
        });
    }
}
