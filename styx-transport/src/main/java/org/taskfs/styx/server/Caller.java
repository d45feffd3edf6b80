package org.taskfs.styx.server;

/** The user a request acts for: the uname and aname of the fid's attach, on a given connection. */
public record Caller(String user, String aname, ConnectionInfo connection) {}
