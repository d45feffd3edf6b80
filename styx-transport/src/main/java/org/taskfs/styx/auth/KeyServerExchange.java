package org.taskfs.styx.auth;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/** The server's side of {@link KeyExchange}: challenge, check the answer once, confirm. */
final class KeyServerExchange implements ServerExchange {
    private enum State { AWAITING_ANSWER, PROVEN, FAILED }

    private final SharedKey key;
    private final ReplayGuard replays;
    private final Principal holder;
    private final String uname;
    private final String aname;
    private final byte[] serverNonce = KeyExchange.nonce();
    private final ByteArrayOutputStream answer = new ByteArrayOutputStream();
    /** What the client has yet to read. */
    private byte[] out;
    private int outAt;
    private State state = State.AWAITING_ANSWER;
    private String failure;

    KeyServerExchange(SharedKey key, ReplayGuard replays, Principal holder, String uname, String aname) {
        this.key = key;
        this.replays = replays;
        this.holder = holder;
        this.uname = uname;
        this.aname = aname;
        this.out = KeyExchange.concat(KeyExchange.VERSION, serverNonce);
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
    public synchronized CompletableFuture<byte[]> read(int count) {
        if (outAt < out.length) {
            int n = Math.min(count, out.length - outAt);
            byte[] b = Arrays.copyOfRange(out, outAt, outAt + n);
            outAt += n;
            return CompletableFuture.completedFuture(b);
        }
        return switch (state) {
            case PROVEN -> CompletableFuture.completedFuture(new byte[0]);
            case FAILED -> CompletableFuture.failedFuture(new AuthenticationException(failure));
            case AWAITING_ANSWER -> CompletableFuture.failedFuture(new AuthenticationException(
                    "nothing to read until the answer is written"));
        };
    }

    @Override
    public synchronized CompletableFuture<Integer> write(byte[] data) {
        if (state != State.AWAITING_ANSWER) {
            return CompletableFuture.failedFuture(new AuthenticationException(
                    state == State.FAILED ? failure : "this challenge was already answered"));
        }
        if (answer.size() + data.length > KeyExchange.ANSWER_SIZE) {
            return fail("the answer is " + (answer.size() + data.length) + " bytes, expected "
                    + KeyExchange.ANSWER_SIZE);
        }
        answer.writeBytes(data);
        if (answer.size() == KeyExchange.ANSWER_SIZE) {
            String refusal = check(answer.toByteArray());
            if (refusal != null) {
                return fail(refusal);
            }
        }
        return CompletableFuture.completedFuture(data.length);
    }

    /** Checks a whole answer; null when it proves the key, else why not. */
    private String check(byte[] a) {
        if (!KeyExchange.versionOk(a)) {
            return "the client speaks another key exchange than " + new String(KeyExchange.VERSION);
        }
        int at = KeyExchange.VERSION.length;
        byte[] clientNonce = Arrays.copyOfRange(a, at, at + KeyExchange.NONCE);
        byte[] proof = Arrays.copyOfRange(a, at + KeyExchange.NONCE, a.length);
        if (replays.seen(clientNonce)) {
            return "replayed answer (its client nonce was answered before)";
        }
        byte[] t = KeyExchange.transcript(serverNonce, clientNonce, uname, aname);
        if (!KeyExchange.same(proof, KeyExchange.clientProof(key, t))) {
            return "wrong key";
        }
        replays.remember(clientNonce);
        state = State.PROVEN;
        out = KeyExchange.concat(KeyExchange.VERSION, KeyExchange.serverProof(key, t));
        outAt = 0;
        return null;
    }

    private CompletableFuture<Integer> fail(String reason) {
        state = State.FAILED;
        failure = reason;
        return CompletableFuture.failedFuture(new AuthenticationException(reason));
    }

    @Override
    public synchronized CompletableFuture<Principal> principal() {
        return switch (state) {
            case PROVEN -> CompletableFuture.completedFuture(holder);
            case FAILED -> CompletableFuture.failedFuture(new AuthenticationException(failure));
            case AWAITING_ANSWER -> CompletableFuture.failedFuture(new AuthenticationException(
                    "the key exchange is not finished (no answer written)"));
        };
    }
}
