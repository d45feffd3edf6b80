package org.taskfs.styx.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.Tmessage;

/** An auth fid driven by hand over a client's raw requests, remembering what was written. */
final class AfidRpc implements AfidIo {
    final List<byte[]> written = new ArrayList<>();
    private final StyxClient client;
    private final int afid;

    AfidRpc(StyxClient client, int afid) {
        this.client = client;
        this.afid = afid;
    }

    /** Sends Tauth for {@code afid}. */
    static AfidRpc auth(StyxClient client, int afid, String uname, String aname) throws Exception {
        client.rpc(tag -> new Tmessage.Auth(tag, afid, uname, aname)).get();
        return new AfidRpc(client, afid);
    }

    @Override
    public CompletableFuture<byte[]> read(int count) {
        return client.rpc(tag -> new Tmessage.Read(tag, afid, 0, count)).thenApply(r -> ((Rmessage.Read) r).data());
    }

    @Override
    public synchronized CompletableFuture<Integer> write(byte[] data) {
        written.add(data.clone());
        return client.rpc(tag -> new Tmessage.Write(tag, afid, 0, data)).thenApply(r -> ((Rmessage.Write) r).count());
    }

    /** Tattach through this afid. */
    CompletableFuture<Rmessage> attach(int fid, String uname, String aname) {
        return client.rpc(tag -> new Tmessage.Attach(tag, fid, afid, uname, aname));
    }
}
