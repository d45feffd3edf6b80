package org.taskfs.styx.auth;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The client's half of an authentication exchange, run over an auth fid between Tauth and the Tattach
 * that names it. Independent of how the afid is reached ({@link AfidIo}), so a relay can drive it over
 * its own upstream connection. A failed exchange fails with {@link AuthenticationException}
 * ({@code authentication failed: REASON}).
 */
public interface ClientAuth {
    /** Proves this client to the server for an attach as {@code uname} to {@code aname} (the Tauth's). */
    CompletableFuture<Void> run(AfidIo io, String uname, String aname);

    /**
     * The client side of {@code method}. The shared key is read now (mode and owner checked as for a server).
     *
     * @throws IllegalArgumentException for {@link AuthMethod.None}, or a key file that cannot be used
     */
    static ClientAuth of(AuthMethod method) {
        if (method instanceof AuthMethod.Key k) {
            return new KeyClient(SharedKey.load(k.file()));
        }
        if (method instanceof AuthMethod.Munge m) {
            return new MungeClient(new MungeCommands(m.socket()), 0);
        }
        throw new IllegalArgumentException("no client authentication for --auth " + method);
    }

    /** diod's exchange with a credential of {@code ttl} seconds (0: munged's default): for tests of expiry. */
    static ClientAuth munge(AuthMethod.Munge method, int ttl) {
        return new MungeClient(new MungeCommands(method.socket()), ttl);
    }

    /** diod's client: one credential, no payload, written on the afid. */
    record MungeClient(MungeCommands munge, int ttl) implements ClientAuth {
        @Override
        public CompletableFuture<Void> run(AfidIo io, String uname, String aname) {
            return munge.encode(ttl).thenCompose(cred -> AfidExchanges.writeAll(io, cred.getBytes()))
                    .exceptionallyCompose(AfidExchanges::failed);
        }
    }

    /** The client side of {@link KeyExchange}. */
    record KeyClient(SharedKey key) implements ClientAuth {
        @Override
        public CompletableFuture<Void> run(AfidIo io, String uname, String aname) {
            byte[] clientNonce = KeyExchange.nonce();
            return AfidExchanges.readExactly(io, KeyExchange.CHALLENGE_SIZE).thenCompose(challenge -> {
                if (!KeyExchange.versionOk(challenge)) {
                    throw new CompletionException(new AuthenticationException(
                            "the server speaks another key exchange than " + new String(KeyExchange.VERSION)));
                }
                byte[] serverNonce = Arrays.copyOfRange(challenge, KeyExchange.VERSION.length, challenge.length);
                byte[] t = KeyExchange.transcript(serverNonce, clientNonce, uname, aname);
                byte[] answer = KeyExchange.concat(KeyExchange.VERSION, clientNonce, KeyExchange.clientProof(key, t));
                return AfidExchanges.writeAll(io, answer)
                        .thenCompose(x -> AfidExchanges.readExactly(io, KeyExchange.CONFIRM_SIZE))
                        .thenAccept(confirm -> {
                            byte[] proof = Arrays.copyOfRange(confirm, KeyExchange.VERSION.length, confirm.length);
                            if (!KeyExchange.versionOk(confirm) || !KeyExchange.same(proof, KeyExchange.serverProof(key, t))) {
                                throw new CompletionException(new AuthenticationException(
                                        "the server's proof is wrong: it does not hold this key"));
                            }
                        });
            }).exceptionallyCompose(AfidExchanges::failed);
        }
    }
}
