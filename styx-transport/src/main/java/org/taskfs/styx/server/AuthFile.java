package org.taskfs.styx.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.taskfs.styx.auth.AuthenticationException;
import org.taskfs.styx.auth.ServerExchange;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.util.Futures;

/**
 * The open auth fid of the framework's own authentication: its reads and writes are an exchange's,
 * offsets ignored (plan9port's clients send 0 every time), failures passed to the client as Rerror.
 */
final class AuthFile implements OpenFile, Node {
    private final ServerExchange exchange;
    private final Qid qid;

    AuthFile(ServerExchange exchange, long path) {
        this.exchange = exchange;
        this.qid = new Qid(P9.QTAUTH, 0, path);
    }

    ServerExchange exchange() {
        return exchange;
    }

    @Override
    public Node node() {
        return this;
    }

    @Override
    public Qid qid() {
        return qid;
    }

    @Override
    public CompletableFuture<Dir> stat() {
        return CompletableFuture.completedFuture(new Dir(0, 0, qid, P9.DMAUTH | 0600, 0, 0, 0, "auth",
                exchange.uname(), exchange.uname(), exchange.uname()));
    }

    @Override
    public CompletableFuture<byte[]> read(long offset, int count) {
        return refusals(exchange.read(count));
    }

    @Override
    public CompletableFuture<Integer> write(long offset, byte[] data) {
        return refusals(exchange.write(data));
    }

    /** An exchange's failure, as the Rerror string the client reads: {@code authentication failed: …}. */
    static <T> CompletableFuture<T> refusals(CompletableFuture<T> f) {
        return f.handle((v, e) -> {
            if (e == null) {
                return v;
            }
            Throwable cause = Futures.cause(e);
            if (cause instanceof AuthenticationException a) {
                throw new CompletionException(new StyxException(a.getMessage()));
            }
            throw new CompletionException(cause);
        });
    }
}
