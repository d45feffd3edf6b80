package org.taskfs.styx.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.taskfs.styx.codec.Dialect;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.Dirent;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxWire;
import org.taskfs.styx.codec.Tmessage;

/**
 * 9P2000.L's own requests, served with the same nodes and rules as 9P2000's: Tlopen is an open, Tgetattr
 * a stat, Tsetattr a wstat, Treaddir a listing, Tmkdir a create of a directory, Tunlinkat a walk and a
 * remove. What the tree cannot be (symbolic links, devices, hard links, extended attributes) is refused
 * with the errno a Linux program expects; locks are granted, there being nothing to lock against.
 * Runs on the connection's event loop, like the {@link Dispatcher} it belongs to.
 */
final class LinuxRequests {
    // open(2) flags on Linux x86
    private static final int O_ACCMODE = 3;
    private static final int O_TRUNC = 01000;
    /** Every open by a 64-bit Linux kernel carries it; diod's tools send none. */
    private static final int O_LARGEFILE = 0100000;
    // st_mode's file types
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    /** Tgetattr: the fields every reply fills (mode … blocks), as diod's and the kernel's P9_STATS_BASIC. */
    private static final long STATS_BASIC = 0x7ff;
    // Tsetattr's valid bits
    private static final int SET_MODE = 0x1;
    private static final int SET_UID = 0x2;
    private static final int SET_GID = 0x4;
    private static final int SET_SIZE = 0x8;
    private static final int SET_MTIME_SET = 0x100;
    private static final int AT_REMOVEDIR = 0x200;
    private static final int LOCK_SUCCESS = 0;
    private static final int LOCK_UNLOCKED = 2;
    /** statfs(2)'s f_type for a 9P mount, as v9fs reports its own. */
    private static final int V9FS_MAGIC = 0x01021997;

    static final String NO_XATTR = "extended attributes are not supported";
    static final String NO_LINKS = "links and special files are not supported";
    static final String NOT_A_LINK = "not a symbolic link";
    static final String CROSS_DIRECTORY = "cannot move a file to another directory";

    private final Dispatcher d;

    LinuxRequests(Dispatcher d) {
        this.d = d;
    }

    CompletableFuture<Rmessage> dispatch(Request req, Tmessage t) {
        if (d.dialect() != Dialect.L) {
            throw new StyxException("unexpected message " + t.type());
        }
        if (t instanceof Tmessage.Lopen o) {
            return lopen(req, o);
        } else if (t instanceof Tmessage.Lcreate c) {
            return lcreate(req, c);
        } else if (t instanceof Tmessage.Getattr g) {
            return getattr(req, g);
        } else if (t instanceof Tmessage.Setattr s) {
            return setattr(req, s);
        } else if (t instanceof Tmessage.Readdir r) {
            return readdir(req, r);
        } else if (t instanceof Tmessage.Statfs s) {
            d.fids().get(s.fid());
            return done(new Rmessage.Statfs(s.tag(), V9FS_MAGIC, 4096, 0, 0, 0, 0, 0, 0, P9.MAX_NAME));
        } else if (t instanceof Tmessage.Mkdir m) {
            return mkdir(req, m);
        } else if (t instanceof Tmessage.Renameat r) {
            return renameat(req, r);
        } else if (t instanceof Tmessage.Rename r) {
            return rename(req, r);
        } else if (t instanceof Tmessage.Unlinkat u) {
            return unlinkat(req, u);
        } else if (t instanceof Tmessage.Fsync f) {
            d.fids().get(f.fid());
            return done(new Rmessage.Fsync(f.tag()));
        } else if (t instanceof Tmessage.Lock l) {
            d.fids().get(l.fid());
            return done(new Rmessage.Lock(l.tag(), LOCK_SUCCESS));
        } else if (t instanceof Tmessage.Getlock g) {
            d.fids().get(g.fid());
            return done(new Rmessage.Getlock(g.tag(), LOCK_UNLOCKED, g.start(), g.length(), g.procId(), g.clientId()));
        } else if (t instanceof Tmessage.Xattrwalk || t instanceof Tmessage.Xattrcreate) {
            d.fids().get(t.fid());
            throw new StyxException(NO_XATTR);
        } else if (t instanceof Tmessage.Readlink r) {
            d.fids().get(r.fid());
            throw new StyxException(NOT_A_LINK);
        } else if (t instanceof Tmessage.Symlink || t instanceof Tmessage.Mknod || t instanceof Tmessage.Link) {
            d.fids().get(t.fid());
            throw new StyxException(NO_LINKS);
        }
        throw new StyxException("unexpected message " + t.type());
    }

