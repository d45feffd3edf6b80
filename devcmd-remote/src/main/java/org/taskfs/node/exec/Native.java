package org.taskfs.node.exec;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/** Loads {@link LibC} once and holds the small helpers every class here needs around it. */
final class Native {

    static final LibC C;
    static final Runtime RUNTIME;

    /**
     * Strings crossing into the kernel (argv, environment, paths) are encoded like the JVM encodes file names, so a
     * path we check with {@code java.nio.file} is the same byte string the child receives.
     */
    static final Charset CHARSET;

    static {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.equals("Linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            throw new UnsupportedOperationException("process execution needs Linux on x86_64 or aarch64, not " + os + " " + arch);
        }
        C = LibraryLoader.create(LibC.class).option(LibraryOption.SaveError, true).load("c");
        RUNTIME = Runtime.getRuntime(C);
        Charset cs;
        try {
            cs = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (IllegalArgumentException e) {
            cs = StandardCharsets.UTF_8;
        }
        CHARSET = cs;
    }

    private Native() {
    }

    static int errno() {
        return RUNTIME.getLastError();
    }

    static String strerror(int errno) {
        String s = C.strerror(errno);
        return s != null ? s : "error " + errno;
    }

    /** {@code s} as a NUL-terminated C string. */
    static byte[] cstring(String s) {
        byte[] b = s.getBytes(CHARSET);
        return Arrays.copyOf(b, b.length + 1);
    }

    static byte[] cstring(Path p) {
        return cstring(p.toString());
    }

    /** {@code malloc}, failing loudly instead of returning NULL. Pair with {@link #free}. */
    static Pointer malloc(long size) {
        Pointer p = C.malloc(size);
        if (p == null || p.address() == 0) {
            throw new OutOfMemoryError("malloc(" + size + ") failed");
        }
        return p;
    }

    static void free(Pointer p) {
        if (p != null) {
            C.free(p);
        }
    }

    /**
     * A pidfd for our child {@code pid} (close-on-exec, readable once the process has exited), or -1 with
     * {@link #errno} set. Through {@code syscall}: glibc gained the wrapper only in 2.36.
     */
    static int pidfdOpen(int pid) {
        return (int) C.syscall(LibC.SYS_PIDFD_OPEN, pid, 0);
    }

    /** struct statvfs on 64-bit Linux: eleven 8-byte fields and six ints of padding. */
    static final long STATVFS_SIZE = 112;

    /**
     * Bytes an unprivileged writer can still put on the file system holding {@code path} ({@code f_bavail *
     * f_frsize}), or -1 if it cannot be told.
     */
    static long availableBytes(Path path) {
        Pointer buf = malloc(STATVFS_SIZE);
        try {
            if (C.statvfs(cstring(path), buf) != 0) {
                return -1;
            }
            // f_bsize, f_frsize, f_blocks, f_bfree, f_bavail: f_bavail is counted in f_frsize units.
            return buf.getLong(32) * buf.getLong(8);
        } finally {
            free(buf);
        }
    }

    /** Closes {@code fd} if it is valid; errors are ignored because there is nothing useful to do about them. */
    static void closeQuietly(int fd) {
        if (fd >= 0) {
            C.close(fd);
        }
    }

    /**
     * The slice of glibc this package calls through jnr-ffi. Constants are the Linux x86_64 / aarch64 values
     * (identical on both for everything used here); {@link Native} refuses to load elsewhere.
     *
     * <p>Public only because jnr-ffi implements it from a class loader of its own; nested in the package-private
     * {@link Native}, it cannot be named outside this package.
     *
     * <p>Paths are passed as NUL-terminated {@code byte[]} or as pointers into native blocks we fill ourselves, never
     * as {@code String}, so the byte encoding is ours to choose rather than jnr's.
     */
    public interface LibC {

        // open(2), fcntl(2)
        int O_RDONLY = 0;
        int O_WRONLY = 1;
        int O_CREAT = 0100;
        int O_APPEND = 02000;
        int O_NONBLOCK = 04000;
        int O_DIRECTORY = 0200000;
        int O_CLOEXEC = 02000000;
        int O_PATH = 010000000;
        int F_GETFL = 3;
        int F_SETFL = 4;
        int F_DUPFD_CLOEXEC = 1030;
        // fcntl(2) leases: a read lease is refused (EAGAIN) while any descriptor has the file open for writing
        int F_SETSIG = 10;
        int F_SETLEASE = 1024;
        int F_RDLCK = 0;
        int F_UNLCK = 2;

        // posix_spawn(3)
        short POSIX_SPAWN_SETPGROUP = 0x02;
        short POSIX_SPAWN_SETSIGDEF = 0x04;
        short POSIX_SPAWN_SETSIGMASK = 0x08;

        int PRIO_PROCESS = 0;

        // wait4(2), pidfd_open(2): the same syscall number on x86_64 and aarch64 (both use the common table)
        int WNOHANG = 1;
        long SYS_PIDFD_OPEN = 434;

        // signals
        int SIGINT = 2;
        int SIGKILL = 9;
        int SIGTERM = 15;
        int SIGWINCH = 28;

        // errno
        int ENOENT = 2;
        int ESRCH = 3;
        int EINTR = 4;
        int ECHILD = 10;
        int EAGAIN = 11;
        int ENOMEM = 12;
        int EACCES = 13;
        int ENOTDIR = 20;
        int EINVAL = 22;
        int ENFILE = 23;
        int EMFILE = 24;
        int ENOSPC = 28;
        int EPIPE = 32;
        int ENOSYS = 38;

        // poll(2)
        short POLLIN = 0x1;
        short POLLOUT = 0x4;
        short POLLERR = 0x8;
        short POLLHUP = 0x10;
        short POLLNVAL = 0x20;

        // eventfd(2), inotify(7)
        int EFD_NONBLOCK = 04000;
        int EFD_CLOEXEC = 02000000;
        int IN_NONBLOCK = 04000;
        int IN_CLOEXEC = 02000000;
        int IN_MODIFY = 0x2;
        int IN_CLOSE_WRITE = 0x8;
        int IN_MASK_ADD = 0x20000000;
        int IN_Q_OVERFLOW = 0x4000;
        int IN_IGNORED = 0x8000;

        int posix_spawn(Pointer pid, Pointer path, Pointer fileActions, Pointer attr, Pointer argv, Pointer envp);

        int posix_spawnattr_init(Pointer attr);

        int posix_spawnattr_destroy(Pointer attr);

        int posix_spawnattr_setflags(Pointer attr, short flags);

        int posix_spawnattr_setpgroup(Pointer attr, int pgroup);

        int posix_spawnattr_setsigmask(Pointer attr, Pointer sigmask);

        int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigdefault);

        int posix_spawn_file_actions_init(Pointer actions);

        int posix_spawn_file_actions_destroy(Pointer actions);

        int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newfd);

