package org.taskfs.cli;

import java.io.IOException;
import java.nio.file.Files;
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

    /**
     * {@code taskfs node --mount DIR}: the first coordinator the node's sessions come through is mounted on
     * {@code dir} (before that session's first exec), every local user seeing their own view there (the node,
     * as root, attaches once per user), and its tasks get TASKFS_MNT. Closing unmounts.
     */
    static AutoCloseable forTasks(NodeDaemon node, Path dir, AuthMethod auth) {
        FuseMount[] mounted = new FuseMount[1];
        java.util.concurrent.ExecutorService mounting = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "taskfs-node-mount");
            t.setDaemon(true);
            return t;
        });
        node.tasks().siblings().mountOnFirstUse(address -> java.util.concurrent.CompletableFuture.runAsync(() -> {
            synchronized (mounted) {
                if (mounted[0] != null) {
                    return; // DIR holds one server: the first; sessions through others get no TASKFS_MNT
                }
                try {
                    FuseMount m = FuseMount.mount(DialAddress.parse(address, org.taskfs.coord.Coordinator.DEFAULT_PORT), dir, FuseMount.Options.defaults()
                            .withAuth(auth).withAllowOther(true).withPerUser(true));
                    mounted[0] = m;
                    node.tasks().siblings().mounted(address, new Siblings.Mount(m.dir(), null));
                    System.err.println("taskfs node: mounted " + address + " on " + m.dir()
                            + " for the tasks (TASKFS_MNT)");
                } catch (IOException | RuntimeException e) {
                    System.err.println("taskfs node: --mount " + dir + ": " + e.getMessage()
                            + "; tasks through " + address + " get no TASKFS_MNT");
                }
            }
        }, mounting));
        return () -> {
            mounting.shutdownNow();
            synchronized (mounted) {
                if (mounted[0] != null) {
                    mounted[0].close();
                }
            }
        };
    }

    /**
     * Mounts {@code server} on {@code dir}, noting refused requests in {@code log}; returns once the kernel has
     * the mount, closing unmounts.
     */
    static FuseMount mount(DialAddress server, Path dir, AuthMethod auth, Path log) throws IOException {
        return FuseMount.mount(server, dir, FuseMount.Options.defaults().withAuth(auth).withLog(log));
    }

    /**
     * Where a mount started by this process logs unless told: {@code taskfs-mount-PID.log} in
     * {@code $XDG_RUNTIME_DIR} (the user's own, as for other per-session files), else the temporary directory.
     */
    static Path defaultLog() {
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        Path dir = runtime != null && !runtime.isEmpty() && Files.isDirectory(Path.of(runtime))
                && Files.isWritable(Path.of(runtime)) ? Path.of(runtime) : Path.of(System.getProperty("java.io.tmpdir"));
        return dir.resolve("taskfs-mount-" + ProcessHandle.current().pid() + ".log").toAbsolutePath();
    }
}
