package org.taskfs.styx.codec;

/** A 9P2000 message: a request from a client ({@link Tmessage}) or a reply ({@link Rmessage}). */
public sealed interface Message permits Tmessage, Rmessage {
    int tag();

    MessageType type();
}
