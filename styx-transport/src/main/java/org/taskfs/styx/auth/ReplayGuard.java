package org.taskfs.styx.auth;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The client nonces of the most recent accepted key answers, so that an answer seen again is named a
 * replay. Bounded: a fresh server nonce per exchange already makes an old answer fail; this only says why.
 */
final class ReplayGuard {
    private static final int REMEMBERED = 16384;

    private final Map<ByteBuffer, Boolean> seen = new LinkedHashMap<>(1024, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    };

    synchronized boolean seen(byte[] nonce) {
        return seen.containsKey(ByteBuffer.wrap(nonce.clone()));
    }

    synchronized void remember(byte[] nonce) {
        seen.put(ByteBuffer.wrap(nonce.clone()), Boolean.TRUE);
    }
}
