package org.taskfs.styx.auth;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.server.Caller;
import org.taskfs.styx.server.FileServer;
import org.taskfs.styx.server.Node;
import org.taskfs.styx.server.OpenFile;

/** A file server of one empty directory that remembers who attached: the callers the framework admitted. */
final class RecordingServer implements FileServer {
    final LinkedBlockingDeque<Caller> callers = new LinkedBlockingDeque<>();

    private final Node root = new Node() {
        private final Qid qid = new Qid(P9.QTDIR, 0, 1);

        @Override
        public Qid qid() {
            return qid;
        }

        @Override
        public CompletableFuture<Dir> stat() {
            return CompletableFuture.completedFuture(new Dir(0, 0, qid, P9.DMDIR | 0755, 0, 0, 0, "/", "root", "root",
                    "root"));
        }
    };

    @Override
    public CompletableFuture<Node> attach(Caller caller, OpenFile auth) {
        callers.add(caller);
        return CompletableFuture.completedFuture(root);
    }

    /** The last caller admitted. */
    Caller last() {
        return callers.peekLast();
    }
}
