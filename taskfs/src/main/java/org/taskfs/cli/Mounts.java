package org.taskfs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.taskfs.fuse.FuseMount;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.dial.DialAddress;

/** Mounting through the FUSE front end, for {@code up --mount} and {@code mount}. */
final class Mounts {
    private Mounts() {}

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
