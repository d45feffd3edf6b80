/**
 * The asynchronous 9P2000 client: {@link org.taskfs.styx.client.StyxClient} (a connection, with the
 * everyday path operations), {@link org.taskfs.styx.client.RemoteFid} (one fid),
 * {@link org.taskfs.styx.client.ClientOptions}, and the two failures a request can meet besides
 * timeouts: {@link org.taskfs.styx.client.StyxRemoteException} (Rerror) and
 * {@link org.taskfs.styx.client.StyxConnectionException} (the connection).
 * {@link org.taskfs.styx.client.RedialingClient} outlives its connection: it dials again (the next address
 * too), and its {@link org.taskfs.styx.client.DurableFid}s are re-opened by path, for the FUSE mount and
 * {@code taskfs cat}.
 *
 * <p>Nothing here blocks: every operation returns a {@link java.util.concurrent.CompletableFuture}
 * that completes on the connection's event loop. Callers that want to wait call {@code get()}
 * from their own threads.
 */
package org.taskfs.styx.client;
