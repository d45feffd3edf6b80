package org.taskfs.styx.auth;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The shared-key exchange {@code --auth key=FILE} runs over an auth fid: challenge and response with a
 * nonce from each side, mutual, bound to the attach it is for.
 *
 * <p>Wire format (afid reads carry server→client bytes, writes client→server; offsets are ignored, the
 * afid is a stream):
 * <pre>
 *   S→C  (read)   V[4] Ns[32]            the server's challenge, ready as soon as Tauth is answered
 *   C→S  (write)  V[4] Nc[32] Pc[32]     the client's nonce and its proof
 *   S→C  (read)   V[4] Ps[32]            the server's proof; an Rerror instead if Pc was wrong
 *
 *   V  = "tfk1" (ASCII): the version tag; anything else is refused
 *   T  = V | Ns | Nc | len[2] uname | len[2] aname     (len little-endian, names UTF-8, as 9P strings)
 *   Pc = HMAC-SHA256(K, "C" | T)
 *   Ps = HMAC-SHA256(K, "S" | T)
 * </pre>
 * uname and aname are the Tauth's; an attach through the afid must name the same. The labels keep a
 * proof from being reflected back as the other side's. A fresh Ns per Tauth means an answer recorded on
 * one connection is worthless on the next; the server also remembers the client nonces it has accepted,
 * so a replayed answer is named as such, and takes one answer per afid.
 */
public final class KeyExchange {
    private KeyExchange() {}

    public static final byte[] VERSION = "tfk1".getBytes(StandardCharsets.US_ASCII);
    public static final int NONCE = 32;
    public static final int PROOF = 32;
    /** Sizes of the three messages. */
    public static final int CHALLENGE_SIZE = VERSION.length + NONCE;
    public static final int ANSWER_SIZE = VERSION.length + NONCE + PROOF;
    public static final int CONFIRM_SIZE = VERSION.length + PROOF;

    private static final SecureRandom RANDOM = new SecureRandom();

    static byte[] nonce() {
        byte[] n = new byte[NONCE];
        RANDOM.nextBytes(n);
        return n;
    }

    /** The transcript both proofs cover. */
    static byte[] transcript(byte[] serverNonce, byte[] clientNonce, String uname, String aname) {
        ByteArrayOutputStream t = new ByteArrayOutputStream();
        t.writeBytes(VERSION);
        t.writeBytes(serverNonce);
        t.writeBytes(clientNonce);
        string(t, uname);
        string(t, aname);
        return t.toByteArray();
    }

    private static void string(ByteArrayOutputStream t, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        t.write(b.length & 0xff);
        t.write((b.length >>> 8) & 0xff);
        t.writeBytes(b);
    }

    static byte[] clientProof(SharedKey key, byte[] transcript) {
        return key.hmac(labelled('C', transcript));
    }

    static byte[] serverProof(SharedKey key, byte[] transcript) {
        return key.hmac(labelled('S', transcript));
    }

    private static byte[] labelled(char label, byte[] transcript) {
        byte[] b = new byte[transcript.length + 1];
        b[0] = (byte) label;
        System.arraycopy(transcript, 0, b, 1, transcript.length);
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Checks the version tag at the start of {@code message}. */
    static boolean versionOk(byte[] message) {
        return message.length >= VERSION.length && Arrays.equals(message, 0, VERSION.length, VERSION, 0, VERSION.length);
    }

    /** Constant-time comparison: a proof check must not tell how many bytes were right. */
    static boolean same(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }
}
