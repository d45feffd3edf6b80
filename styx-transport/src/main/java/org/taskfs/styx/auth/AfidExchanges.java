package org.taskfs.styx.auth;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.taskfs.styx.util.Futures;

/** The loops every exchange needs over single reads and writes. */
final class AfidExchanges {
    private AfidExchanges() {}

    static CompletableFuture<byte[]> readExactly(AfidIo io, int n) {
        return readMore(io, new byte[0], n);
    }

    private static CompletableFuture<byte[]> readMore(AfidIo io, byte[] have, int n) {
        if (have.length == n) {
            return CompletableFuture.completedFuture(have);
        }
        return io.read(n - have.length).thenCompose(b -> {
            if (b.length == 0) {
                throw new CompletionException(new AuthenticationException(
                        "the server ended the exchange after " + have.length + " of " + n + " bytes"));
            }
            return readMore(io, KeyExchange.concat(have, b), n);
        });
    }

    static CompletableFuture<Void> writeAll(AfidIo io, byte[] data) {
        if (data.length == 0) {
            return CompletableFuture.completedFuture(null);
        }
        return io.write(data).thenCompose(n -> {
            if (n <= 0) {
                throw new CompletionException(new AuthenticationException("the server took none of the answer"));
            }
            return writeAll(io, Arrays.copyOfRange(data, Math.min(n, data.length), data.length));
        });
    }

    /** Any failure of an exchange as an AuthenticationException with the server's or our reason. */
    static <T> CompletableFuture<T> failed(Throwable e) {
        Throwable cause = Futures.cause(e);
        if (cause instanceof AuthenticationException) {
            return CompletableFuture.failedFuture(cause);
        }
        String text = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        AuthenticationException a = new AuthenticationException(text);
        a.initCause(cause);
        return CompletableFuture.failedFuture(a);
    }
}
