package org.taskfs.styx.codec;

/**
 * What the frame decoder passes on instead of a message when a well-framed request is not legal
 * 9P2000 (unknown type, a reply sent to a server, a string running past the end…), so the server
 * can answer it with Rerror under its tag.
 */
public record BadMessage(int tag, String reason) {}
