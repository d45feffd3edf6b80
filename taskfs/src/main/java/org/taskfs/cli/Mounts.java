package org.taskfs.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.taskfs.coord.LocalCluster;
import org.taskfs.fuse.FuseMount;
import org.taskfs.node.NodeDaemon;
import org.taskfs.node.task.Siblings;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.dial.DialAddress;

/** Mounting through the FUSE front end, for {@code up --mount} and {@code mount}. */
final class Mounts {
    private Mounts() {}

    /**
     * Tells the embedded nodes of {@code cluster} that its coordinator is mounted at {@code dir} on this machine,
     * attached as this process's user: that user's tasks get TASKFS_MNT (their session's directory there).
     */
    static void offerToTasks(LocalCluster cluster, Path dir) {
        Siblings.Mount m = new Siblings.Mount(dir, OwnUser.name());
        for (NodeDaemon n : cluster.nodes()) {
            n.tasks().siblings().mounted(cluster.coordinator().advertised(), m);
        }
    }

    /** Mounts {@code server} on {@code dir}; returns once the kernel has the mount, closing unmounts. */
    static FuseMount mount(DialAddress server, Path dir, AuthMethod auth) throws IOException {
        return FuseMount.mount(server, dir, FuseMount.Options.defaults().withAuth(auth));
    }
}
