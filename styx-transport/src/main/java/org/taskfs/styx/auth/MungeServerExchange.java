package org.taskfs.styx.auth;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * The server's side of diod's MUNGE exchange: the client writes a credential (no payload) on the afid,
 * possibly in pieces; the attach decodes it, and the credential's uid is the principal. The afid cannot
 * be read (diod answers EIO).
 */
final class MungeServerExchange implements ServerExchange {
    /** An empty-payload credential is ~130 bytes; anything this long is not one. */
    private static final int MAX_CREDENTIAL = 4096;

    private final MungeCommands munge;
    private final String uname;
    private final String aname;
    private final ByteArrayOutputStream credential = new ByteArrayOutputStream();
    private CompletableFuture<Principal> decoded;

    MungeServerExchange(MungeCommands munge, String uname, String aname) {
        this.munge = munge;
        this.uname = uname;
        this.aname = aname;
    }

    @Override
    public String uname() {
        return uname;
    }

    @Override
    public String aname() {
        return aname;
    }

    @Override
    public CompletableFuture<byte[]> read(int count) {
        return CompletableFuture.failedFuture(new AuthenticationException(
                "a munge auth file is write-only: write the credential"));
    }

    @Override
    public synchronized CompletableFuture<Integer> write(byte[] data) {
        if (decoded != null) {
            return CompletableFuture.failedFuture(new AuthenticationException("the credential was already used"));
        }
        if (credential.size() + data.length > MAX_CREDENTIAL) {
            return CompletableFuture.failedFuture(new AuthenticationException(
                    "invalid credential (longer than " + MAX_CREDENTIAL + " bytes)"));
        }
        credential.writeBytes(data);
        return CompletableFuture.completedFuture(data.length);
    }

    @Override
    public synchronized CompletableFuture<Principal> principal() {
        if (decoded == null) {
            // Decoded once: a second decode of the same credential would be a replay to munged.
            String text = credential.toString(StandardCharsets.US_ASCII).replace("\0", "").strip();
            decoded = text.isEmpty()
                    ? CompletableFuture.failedFuture(new AuthenticationException("no munge credential was written"))
                    : AuthExecutor.submit(() -> Principal.ofUid(munge.decodeNow(text).uid(), Principal.MUNGE));
        }
        return decoded.copy();
    }
}
