package org.taskfs.styx.codec;

/**
 * A message that is framed correctly but whose contents are not legal 9P2000. It carries the tag
 * so a server can answer the request with Rerror and go on serving the connection.
 */
public final class StyxCodecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int tag;

    public StyxCodecException(int tag, String message) {
        super(message, null, false, false);
        this.tag = tag;
    }

    public int tag() {
        return tag;
    }
}
