package org.taskfs.styx.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxWire;
import org.taskfs.styx.codec.Tmessage;

/**
 * A script serving a small in-memory tree: files by path, directories implied by the paths under
 * them. Enough 9P for the client's path operations, with knobs to make reads short.
 */
final class MemoryTree implements ScriptedServer.Script {
    final Map<String, byte[]> files = new ConcurrentHashMap<>();
    final Map<Integer, String> fids = new ConcurrentHashMap<>();
    final List<String> writes = new CopyOnWriteArrayList<>();
    /** Largest Rread of a file, to make the client loop. */
    volatile int readChunk = Integer.MAX_VALUE;
    /** iounit given in Ropen. */
    volatile int iounit = 0;

    MemoryTree file(String path, String contents) {
        files.put(path, contents.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    private boolean isDir(String path) {
        return path.isEmpty() || files.keySet().stream().anyMatch(k -> k.startsWith(path + "/"));
    }

    private boolean exists(String path) {
        return files.containsKey(path) || isDir(path);
    }

    private Qid qid(String path) {
        return isDir(path) ? Qid.directory(path.hashCode() & 0xffffffffL) : Qid.file(path.hashCode() & 0xffffffffL);
    }

    Dir dir(String path) {
        String name = path.isEmpty() ? "/" : path.substring(path.lastIndexOf('/') + 1);
        boolean d = isDir(path);
        long length = d ? 0 : files.get(path).length;
        return new Dir(0, 0, qid(path), d ? P9.DMDIR | 0755 : 0644, 0, 0, length, name, "glenda", "glenda", "glenda");
    }

    private static String join(String dir, String name) {
        if (name.equals("..")) {
            int slash = dir.lastIndexOf('/');
            return slash < 0 ? "" : dir.substring(0, slash);
        }
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    private List<String> children(String dir) {
        String prefix = dir.isEmpty() ? "" : dir + "/";
        TreeSet<String> names = new TreeSet<>();
        for (String k : files.keySet()) {
            if (k.startsWith(prefix)) {
                String rest = k.substring(prefix.length());
                int slash = rest.indexOf('/');
                names.add(slash < 0 ? rest : rest.substring(0, slash));
            }
        }
        return new ArrayList<>(names);
    }

    @Override
    public Rmessage answer(Tmessage t) {
        int tag = t.tag();
        if (t instanceof Tmessage.Attach a) {
            fids.put(a.fid(), "");
            return new Rmessage.Attach(tag, qid(""));
        }
        String path = fids.get(t.fid());
        if (path == null) {
            return new Rmessage.Error(tag, "unknown fid " + t.fid());
        }
        if (t instanceof Tmessage.Walk w) {
            if (w.newfid() != w.fid() && fids.containsKey(w.newfid())) {
                return new Rmessage.Error(tag, "fid " + w.newfid() + " in use");
            }
            List<Qid> qids = new ArrayList<>();
            String cur = path;
            for (String name : w.names()) {
                String next = join(cur, name);
                if (!exists(next)) {
                    break;
                }
                cur = next;
                qids.add(qid(cur));
            }
            if (qids.isEmpty() && !w.names().isEmpty()) {
                return new Rmessage.Error(tag, "file does not exist");
            }
            if (qids.size() == w.names().size()) {
                fids.put(w.newfid(), cur);
            }
            return new Rmessage.Walk(tag, qids);
        } else if (t instanceof Tmessage.Open) {
            return new Rmessage.Open(tag, qid(path), iounit);
        } else if (t instanceof Tmessage.Create c) {
            String p = join(path, c.name());
            files.put(p, new byte[0]);
            fids.put(c.fid(), p);
            return new Rmessage.Create(tag, qid(p), iounit);
        } else if (t instanceof Tmessage.Read r) {
            if (isDir(path)) {
                // one whole entry per read, at the offset where the previous one ended
                ByteBuf all = Unpooled.buffer();
                for (String child : children(path)) {
                    StyxWire.writeDir(all, dir(join(path, child)));
                }
                int at = (int) r.offset();
                if (at >= all.writerIndex()) {
                    return new Rmessage.Read(tag, new byte[0]);
                }
                int len = all.getUnsignedShortLE(at) + 2;
                byte[] entry = new byte[len];
                all.getBytes(at, entry);
                return new Rmessage.Read(tag, entry);
            }
            byte[] data = files.get(path);
            int from = (int) Math.min(r.offset(), data.length);
            int to = (int) Math.min(data.length, from + (long) Math.min(r.count(), readChunk));
            return new Rmessage.Read(tag, Arrays.copyOfRange(data, from, to));
        } else if (t instanceof Tmessage.Write w) {
            writes.add(path + "@" + w.offset() + ":" + new String(w.data(), StandardCharsets.UTF_8));
            byte[] old = files.getOrDefault(path, new byte[0]);
            int end = (int) Math.max(old.length, w.offset() + w.data().length);
            byte[] now = Arrays.copyOf(old, end);
            System.arraycopy(w.data(), 0, now, (int) w.offset(), w.data().length);
            files.put(path, now);
            return new Rmessage.Write(tag, w.data().length);
        } else if (t instanceof Tmessage.Clunk c) {
            fids.remove(c.fid());
            return new Rmessage.Clunk(tag);
        } else if (t instanceof Tmessage.Remove rm) {
            fids.remove(rm.fid());
            files.remove(path);
            return new Rmessage.Remove(tag);
        } else if (t instanceof Tmessage.Stat) {
            return new Rmessage.Stat(tag, dir(path));
        } else if (t instanceof Tmessage.Wstat) {
            return new Rmessage.Wstat(tag);
        }
        return new Rmessage.Error(tag, "unexpected " + t.type());
    }
}
