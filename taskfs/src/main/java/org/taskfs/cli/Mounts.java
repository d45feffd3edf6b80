package org.taskfs.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.taskfs.fuse.FuseMount;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.dial.DialAddress;

/** Mounting through the FUSE front end, for {@code up --mount} and {@code mount}. */
final class Mounts {
    private Mounts() {}

    /** Mounts {@code server} on {@code dir}; returns once the kernel has the mount, closing unmounts. */
    static FuseMount mount(DialAddress server, Path dir, AuthMethod auth) throws IOException {
        return FuseMount.mount(server, dir, FuseMount.Options.defaults().withAuth(auth));
    }
}