    private static CompletableFuture<Rmessage> done(Rmessage r) {
        return CompletableFuture.completedFuture(r);
    }

    /** The 9P open mode for Linux open flags. The kernel never sends O_TRUNC (it truncates by Tsetattr). */
    static int openMode(int flags) {
        int access = switch (flags & O_ACCMODE) {
            case 1 -> P9.OWRITE;
            case 2 -> P9.ORDWR;
            default -> P9.OREAD; // O_RDONLY, and 3, which asks for no access at all
        };
        return (flags & O_TRUNC) != 0 ? access | P9.OTRUNC : access;
    }

    private CompletableFuture<Rmessage> lopen(Request req, Tmessage.Lopen o) {
        Fid f = d.fids().get(o.fid());
        int mode = openMode(o.flags());
        if (f.node().isDirectory()) {
            mode &= ~P9.OTRUNC;
        }
        return d.open(req, f, mode).thenApply(h -> {
            f.kernelReads = (o.flags() & O_LARGEFILE) != 0;
            return new Rmessage.Lopen(o.tag(), h.node().qid(), d.iounit());
        });
    }

    private CompletableFuture<Rmessage> lcreate(Request req, Tmessage.Lcreate c) {
        Fid f = d.fids().get(c.fid());
        return d.create(req, f, c.name(), c.mode() & 0777, openMode(c.flags()))
                .thenApply(h -> new Rmessage.Lcreate(c.tag(), h.node().qid(), d.iounit()));
    }

    private CompletableFuture<Rmessage> getattr(Request req, Tmessage.Getattr g) {
        Fid f = d.fids().get(g.fid());
        return req.call(() -> f.node().stat()).thenCompose(dir -> req.call(() -> UnixIds.numbered(dir)))
                .thenApply(dir -> attributes(g.tag(), dir, d.iounit()));
    }

    /** stat(2)'s view of a directory entry: the file type in the mode, numbers for names, ctime as mtime. */
    static Rmessage.Getattr attributes(int tag, Dir dir, int blockSize) {
        boolean directory = dir.isDirectory();
        int mode = (directory ? S_IFDIR : S_IFREG) | (dir.mode() & 0777);
        long mtime = Integer.toUnsignedLong(dir.mtime());
        long atime = Integer.toUnsignedLong(dir.atime());
        return new Rmessage.Getattr(tag, STATS_BASIC, dir.qid(), mode, dir.nUid(), dir.nGid(), directory ? 2 : 1, 0,
                dir.length(), blockSize, (dir.length() + 511) / 512, atime, 0, mtime, 0, mtime, 0, 0, 0, 0, 0);
    }

    private CompletableFuture<Rmessage> setattr(Request req, Tmessage.Setattr s) {
        Fid f = d.fids().get(s.fid());
        int valid = s.valid();
        // Times without *_SET mean "now": a synthetic file keeps its own clock, so they change nothing.
        CompletableFuture<Dir> changes = CompletableFuture.completedFuture(Dir.dontTouch());
        if ((valid & SET_SIZE) != 0) {
            changes = changes.thenApply(c -> c.withLength(s.size()));
        }
        if ((valid & SET_MTIME_SET) != 0) {
            changes = changes.thenApply(c -> c.withMtime((int) s.mtimeSec()));
        }
        if ((valid & SET_MODE) != 0) {
            // Only the permission bits: the file type and 9P's own bits stay as they are.
            changes = changes.thenCompose(c -> req.call(() -> f.node().stat())
                    .thenApply(now -> c.withMode((now.mode() & ~0777) | (s.mode() & 0777))));
        }
        if ((valid & SET_UID) != 0) {
            changes = changes.thenCompose(c -> req.call(() -> UnixIds.user(s.uid()))
                    .thenApply(user -> c.withOwners(user, c.gid())));
        }
        if ((valid & SET_GID) != 0) {
            changes = changes.thenCompose(c -> req.call(() -> UnixIds.group(s.gid()))
                    .thenApply(group -> c.withOwners(c.uid(), group)));
        }
        return changes.thenCompose(c -> d.wstat(req, f.path, c, f.caller)).thenApply(x -> new Rmessage.Setattr(s.tag()));
    }

