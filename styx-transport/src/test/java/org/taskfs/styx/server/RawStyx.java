package org.taskfs.styx.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.function.Consumer;
import org.taskfs.styx.codec.Dialect;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxWire;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.dial.DialAddress;

/**
 * A blocking, test-only 9P client over a plain socket. It sends whatever it is given, including
 * bytes no proper client would, and every read has a timeout so a test cannot hang on a reply
 * that never comes. Not thread-safe; one test thread drives it.
 */
final class RawStyx implements AutoCloseable {
    static final int TIMEOUT_MS = 5000;

    private final Socket socket;
    private final PushbackInputStream rawIn;
    private final DataInputStream in;
    private final OutputStream out;
    /** How messages are laid out: 9P2000 until a test says otherwise (after its Tversion of .u or .L). */
    private Dialect dialect = Dialect.P9_2000;
    /** Tags handed out by the convenience calls; tests that pick tags themselves use 40000 and up. */
    private int nextTag = 1;

    private RawStyx(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(TIMEOUT_MS);
        this.rawIn = new PushbackInputStream(socket.getInputStream(), 1);
        this.in = new DataInputStream(rawIn);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    static RawStyx connect(DialAddress at) {
        return connect(at, s -> {});
    }

    /** Connects after {@code configure} has set socket options that must precede connect. */
    static RawStyx connect(DialAddress at, Consumer<Socket> configure) {
        try {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            configure.accept(s);
            s.connect(new InetSocketAddress(at.host(), at.port()), TIMEOUT_MS);
            return new RawStyx(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int tag() {
        int t = nextTag++;
        if (nextTag >= 30000) {
            nextTag = 1;
        }
        return t;
    }

    void dialect(Dialect d) {
        this.dialect = d;
    }

    static byte[] encode(Tmessage m) {
        return encode(m, Dialect.P9_2000);
    }

    static byte[] encode(Tmessage m, Dialect d) {
        ByteBuf b = Unpooled.buffer();
        StyxWire.encode(m, d, b);
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        return bytes;
    }

    void send(Tmessage m) {
        sendBytes(encode(m, dialect));
    }

    /** Queues a message without flushing, so many can leave in one write. */
    void queue(Tmessage m) {
        queueBytes(encode(m, dialect));
    }

    void queueBytes(byte[] bytes) {
        try {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void flushQueued() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void sendBytes(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next reply; fails the test if none arrives within the timeout or the server hung up. */
    Rmessage receive() {
        try {
            int size = Integer.reverseBytes(in.readInt());
            if (size < P9.HEADER_SIZE || size > P9.MAX_MSIZE) {
                fail("server sent a frame of " + Integer.toUnsignedString(size) + " bytes");
            }
            byte[] frame = new byte[size];
            ByteBuf b = Unpooled.wrappedBuffer(frame);
            b.writerIndex(0);
            b.writeIntLE(size);
            in.readFully(frame, 4, size - 4);
            b.writerIndex(size);
            return (Rmessage) StyxWire.decode(b, dialect);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no reply within " + TIMEOUT_MS + " ms", e);
        } catch (EOFException e) {
            throw new AssertionError("server closed the connection", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends a request and returns its reply, which must carry the same tag. */
    Rmessage rpc(Tmessage m) {
        send(m);
        Rmessage r = receive();
        assertThat(r.tag()).as("tag of the reply to %s", m).isEqualTo(m.tag());
        return r;
    }

    /** Sends a request that must succeed with a reply of {@code type}. */
    <T extends Rmessage> T ok(Tmessage m, Class<T> type) {
        Rmessage r = rpc(m);
        if (r instanceof Rmessage.Error e) {
            fail(m + " failed: " + e.ename());
        }
        if (r instanceof Rmessage.Lerror e) {
            fail(m + " failed: errno " + e.ecode());
        }
        assertThat(r).isInstanceOf(type);
        return type.cast(r);
    }

    /** Sends a request that must fail; returns the error string. */
    String error(Tmessage m) {
        Rmessage r = rpc(m);
        assertThat(r).as("reply to %s", m).isInstanceOf(Rmessage.Error.class);
        return ((Rmessage.Error) r).ename();
    }

    /** Sends a 9P2000.L request that must fail; returns the errno. */
    int lerror(Tmessage m) {
        Rmessage r = rpc(m);
        assertThat(r).as("reply to %s", m).isInstanceOf(Rmessage.Lerror.class);
        return ((Rmessage.Lerror) r).ecode();
    }

    // ---------------------------------------------------------------- conveniences

    Rmessage.Version version(int msize) {
        return ok(new Tmessage.Version(P9.NOTAG, msize, P9.VERSION), Rmessage.Version.class);
    }

    Qid attach(int fid) {
        return ok(new Tmessage.Attach(tag(), fid, P9.NOFID, "glenda", ""), Rmessage.Attach.class).qid();
    }

    /** Tversion (msize 8192) and Tattach of fid 0: a session ready for work. */
    RawStyx session() {
        version(8192);
        attach(0);
        return this;
    }

    List<Qid> walk(int fid, int newfid, String... names) {
        return ok(new Tmessage.Walk(tag(), fid, newfid, List.of(names)), Rmessage.Walk.class).qids();
    }

    Rmessage.Open open(int fid, int mode) {
        return ok(new Tmessage.Open(tag(), fid, mode), Rmessage.Open.class);
    }

    /** Walks fid 0 to {@code names} as {@code newfid} and opens it. */
    Rmessage.Open walkOpen(int newfid, int mode, String... names) {
        walk(0, newfid, names);
        return open(newfid, mode);
    }

    byte[] read(int fid, long offset, int count) {
        return ok(new Tmessage.Read(tag(), fid, offset, count), Rmessage.Read.class).data();
    }

    int write(int fid, long offset, byte[] data) {
        return ok(new Tmessage.Write(tag(), fid, offset, data), Rmessage.Write.class).count();
    }

    void clunk(int fid) {
        ok(new Tmessage.Clunk(tag(), fid), Rmessage.Clunk.class);
    }

    Dir stat(int fid) {
        return ok(new Tmessage.Stat(tag(), fid), Rmessage.Stat.class).dir();
    }

    /** The connection still answers: a Tstat of {@code fid} succeeds. */
    void assertServes(int fid) {
        stat(fid);
    }

    /**
     * Two Tstat round trips that must be answered in order with nothing in between. Any reply the
     * server had queued before them (a stray one, say, for a flushed tag) would show up here.
     */
    void assertNothingElsePending(int fid) {
        for (int i = 0; i < 2; i++) {
            int t = tag();
            send(new Tmessage.Stat(t, fid));
            Rmessage r = receive();
            assertThat(r).as("the only reply pending is the Rstat just asked for").isInstanceOf(Rmessage.Stat.class);
            assertThat(r.tag()).isEqualTo(t);
        }
    }

    // ---------------------------------------------------------------- connection state

    /**
     * True once the server has closed the connection. Looks at most one byte ahead (and keeps it),
     * so a client that is "not reading" stays essentially unread.
     */
    boolean isClosedByServer() {
        try {
            socket.setSoTimeout(20);
            int b = rawIn.read();
            if (b < 0) {
                return true;
            }
            rawIn.unread(b);
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by the server
        } finally {
            try {
                if (!socket.isClosed()) {
                    socket.setSoTimeout(TIMEOUT_MS);
                }
            } catch (IOException ignored) {
                // the socket is gone; the answer above stands
            }
        }
    }

    /** Drops the connection with a TCP reset, as a crashed client would. */
    void abort() {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
    }
}
