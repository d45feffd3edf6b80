package org.taskfs.styx.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.taskfs.styx.codec.P9;

/** The fids of one connection, within its limit. Touched only on the connection's event loop. */
final class FidTable {
    private static final System.Logger LOG = System.getLogger(FidTable.class.getName());

    private final Map<Integer, Fid> fids = new HashMap<>();
    private final int limit;

    FidTable(int limit) {
        this.limit = limit;
    }

    /** The fid a request names: one never made, or clunked, is the client's error. */
    Fid get(int id) {
        Fid f = fids.get(id);
        if (f == null) {
            throw new StyxException(Errors.UNKNOWN_FID);
        }
        return f;
    }

    /** The fid numbered {@code id}, or null. */
    Fid find(int id) {
        return fids.get(id);
    }

    boolean contains(int id) {
        return fids.containsKey(id);
    }

    /**
     * Whether {@code f} is still in the table: a request that waited on a node must not touch a
     * fid clunked meanwhile, nor a new one made under the same number.
     */
    boolean holds(Fid f) {
        return fids.get(f.id) == f;
    }

    /** Checks that a request may make a fid numbered {@code id}. */
    void checkNew(int id) {
        if (id == P9.NOFID) {
            throw new StyxException("fid " + Integer.toUnsignedString(id) + " (NOFID) cannot be used");
        }
        if (fids.containsKey(id)) {
            throw new StyxException(Errors.FID_IN_USE);
        }
        if (fids.size() >= limit) {
            throw new StyxException("too many fids (limit " + limit + ")");
        }
    }

    void add(Fid f) {
        fids.put(f.id, f);
    }

    /** Takes the fid out of the table (Tclunk, Tremove); the caller releases it. */
    Fid take(int id) {
        Fid f = get(id);
        fids.remove(id);
        return f;
    }

    /** Clunks every fid: the session has ended (a new Tversion, or the client went). */
    void clunkAll() {
        List<Fid> all = new ArrayList<>(fids.values());
        fids.clear();
        for (Fid f : all) {
            release(f);
        }
    }

    /** Lets go of what a fid holds: its open handle and, for ORCLOSE, the file itself. */
    static void release(Fid f) {
        f.dropHeld();
        OpenFile open = f.open;
        f.open = null;
        if (open == null) {
            return;
        }
        try {
            open.clunk();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "clunk handler failed", e);
        }
        if ((f.openMode & P9.ORCLOSE) != 0) {
            try {
                // Nobody is left to tell whether the remove worked.
                f.node().remove(f.caller).exceptionally(e -> null);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "remove on close failed", e);
            }
        }
    }
}
