package org.taskfs.styx.ramfs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.server.Caller;
import org.taskfs.styx.server.Errors;
import org.taskfs.styx.server.FileServer;
import org.taskfs.styx.server.Node;
import org.taskfs.styx.server.OpenFile;
import org.taskfs.styx.server.StyxException;

/**
 * An ordinary file tree in memory: files with contents, directories, create, write at offsets,
 * truncate, rename, remove. It serves tests, benchmarks and anyone who wants a scratch 9P tree.
 * Thread-safe through one lock: it is small and not on a hot path of the product.
 */
public final class RamFs implements FileServer {
    private final AtomicLong paths = new AtomicLong();
    private final Entry root;
    private final Object lock = new Object();

    public RamFs(String owner) {
        root = new Entry(null, "/", Qid.directory(paths.getAndIncrement()), P9.DMDIR | 0777, owner);
    }

    @Override
    public CompletableFuture<Node> attach(Caller caller, OpenFile auth) {
        return CompletableFuture.completedFuture(root);
    }

    public Node root() {
        return root;
    }

    /** Creates or replaces a file at a slash-separated path, making directories on the way. */
    public void put(String path, byte[] content) {
        synchronized (lock) {
            String[] parts = path.replaceAll("^/+", "").split("/");
            Entry dir = root;
            for (int i = 0; i < parts.length - 1; i++) {
                Entry next = dir.children.get(parts[i]);
                if (next == null) {
                    next = new Entry(dir, parts[i], Qid.directory(paths.getAndIncrement()), P9.DMDIR | 0777, dir.uid);
                    dir.children.put(parts[i], next);
                }
                dir = next;
            }
            Entry file = new Entry(dir, parts[parts.length - 1], Qid.file(paths.getAndIncrement()), 0666, dir.uid);
            file.data = content.clone();
            dir.children.put(file.name, file);
        }
    }

    /** The content of a file, or null. */
    public byte[] get(String path) {
        synchronized (lock) {
            Entry e = root;
            for (String p : path.replaceAll("^/+", "").split("/")) {
                e = e.children == null ? null : e.children.get(p);
                if (e == null) {
                    return null;
                }
            }
            return e.data == null ? null : e.data.clone();
        }
    }

    private final class Entry implements Node {
        Entry parent;
        String name;
        final Qid qid;
        int mode;
        final String uid;
        int mtime = now();
        int version;
        byte[] data;
        final Map<String, Entry> children;
        boolean removed;

        Entry(Entry parent, String name, Qid qid, int mode, String uid) {
            this.parent = parent;
            this.name = name;
            this.qid = qid;
            this.mode = mode;
            this.uid = uid;
            this.children = qid.isDirectory() ? new LinkedHashMap<>() : null;
            this.data = qid.isDirectory() ? null : new byte[0];
        }

        private static int now() {
            return (int) (System.currentTimeMillis() / 1000);
        }

        @Override
        public Qid qid() {
            return qid;
        }

        Dir dir() {
            long length = data == null ? 0 : data.length;
            return new Dir(0, 0, new Qid(qid.type(), version, qid.path()), mode, mtime, mtime, length, name, uid,
                    uid, uid);
        }

        @Override
        public CompletableFuture<Dir> stat() {
            synchronized (lock) {
                return CompletableFuture.completedFuture(dir());
            }
        }

        @Override
        public CompletableFuture<Node> walk(String child, Caller caller) {
            synchronized (lock) {
                Entry e = children.get(child);
                return e == null ? StyxException.failed(Errors.NOT_FOUND) : CompletableFuture.completedFuture(e);
            }
        }

        @Override
        public CompletableFuture<List<Dir>> list(Caller caller) {
            synchronized (lock) {
                List<Dir> out = new ArrayList<>(children.size());
                for (Entry e : children.values()) {
                    out.add(e.dir());
                }
                return CompletableFuture.completedFuture(out);
            }
        }

        @Override
        public CompletableFuture<OpenFile> open(int openMode, Caller caller) {
            synchronized (lock) {
                if (removed) {
                    return StyxException.failed(Errors.NOT_FOUND);
                }
                if ((openMode & P9.OTRUNC) != 0 && data != null) {
                    data = new byte[0];
                    touch();
                }
                return CompletableFuture.completedFuture(new Handle(this));
            }
        }

        private void touch() {
            mtime = now();
            version++;
        }

        @Override
        public CompletableFuture<OpenFile> create(String childName, int perm, int openMode, Caller caller) {
            synchronized (lock) {
                if (children.containsKey(childName)) {
                    return StyxException.failed(Errors.EXISTS);
                }
                int m = Node.createPerm(perm, mode);
                Qid q = (perm & P9.DMDIR) != 0 ? Qid.directory(paths.getAndIncrement())
                        : Qid.file(paths.getAndIncrement());
                Entry e = new Entry(this, childName, q, m, caller.user());
                children.put(childName, e);
                touch();
                return CompletableFuture.completedFuture(new Handle(e));
            }
        }

        @Override
        public CompletableFuture<Void> remove(Caller caller) {
            synchronized (lock) {
                if (parent == null) {
                    return StyxException.failed("cannot remove the root");
                }
                if (children != null && !children.isEmpty()) {
                    return StyxException.failed("directory not empty");
                }
                if (parent.children.get(name) == this) {
                    parent.children.remove(name);
                    parent.touch();
                }
                removed = true;
                return CompletableFuture.completedFuture(null);
            }
        }

        @Override
        public CompletableFuture<Void> wstat(Dir d, Caller caller) {
            synchronized (lock) {
                if (!d.name().isEmpty() && !d.name().equals(name)) {
                    if (parent.children.containsKey(d.name())) {
                        return StyxException.failed(Errors.EXISTS);
                    }
                    parent.children.remove(name);
                    name = d.name();
                    parent.children.put(name, this);
                }
                if (d.mode() != -1) {
                    mode = (mode & ~0777) | (d.mode() & 0777);
                }
                if (d.length() != -1 && data != null) {
                    data = Arrays.copyOf(data, (int) Math.min(d.length(), Integer.MAX_VALUE - 8));
                }
                if (d.mtime() != -1) {
                    mtime = d.mtime();
                } else {
                    touch();
                }
                return CompletableFuture.completedFuture(null);
            }
        }
    }

    private final class Handle implements OpenFile {
        private final Entry entry;

        Handle(Entry entry) {
            this.entry = entry;
        }

        @Override
        public Node node() {
            return entry;
        }

        @Override
        public CompletableFuture<byte[]> read(long offset, int count) {
            synchronized (lock) {
                return CompletableFuture.completedFuture(
                        org.taskfs.styx.server.Files9.slice(entry.data, offset, count));
            }
        }

        @Override
        public CompletableFuture<Integer> write(long offset, byte[] bytes) {
            synchronized (lock) {
                long at = (entry.mode & P9.DMAPPEND) != 0 ? entry.data.length : offset;
                long end = at + bytes.length;
                if (end > Integer.MAX_VALUE - 8) {
                    return StyxException.failed("file too large");
                }
                if (end > entry.data.length) {
                    entry.data = Arrays.copyOf(entry.data, (int) end);
                }
                System.arraycopy(bytes, 0, entry.data, (int) at, bytes.length);
                entry.touch();
                return CompletableFuture.completedFuture(bytes.length);
            }
        }
    }
}
