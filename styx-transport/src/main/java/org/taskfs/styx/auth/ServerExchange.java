package org.taskfs.styx.auth;

import java.util.concurrent.CompletableFuture;

/**
 * The server's half of one authentication exchange: what a Tauth's afid does. Reads and writes are the
 * afid's Tread and Twrite (offsets ignored: the afid is a stream); {@link #principal()} is asked at the
 * attach that names the afid. Failures are {@link AuthenticationException}s naming the reason. Called on
 * one connection's event loop at a time; never blocks it.
 */
public interface ServerExchange {
    /** The uname of the Tauth this exchange is for; an attach through it must name the same. */
    String uname();

    /** The aname of the Tauth. */
    String aname();

    /** Up to {@code count} bytes from server to client; an empty array when there is nothing more. */
    CompletableFuture<byte[]> read(int count);

    /** Bytes from client to server; completes with the count taken. */
    CompletableFuture<Integer> write(byte[] data);

    /** Who the exchange proved the client to be; fails with the reason when it did not. Repeatable. */
    CompletableFuture<Principal> principal();
}