        int posix_spawn_file_actions_addchdir_np(Pointer actions, Pointer path);

        int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);

        int sigemptyset(Pointer set);

        int open(byte[] path, int flags, int mode);

        int close(int fd);

        int pipe2(@Out int[] fds, int flags);

        int fcntl(int fd, int cmd, int arg);

        @ssize_t long write(int fd, Pointer buf, @size_t long count);

        @ssize_t long read(int fd, Pointer buf, @size_t long count);

        @ssize_t long read(int fd, @Out byte[] buf, @size_t long count);

        int wait4(int pid, Pointer status, int options, Pointer rusage);

        /**
         * {@code syscall(2)} for calls glibc may have no wrapper for. Declared with two fixed arguments: glibc's
         * {@code syscall} only moves registers, and on x86_64 and aarch64 integer variadic arguments travel in the
         * same registers as fixed ones.
         */
        long syscall(long number, long arg1, long arg2);

        int kill(int pid, int sig);

        int setpriority(int which, int who, int prio);

        String strerror(int errnum);

        int poll(Pointer fds, long nfds, int timeout);

        int eventfd(int initval, int flags);

        int inotify_init1(int flags);

        int inotify_add_watch(int fd, byte[] path, int mask);

        int inotify_rm_watch(int fd, int wd);

        /** {@code struct statvfs} is {@link Native#STATVFS_SIZE} bytes; see {@link Native#availableBytes}. */
        int statvfs(byte[] path, Pointer buf);

        Pointer malloc(@size_t long size);

        void free(Pointer p);
    }
}
