package org.taskfs.fuse;

import static org.taskfs.fuse.Errnos.EACCES;
import static org.taskfs.fuse.Errnos.EBADF;
import static org.taskfs.fuse.Errnos.EEXIST;
import static org.taskfs.fuse.Errnos.EINTR;
import static org.taskfs.fuse.Errnos.EISDIR;
import static org.taskfs.fuse.Errnos.EXDEV;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.types.gid_t;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.uid_t;
import org.taskfs.fuse.Errnos.Errno;
import org.taskfs.styx.client.DurableFid;
import org.taskfs.styx.client.RedialingClient;
import org.taskfs.styx.client.RedialingClient.Retry;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.server.ProtocolRules;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The FUSE callbacks: each turns one kernel request into 9P requests on one {@link RedialingClient}, which
 * outlives its connection: during an outage a callback waits for the connection to come back (up to the
 * reconnect timeout, then EIO), and open files are re-opened by path, so reads go on at their offsets.
 *
 * <p>Callbacks run on libfuse's worker threads (the multithreaded loop: a blocked read holds one
 * thread while others serve the rest) and block on the client's futures. Every wait polls
 * {@code fuse_interrupted()}: when the process behind the request gets a signal, a blocked read or
 * write is cancelled, which sends Tflush, and the callback returns EINTR at once.
 *
 * <p>Open files are {@link DurableFid}s kept in {@link #handles} under the FUSE file handle. Files of length 0
 * (synthetic: {@code ctl}, {@code status}, {@code stdout}) are opened direct_io, so reads go to the
 * server whatever the size says and one write(2) is one Twrite; ordinary files use the page cache.
 */
final class StyxFuse extends FuseStubFS {
    private static final System.Logger LOG = System.getLogger(StyxFuse.class.getName());

    /** How often a waiting callback looks whether the kernel interrupted its request. */
    private static final long INTERRUPT_POLL_MILLIS = 20;

    private static final int O_ACCMODE = 3;
    private static final int O_WRONLY = 1;
    private static final int O_RDWR = 2;
    private static final int O_TRUNC = 01000;

    private static final int R_OK = 4;
    private static final int W_OK = 2;
    private static final int X_OK = 1;

    /** The mount's own view: attached as the user who mounted (or named in its options). */
    private final View own;
    /** In a per-user mount, a view per local uid making requests, attached as that user; else null. */
    private final Map<Long, CompletableFuture<View>> views;
    /** Connects and attaches as a user name, for a per-user mount. */
    private final java.util.function.Function<String, RedialingClient> attachAs;
    private final Duration attrTimeout;
    private final MountLog log;
    private final Owners owners = new Owners();
    private final Map<Long, Handle> handles = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(1);
    private final CompletableFuture<Void> initialized = new CompletableFuture<>();
    private volatile Runnable umountAction = () -> { };

    /** An open file or directory. */
    private static final class Handle {
        final String path;
        /** The open file (reads and writes untimed; clunk, stat, wstat with the request timeout); null for a directory. */
        final DurableFid fid;
        final boolean direct;
        /** A directory's entries, read whole when it was opened. */
        final List<Dir> entries;

        Handle(String path, DurableFid fid, boolean direct) {
            this.path = path;
            this.fid = fid;
            this.direct = direct;
            this.entries = null;
        }

        Handle(String path, List<Dir> entries) {
            this.path = path;
            this.fid = null;
            this.direct = false;
            this.entries = entries;
        }
    }

    /**
     * What one user sees: a connection attached as them, and the attributes it was shown (another user may be
     * shown other files, or none, at the same paths).
     */
    private static final class View {
        final RedialingClient client;
        final String uname;
        final AttrCache cache;

        View(RedialingClient client, String uname, Duration attrTimeout) {
            this.client = client;
            this.uname = uname;
            this.cache = new AttrCache(attrTimeout);
        }
    }

    /**
     * @param attachAs null for a mount that is one user's view; else a per-user mount: each local uid that makes
     *                 requests gets a connection of its own made by this, attached as its user name (the kernel
     *                 tells us who asks, as v9fs's access=user), so the server shows each their own files
     */
    StyxFuse(RedialingClient client, String uname, Duration attrTimeout,
             java.util.function.Function<String, RedialingClient> attachAs, MountLog log) {
        this.own = new View(client, uname, attrTimeout);
        this.log = log;
        this.attachAs = attachAs;
        this.views = attachAs == null ? null : new ConcurrentHashMap<>();
        this.attrTimeout = attrTimeout;
        FuseNative.setNullPathOk(fuseOperations);
    }

    /** The view of the user behind the current request; attaching as them on their first request. */
    private View view() throws Errno {
        if (views == null) {
            return own;
        }
        long uid = getContext().uid.get();
        if (uid == owners.self()) {
            return own;
        }
        CompletableFuture<View> mine = new CompletableFuture<>();
        CompletableFuture<View> had = views.putIfAbsent(uid, mine);
        if (had == null) {
            String user = owners.userName(uid);
            try {
                if (user == null) {
                    throw new Errno(EACCES, "uid " + uid + " has no user name to attach as");
                }
                mine.complete(new View(attachAs.apply(user), user, attrTimeout));
            } catch (Errno | RuntimeException e) {
                // Not kept: the next request tries again (the server may be back, the user made).
                views.remove(uid, mine);
                mine.completeExceptionally(e);
                LOG.log(System.Logger.Level.WARNING, "cannot attach as uid {0}: {1}", uid, e.getMessage());
            }
        }
        CompletableFuture<View> f = had != null ? had : mine;
        try {
            return await(f, "attach", "/", false, null);
        } catch (Errno e) {
            throw new Errno(EACCES, e.getMessage());
        }
    }

    /** After a change: nothing any view read before it stays cached. */
    private void invalidate() {
        own.cache.invalidateAll();
        if (views != null) {
            for (CompletableFuture<View> v : views.values()) {
                v.thenAccept(view -> view.cache.invalidateAll());
            }
        }
    }

    /** Closes the connections a per-user mount made (the mount's own is its owner's to close). */
    void closeViews() {
        if (views != null) {
            for (CompletableFuture<View> v : views.values()) {
                v.thenAccept(view -> view.client.close());
            }
        }
    }

    /** Completes when the kernel's INIT has reached us: the mount is in place. */
    CompletableFuture<Void> initialized() {
        return initialized;
    }

    /** What jnr-fuse's shutdown hook does when it calls {@link #umount()}. */
    void umountAction(Runnable action) {
        umountAction = action;
    }

    /** Open files and directories, for tests and diagnostics. */
    int openHandles() {
        return handles.size();
    }

    // ------------------------------------------------------------------ lifetime

    @Override
    public Pointer init(Pointer conn) {
        initialized.complete(null);
        return null;
    }

    /**
     * jnr-fuse calls this from a JVM shutdown hook (and its own umount is lazy and not waited for):
     * route it to the waited unmount of the {@link FuseMount} that owns us.
     */
    @Override
    public void umount() {
        if (mounted.get()) {
            umountAction.run();
        }
    }

    /** The mount has ended; jnr-fuse must not unmount the path again later (it may be mounted anew). */
    void markUnmounted() {
        mounted.set(false);
    }

    @Override
    protected String getFSName() {
        return "taskfs";
    }

    // ------------------------------------------------------------------ attributes

    @Override
    public int getattr(String path, FileStat stat) {
        try {
            fill(stat, statPath(path));
            return 0;
        } catch (Errno e) {
            return -e.errno;
        } catch (RuntimeException e) {
            return unexpected("getattr", path, e);
        }
    }

    /**
     * fstat of an open file: asked of its fid, never of the cache, whose paths the file may no longer
     * have (renamed, or hidden by libfuse after an unlink while open).
     */
    @Override
    public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
        try {
            Handle h = handles.get(fi.fh.get());
            if (h == null || h.fid == null) {
                String p = h == null ? path : h.path;
                return p == null ? -EBADF : getattr(p, stat);
            }
            fill(stat, await(h.fid.stat(), "stat", h.path, false, null));
            return 0;
        } catch (Errno e) {
            return -e.errno;
        } catch (RuntimeException e) {
            return unexpected("fgetattr", path, e);
        }
    }

    private Dir statPath(String path) throws Errno {
        View v = view();
        Dir cached = v.cache.get(path);
        if (cached != null) {
            return cached;
        }
        long asked = v.cache.generation();
        Dir d = await(v.client.stat(isRoot(path) ? "/" : path), "stat", path, false, null);
        v.cache.put(path, d, asked);
        return d;
    }

    private void fill(FileStat stat, Dir d) {
        boolean dir = d.isDirectory() || d.qid().isDirectory();
        stat.st_mode.set((dir ? FileStat.S_IFDIR : FileStat.S_IFREG) | (d.mode() & 0777));
        stat.st_nlink.set(dir ? 2 : 1);
        stat.st_size.set(d.length());
        stat.st_blocks.set((d.length() + 511) / 512);
        stat.st_blksize.set(4096);
        stat.st_uid.set(owners.uid(d.uid()));
        stat.st_gid.set(owners.gid(d.gid()));
        long mtime = Integer.toUnsignedLong(d.mtime());
        stat.st_mtim.tv_sec.set(mtime);
        stat.st_ctim.tv_sec.set(mtime);
        stat.st_atim.tv_sec.set(Integer.toUnsignedLong(d.atime()));
    }

    @Override
    public int access(String path, int mask) {
        try {
            Dir d = statPath(path);
            if (mask == 0) {
                return 0; // F_OK: it exists
            }
            // The check the server makes of an open, for the name this mount attached as.
            int need = (mask & R_OK) | (mask & W_OK) | (mask & X_OK);
            return ProtocolRules.permits(d, view().uname, need) ? 0 : -EACCES;
        } catch (Errno e) {
            return -e.errno;
        } catch (RuntimeException e) {
            return unexpected("access", path, e);
        }
    }

    // ------------------------------------------------------------------ directories

    @Override
    public int opendir(String path, FuseFileInfo fi) {
        try {
            // Read whole at open: 9P directory reads only go forward from offset 0, and libfuse asks
            // for the entries once per open anyway.
            View v = view();
            long asked = v.cache.generation();
            List<Dir> entries = await(v.client.list(path), "readdir", path, false, null);
            for (Dir d : entries) {
                v.cache.put(child(path, d.name()), d, asked);
            }
            long fh = nextHandle.getAndIncrement();
            handles.put(fh, new Handle(path, entries));
            fi.fh.set(fh);
            return 0;
        } catch (Errno e) {
            return -e.errno;
        } catch (RuntimeException e) {
            return unexpected("opendir", path, e);
        }
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, @off_t long offset, FuseFileInfo fi) {
        try {
            Handle h = handles.get(fi.fh.get());
            if (h == null || h.entries == null) {
                return -EBADF;
            }
            // Offset 0 for every entry: libfuse collects them all and pages them to the kernel itself.
            Runtime rt = Runtime.getSystemRuntime();
            Pointer st = Memory.allocateDirect(rt, Struct.size(new FileStat(rt)), true);
            FileStat stat = FileStat.of(st);
            filler.apply(buf, cname("."), null, 0);
            filler.apply(buf, cname(".."), null, 0);
            for (Dir d : h.entries) {
                boolean dir = d.isDirectory() || d.qid().isDirectory();
                stat.st_mode.set((dir ? FileStat.S_IFDIR : FileStat.S_IFREG) | (d.mode() & 0777));
                if (filler.apply(buf, cname(d.name()), st, 0) != 0) {
                    break;
                }
            }
            return 0;
        } catch (RuntimeException e) {
            return unexpected("readdir", path, e);
        }
    }

    /** A NUL-terminated name: jnr passes the buffer's bytes as they are. */
    private static ByteBuffer cname(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.wrap(Arrays.copyOf(b, b.length + 1));
    }

    @Override
    public int releasedir(String path, FuseFileInfo fi) {
        handles.remove(fi.fh.get());
        return 0;
    }

    @Override
    public int mkdir(String path, @mode_t long mode) {
        try {
            String name = nameOf(path);
            int perm = P9.DMDIR | (int) (mode & 0777);
            await(view().client.call("mkdir " + path, Retry.ONCE, c -> c.walk(parentOf(path))
                    .thenCompose(dir -> dir.create(name, perm, P9.OREAD).whenComplete((f, e) -> dir.clunk()))),
                    "mkdir", path, false, null);
            return 0;
        } catch (Errno e) {
            return -e.errno;
        } catch (RuntimeException e) {
            return unexpected("mkdir", path, e);
        } finally {
            invalidate(); // after the change: nothing read before it stays
        }
    }

    @Override
    public int rmdir(String path) {
        return remove("rmdir", path);
    }

    @Override
    public int unlink(String path) {
        return remove("unlink", path);
    }

    private int remove(String op, String path) {
        try {
            await(view().client.call(op + " " + path, Retry.ONCE, c -> c.walk(path).thenCompose(RemoteFid::remove)),
                    op, path, false, null);
            return 0;
        } catch (Errno e) {
            return -e.errno;
        } catch (RuntimeException e) {
            return unexpected(op, path, e);
        } finally {
            invalidate(); // after the change: nothing read before it stays
        }
    }

    /**
     * 9P2000 renames with a Twstat of the name, so only within one directory; elsewhere EXDEV makes
     * mv copy and remove. An existing target is removed first, as rename(2) replaces it (not atomic:
     * 9P has no way to say so).
     */
    @Override
    public int rename(String oldpath, String newpath) {
        try {
            if (!parentOf(oldpath).equals(parentOf(newpath))) {
                return -EXDEV;
            }
            if (oldpath.equals(newpath)) {
                return 0;
            }
            Dir change = Dir.dontTouch().withName(nameOf(newpath));
            try {
                wstatPath("rename", oldpath, change);
            } catch (Errno e) {
                if (e.errno != EEXIST) {
                    throw e;
                }
                Dir source = statPath(oldpath);
                Dir target = statPath(newpath);
                if (target.isDirectory() && !source.isDirectory()) {
                    return -EISDIR;
                }
                if (!target.isDirectory() && source.isDirectory()) {
                    return -Errnos.ENOTDIR;
                }
                await(view().client.call("rename " + newpath, Retry.ONCE,
                        c -> c.walk(newpath).thenCompose(RemoteFid::remove)), "rename", newpath, false, null);
                wstatPath("rename", oldpath, change);
            }
            return 0;
        } catch (Errno e) {
            return -e.errno;
        } catch (RuntimeException e) {
            return unexpected("rename", oldpath, e);
        } finally {
            invalidate(); // after the change: nothing read before it stays
        }
    }

    // ------------------------------------------------------------------ wstat

    @Override
    public int chmod(String path, @mode_t long mode) {
        try {
            Dir d = statPath(path);
            // Keep the 9P bits (directory, append-only, exclusive); set the permissions.
            wstatPath("chmod", path, Dir.dontTouch().withMode((d.mode() & ~0777) | (int) (mode & 0777)));
            return 0;
        } catch (Errno e) {
            return -e.errno;
        } catch (RuntimeException e) {
            return unexpected("chmod", path, e);
        } finally {
            invalidate(); // after the change: nothing read before it stays
        }
    }

    @Override
    public int chown(String path, @uid_t long uid, @gid_t long gid) {
        try {
            String user = (int) uid == -1 ? "" : owners.userName(uid);
            String group = (int) gid == -1 ? "" : owners.groupName(gid);
            if (user == null || group == null) {
                return -Errnos.EINVAL; // no name to give the server
            }
            if (user.isEmpty() && group.isEmpty()) {
                return 0;
            }
            wstatPath("chown", path, Dir.dontTouch().withOwners(user, group));
            return 0;
        } catch (Errno e) {
            return -e.errno;
        } catch (RuntimeException e) {
            return unexpected("chown", path, e);
        } finally {
            invalidate(); // after the change: nothing read before it stays
        }
    }

    @Override
    public int truncate(String path, @off_t long size) {
        try {
            wstatPath("truncate", path, Dir.dontTouch().withLength(size));
            return 0;
        } catch (Errno e) {
            return -e.errno;
        } catch (RuntimeException e) {
            return unexpected("truncate", path, e);
        } finally {
            invalidate(); // after the change: nothing read before it stays
        }
    }

    @Override
    public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
        try {
            Handle h = handles.get(fi.fh.get());
            if (h == null || h.fid == null) {
                return truncate(path, size);
            }
            await(h.fid.wstat(Dir.dontTouch().withLength(size)), "truncate", h.path, false, null);
            return 0;
        } catch (Errno e) {
            return -e.errno;
        } catch (RuntimeException e) {
            return unexpected("ftruncate", path, e);
        } finally {
            invalidate(); // after the change: nothing read before it stays
        }
    }

    @Override
    public int utimens(String path, Timespec[] timespec) {
        try {
            int atime = (int) timespec[0].tv_sec.get();
            int mtime = (int) timespec[1].tv_sec.get();
            Dir none = Dir.dontTouch();
            wstatPath("utimens", path, new Dir(none.type(), none.dev(), none.qid(), none.mode(), atime, mtime,
                    none.length(), "", "", "", ""));
            return 0;
        } catch (Errno e) {
            return -e.errno;
        } catch (RuntimeException e) {
            return unexpected("utimens", path, e);
        } finally {
            invalidate(); // after the change: nothing read before it stays
        }
    }

    private void wstatPath(String op, String path, Dir change) throws Errno {
        CompletableFuture<Void> f = view().client.call(op + " " + path, Retry.ONCE, client -> isRoot(path)
                ? client.root().thenCompose(r -> r.wstat(change))
                : client.walk(path).thenCompose(fid -> fid.wstat(change).whenComplete((v, e) -> fid.clunk())));
        await(f, op, path, false, null);
    }

    // ------------------------------------------------------------------ files

    @Override
    public int open(String path, FuseFileInfo fi) {
        try {
            int flags = fi.flags.get();
            int mode = switch (flags & O_ACCMODE) {
                case O_WRONLY -> P9.OWRITE;
                case O_RDWR -> P9.ORDWR;
                default -> P9.OREAD;
            };
            if ((flags & O_TRUNC) != 0) {
                mode |= P9.OTRUNC; // atomic_o_trunc: the shell's "> ctl" arrives here, not as a truncate
            }
            int omode = mode;
            // Open and stat together: the length decides between direct I/O and the page cache.
            View v = view();
            CompletableFuture<Opened> opening = v.client.open(path, omode).thenCompose(fid -> fid.stat()
                    .thenApply(d -> new Opened(fid, d))
                    .whenComplete((o, e) -> {
                        if (e != null) {
                            fid.clunk();
                        }
                    }));
            Opened o = await(opening, "open", path, false, abandoned -> abandoned.fid.clunk());
            if ((omode & P9.OTRUNC) != 0) {
                invalidate();
            }
            boolean direct = !AttrCache.cacheable(o.dir) || o.dir.length() == 0;
            register(fi, new Handle(path, o.fid, direct));
            return 0;
        } catch (Errno e) {
            return -e.errno;
        } catch (RuntimeException e) {
            return unexpected("open", path, e);
        }
    }

    private record Opened(DurableFid fid, Dir dir) {}

    private void register(FuseFileInfo fi, Handle h) {
        long fh = nextHandle.getAndIncrement();
        handles.put(fh, h);
        fi.fh.set(fh);
        if (h.direct) {
            FuseNative.setDirectIo(fi);
        }
    }

    @Override
    public int create(String path, @mode_t long mode, FuseFileInfo fi) {
        try {
            int flags = fi.flags.get();
            int omode = switch (flags & O_ACCMODE) {
                case O_WRONLY -> P9.OWRITE;
                case O_RDWR -> P9.ORDWR;
                default -> P9.OREAD;
            };
            String name = nameOf(path);
            CompletableFuture<DurableFid> creating = view().client.create(parentOf(path), name, (int) (mode & 0777),
                    omode);
            DurableFid fid = await(creating, "create", path, false, DurableFid::clunk);
            // A new file on a server that lets us create is an ordinary file: page cache, mmap works.
            register(fi, new Handle(path, fid, false));
            return 0;
        } catch (Errno e) {
            return -e.errno;
        } catch (RuntimeException e) {
            return unexpected("create", path, e);
        } finally {
            invalidate(); // after the change: nothing read before it stays
        }
    }

    @Override
    public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        Handle h = handles.get(fi.fh.get());
        if (h == null || h.fid == null) {
            return -EBADF;
        }
        try {
            int want = (int) Math.min(size, Integer.MAX_VALUE);
            if (h.direct) {
                // One Tread: a short read is fine here, and a stream must not wait to fill the buffer.
                byte[] data = await(h.fid.read(offset, want), "read", h.path, true, null);
                buf.put(0, data, 0, data.length);
                return data.length;
            }
            // The page cache takes a short read for end of file: fill the buffer unless the file ends.
            int total = 0;
            while (total < want) {
                byte[] data = await(h.fid.read(offset + total, want - total), "read", h.path, true, null);
                if (data.length == 0) {
                    break;
                }
                buf.put(total, data, 0, data.length);
                total += data.length;
            }
            return total;
        } catch (Errno e) {
            return -e.errno;
        } catch (RuntimeException e) {
            return unexpected("read", h.path, e);
        }
    }

    @Override
    public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        Handle h = handles.get(fi.fh.get());
        if (h == null || h.fid == null) {
            return -EBADF;
        }
        try {
            byte[] data = new byte[(int) size];
            buf.get(0, data, 0, data.length);
            if (data.length <= h.fid.iounit()) {
                // One write(2), one Twrite: for a ctl file, one command.
                return await(h.fid.write(offset, data), "write", h.path, true, null);
            }
            await(h.fid.writeAll(offset, data), "write", h.path, true, null);
            return data.length;
        } catch (Errno e) {
            return -e.errno;
        } catch (RuntimeException e) {
            return unexpected("write", h.path, e);
        } finally {
            invalidate(); // after the change: nothing read before it stays
        }
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        Handle h = handles.remove(fi.fh.get());
        if (h == null || h.fid == null) {
            return 0;
        }
        try {
            // Waited for, so that what a clunk means to the server (EOF on a task's stdin) has
            // happened by the time the next request arrives.
            await(h.fid.clunk(), "clunk", h.path, false, null);
        } catch (Errno e) {
            LOG.log(System.Logger.Level.DEBUG, "clunk of {0} failed: {1}", h.path, e.getMessage());
        } catch (RuntimeException e) {
            unexpected("release", h.path, e);
        }
        return 0;
    }

    // ------------------------------------------------------------------ waiting

    /**
     * Waits for a request on this FUSE worker thread, watching for the kernel's interrupt. On an
     * interrupt the wait ends with EINTR; {@code cancel} cancels the request too (Tflush), and
     * {@code abandoned} receives a result that arrives after nobody waits for it (a fid to clunk).
     */
    private <T> T await(CompletableFuture<T> f, String op, String path, boolean cancel,
                               Consumer<? super T> abandoned) throws Errno {
        while (true) {
            try {
                return f.get(INTERRUPT_POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (FuseNative.interrupted()) {
                    LOG.log(System.Logger.Level.DEBUG, "{0} {1} interrupted", op, path);
                    if (cancel) {
                        f.cancel(true);
                    }
                    if (abandoned != null) {
                        f.thenAccept(abandoned);
                    }
                    throw new Errno(EINTR, "interrupted");
                }
            } catch (ExecutionException e) {
                throw Errnos.of(e, op, path, log);
            } catch (java.util.concurrent.CancellationException e) {
                throw new Errno(EINTR, "cancelled");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (cancel) {
                    f.cancel(true);
                }
                if (abandoned != null) {
                    f.thenAccept(abandoned);
                }
                throw new Errno(EINTR, "interrupted");
            }
        }
    }

    private int unexpected(String op, String path, RuntimeException e) {
        // Nothing may be thrown back into libfuse.
        LOG.log(System.Logger.Level.ERROR, op + " " + path + " failed unexpectedly", e);
        if (log.file() != null) {
            log.note(System.Logger.Level.ERROR, op, path, "failed unexpectedly: " + e, false);
        }
        return -Errnos.EIO;
    }

    // ------------------------------------------------------------------ paths

    private static boolean isRoot(String path) {
        return path == null || path.isEmpty() || path.equals("/");
    }

    static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static String child(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }
}
