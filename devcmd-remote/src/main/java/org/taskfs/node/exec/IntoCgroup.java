package org.taskfs.node.exec;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;

/**
 * The spawn straight into a cgroup ({@code src/main/c/spawn_into_cgroup.c}, built into this jar for the build
 * machine's architecture). Without it a child must move itself into its group before the command runs, through
 * a shell exec'd in front of every command ({@link Cgroups#joining}), which doubles the cost of a short task.
 */
final class IntoCgroup {
    private static final System.Logger LOG = System.getLogger(IntoCgroup.class.getName());

    /** Public for jnr-ffi, which implements it from a class loader of its own. */
    public interface Lib {
        /** 0 with the pid stored; a positive errno if the command could not start; a negative one if clone3 failed. */
        int taskfs_spawn(Pointer pid, int cgroupFd, Pointer path, Pointer argv, Pointer envp, int stdinFd,
                         int stdoutFd, int stderrFd, Pointer dir);
    }

    private static final String RESOURCE = "libtaskfs-spawn-" + System.getProperty("os.arch") + ".so";

    /** Null where the library is not in the jar or cannot be loaded. */
    private static final Lib LOADED = load();

    /** Null once clone3 has failed, as without the library: spawns then go through the shell. */
    private static volatile Lib lib = LOADED;

    private IntoCgroup() {
    }

    static Lib lib() {
        return lib;
    }

    /** clone3 failed for a reason that will not change (an old kernel, a cgroup we may not use): stop trying. */
    static void disable(int errno) {
        if (lib != null) {
            lib = null;
            LOG.log(Level.WARNING, "clone3 into a cgroup failed ({0}); tasks join their cgroups through a shell",
                    Native.strerror(errno));
        }
    }

    /** For tests of the shell's way: whether spawns use the library, where it loaded. */
    static void use(boolean on) {
        lib = on ? LOADED : null;
    }

    /** dlopen needs a file: the library is copied out of the jar, loaded, and the copy removed at once. */
    private static Lib load() {
        try (InputStream in = IntoCgroup.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                LOG.log(Level.DEBUG, "{0} is not in this build", RESOURCE);
                return null;
            }
            Path copy = Files.createTempFile("taskfs-spawn-", ".so");
            try {
                Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
                return LibraryLoader.create(Lib.class).failImmediately().load(copy.toString());
            } finally {
                Files.deleteIfExists(copy);
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            LOG.log(Level.WARNING, "cannot load " + RESOURCE + " (" + e + "); tasks join their cgroups through a shell");
            return null;
        }
    }
}
