package org.taskfs.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.taskfs.fuse.FuseMount;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code taskfs umount DIR}: takes down a mount made by {@code taskfs mount}, whichever process serves it. */
@Command(name = "umount", mixinStandardHelpOptions = true,
        description = "Unmount a FUSE mount (as made by taskfs mount) and wait until it is gone. A busy mount "
                + "is detached lazily; a dead one (its process was killed) is cleared.")
final class UmountCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "The mount point.")
    Path dir;

    @Override
    public Integer call() throws Exception {
        FuseMount.unmount(dir);
        return 0;
    }
}