    /**
     * Entries from the listing taken at offset 0; an entry's offset is its index plus one, so a client may
     * go on from any entry it has seen. Whole entries only, as many as count holds.
     */
    private CompletableFuture<Rmessage> readdir(Request req, Tmessage.Readdir r) {
        Fid f = d.fids().get(r.fid());
        long count = Integer.toUnsignedLong(r.count());
        ProtocolRules.checkRead(f.openMode, count, d.iounit(), r.offset());
        if (!f.node().isDirectory()) {
            throw new StyxException(Errors.NOT_DIR);
        }
        CompletableFuture<List<Dir>> listing = r.offset() == 0 || f.listing == null
                ? req.call(() -> f.node().list(f.caller)).thenApply(dirs -> f.listing = dirs)
                : CompletableFuture.completedFuture(f.listing);
        return listing.thenApply(dirs -> new Rmessage.Readdir(r.tag(), entries(dirs, r.offset(), (int) count)));
    }

    static byte[] entries(List<Dir> dirs, long offset, int count) {
        List<Dirent> out = new ArrayList<>();
        int size = 0;
        for (long i = offset; i < dirs.size(); i++) {
            Dir dir = dirs.get((int) i);
            Dirent e = new Dirent(dir.qid(), i + 1, dir.isDirectory() ? Dirent.DT_DIR : Dirent.DT_REG, dir.name());
            int n = StyxWire.direntSize(e);
            if (size + n > count) {
                if (out.isEmpty()) {
                    throw new StyxException("read count " + count + " is too small for a directory entry of " + n
                            + " bytes");
                }
                break;
            }
            out.add(e);
            size += n;
        }
        ByteBuf b = Unpooled.buffer(size, size);
        out.forEach(e -> StyxWire.writeDirent(b, e));
        return b.array();
    }

    private CompletableFuture<Rmessage> mkdir(Request req, Tmessage.Mkdir m) {
        Fid dir = d.fids().get(m.dfid());
        return d.create(req, dir.path, dir.caller, m.name(), P9.DMDIR | (m.mode() & 0777), P9.OREAD).thenApply(h -> {
            h.clunk();
            return new Rmessage.Mkdir(m.tag(), h.node().qid());
        });
    }

    /** The child {@code name} of the directory at {@code dir}, as a path from it. */
    private CompletableFuture<Fid.Path> child(Request req, Fid dir, String name) {
        ProtocolRules.checkName(name);
        if (!dir.node().isDirectory()) {
            throw new StyxException(Errors.NOT_DIR);
        }
        return req.call(() -> dir.node().walk(name, dir.caller)).thenApply(child -> {
            if (child == null) {
                throw new StyxException(Errors.NOT_FOUND);
            }
            return dir.path.down(child);
        });
    }

    private CompletableFuture<Rmessage> renameat(Request req, Tmessage.Renameat r) {
        Fid from = d.fids().get(r.olddirfid());
        Fid to = d.fids().get(r.newdirfid());
        // 9P moves nothing between directories: a rename is a wstat of the name.
        if (!from.node().qid().equals(to.node().qid())) {
            throw new StyxException(CROSS_DIRECTORY);
        }
        return child(req, from, r.oldname())
                .thenCompose(at -> d.wstat(req, at, Dir.dontTouch().withName(r.newname()), from.caller))
                .thenApply(x -> new Rmessage.Renameat(r.tag()));
    }

    private CompletableFuture<Rmessage> rename(Request req, Tmessage.Rename r) {
        Fid f = d.fids().get(r.fid());
        Fid to = d.fids().get(r.dfid());
        Fid.Path parent = f.path.parent();
        if (parent == null || !parent.node().qid().equals(to.node().qid())) {
            throw new StyxException(CROSS_DIRECTORY);
        }
        return d.wstat(req, f.path, Dir.dontTouch().withName(r.name()), f.caller)
                .thenApply(x -> new Rmessage.Rename(r.tag()));
    }

    private CompletableFuture<Rmessage> unlinkat(Request req, Tmessage.Unlinkat u) {
        Fid dir = d.fids().get(u.dirfid());
        boolean wantDirectory = (u.flags() & AT_REMOVEDIR) != 0;
        return child(req, dir, u.name()).thenCompose(at -> {
            if (wantDirectory != at.node().isDirectory()) {
                throw new StyxException(wantDirectory ? Errors.NOT_DIR : Errors.IS_DIR);
            }
            return d.remove(req, at, dir.caller);
        }).thenApply(x -> new Rmessage.Unlinkat(u.tag()));
    }
}
