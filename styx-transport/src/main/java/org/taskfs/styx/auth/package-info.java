/**
 * Who a 9P peer is, proved rather than claimed.
 *
 * <ul>
 * <li><b>Local peers</b> are identified by the kernel, per connection ({@link org.taskfs.styx.auth.KernelIdentity}):
 *     SO_PEERCRED on a Unix socket, the owner of the peer's socket in /proc/net/tcp{,6} for loopback TCP.</li>
 * <li><b>Remote peers</b> authenticate through Tauth when the server has {@code --auth munge} (diod's exchange:
 *     a MUNGE credential written on the afid) or {@code --auth key=FILE} (the shared-key exchange of
 *     {@link org.taskfs.styx.auth.KeyExchange}). Servers run their half in the framework
 *     ({@link org.taskfs.styx.auth.ServerAuth}); clients and relays run {@link org.taskfs.styx.auth.ClientAuth}
 *     over any {@link org.taskfs.styx.auth.AfidIo}.</li>
 * <li><b>The attach rule</b>, enforced for every file server: a speaker {@link org.taskfs.styx.auth.Principal}
 *     (root, the server's own user, the key's holder) may attach as any uname; anyone else only as itself
 *     (an empty uname meaning itself). An attach through a proven afid makes the connection act as that
 *     principal for its later NOFID attaches, as diod's authenticated connections do. A peer nobody vouches
 *     for is refused ({@code authentication required}) when the server has an auth method, and taken at
 *     its word when it has none: that is what {@code --insecure} off loopback means.</li>
 * </ul>
 *
 * <p>Caveats: nothing here encrypts the wire, and a proof covers the start of a connection only (diod says
 * the same of its own). A local proxy that forwards remote connections (socat, a container port forward)
 * lends them its own identity, so run such a proxy as an unprivileged user.
 */
package org.taskfs.styx.auth;
