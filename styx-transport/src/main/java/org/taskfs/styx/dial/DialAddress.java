package org.taskfs.styx.dial;

import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * A network address written as Plan 9 and plan9port write dial strings:
 * {@code tcp!host!port}, {@code tcp!host} (default port), {@code host:port}, {@code [v6]:port},
 * {@code host}, {@code unix!/path}, and {@code *} or {@code 0.0.0.0} for every interface when listening.
 */
public record DialAddress(Kind kind, String host, int port, Path path) {

    public enum Kind { TCP, UNIX }

    public DialAddress {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.TCP) {
            Objects.requireNonNull(host, "host");
            if (host.isEmpty()) {
                throw new IllegalArgumentException("empty host; expected tcp!host!port or host:port");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is out of range");
            }
        } else {
            Objects.requireNonNull(path, "path");
        }
    }

    public static DialAddress tcp(String host, int port) {
        return new DialAddress(Kind.TCP, host, port, null);
    }

    public static DialAddress unix(Path path) {
        return new DialAddress(Kind.UNIX, null, 0, path);
    }

    /**
     * Parses a dial string.
     *
     * @throws IllegalArgumentException naming what is wrong and what would be right
     */
    public static DialAddress parse(String s, int defaultPort) {
        String text = s == null ? "" : s.trim();
        if (text.isEmpty()) {
            throw new IllegalArgumentException("empty address; expected tcp!host!port, host:port or unix!/path");
        }
        if (text.contains("!")) {
            String[] f = text.split("!", -1);
            String net = f[0].toLowerCase(Locale.ROOT);
            if (net.equals("unix")) {
                if (f.length != 2 || f[1].isEmpty()) {
                    throw new IllegalArgumentException("bad address \"" + s + "\"; expected unix!/path/to/socket");
                }
                return unix(Path.of(f[1]));
            }
            if (!net.equals("tcp") && !net.equals("net")) {
                throw new IllegalArgumentException("unsupported network \"" + f[0] + "\" in \"" + s
                        + "\"; use tcp or unix");
            }
            if (f.length < 2 || f.length > 3 || f[1].isEmpty()) {
                throw new IllegalArgumentException("bad address \"" + s + "\"; expected tcp!host!port");
            }
            int port = f.length == 3 ? port(f[2], s) : defaultPort;
            return tcp(host(f[1]), port);
        }
        if (text.startsWith("/")) {
            return unix(Path.of(text));
        }
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("bad address \"" + s + "\": unclosed [");
            }
            String host = text.substring(1, close);
            if (host.isEmpty()) {
                throw new IllegalArgumentException("bad address \"" + s + "\": empty host in []");
            }
            String rest = text.substring(close + 1);
            if (rest.isEmpty()) {
                return tcp(host, defaultPort);
            }
            if (!rest.startsWith(":")) {
                throw new IllegalArgumentException("bad address \"" + s + "\"; expected [host]:port");
            }
            return tcp(host, port(rest.substring(1), s));
        }
        int colon = text.lastIndexOf(':');
        if (colon >= 0 && text.indexOf(':') == colon) {
            if (colon == 0) {
                throw new IllegalArgumentException("bad address \"" + s + "\": no host before the colon; "
                        + "expected host:port (for every interface write *:port)");
            }
            return tcp(host(text.substring(0, colon)), port(text.substring(colon + 1), s));
        }
        return tcp(host(text), defaultPort);
    }

    /**
     * A comma-separated list of dial strings, {@code ADDR1,ADDR2}: a server and the ones to fail over to, in
     * that order. One address is a list of one.
     *
     * @throws IllegalArgumentException naming the element that is wrong
     */
    public static java.util.List<DialAddress> parseList(String s, int defaultPort) {
        String text = s == null ? "" : s.trim();
        if (!text.contains(",")) {
            return java.util.List.of(parse(text, defaultPort));
        }
        java.util.List<DialAddress> list = new java.util.ArrayList<>();
        for (String e : text.split(",", -1)) {
            if (e.isBlank()) {
                throw new IllegalArgumentException("empty address in the list \"" + s
                        + "\"; expected ADDR1,ADDR2 (each tcp!host!port, host:port or unix!/path)");
            }
            list.add(parse(e, defaultPort));
        }
        return java.util.List.copyOf(list);
    }

    private static String host(String h) {
        return h.equals("*") ? "0.0.0.0" : h;
    }

    private static int port(String p, String whole) {
        switch (p) {
            case "9fs": return 564;
            case "styx": return 6666;
            default:
                // Digits only: Integer.parseInt would take "+5" and "-0".
                if (!p.isEmpty() && p.length() <= 5 && p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    int n = Integer.parseInt(p);
                    if (n <= 65535) {
                        return n;
                    }
                }
                throw new IllegalArgumentException("bad port \"" + p + "\" in \"" + whole + "\"; expected 0..65535");
        }
    }

    /** True when the address only reaches this machine: loopback TCP or a Unix socket. */
    public boolean isLocalOnly() {
        if (kind == Kind.UNIX) {
            return true;
        }
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
    }

    /** True for a TCP address of every interface ({@code 0.0.0.0}, {@code ::}): one to listen on, not to dial. */
    public boolean isWildcard() {
        if (kind != Kind.TCP) {
            return false;
        }
        try {
            // A literal only: a host name is never looked up here.
            return host.matches("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:]*") && InetAddress.getByName(host).isAnyLocalAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * What others dial to reach a server listening here: the address itself, or for a wildcard this machine's
     * host name, if it resolves, else its first address that is not loopback (a server's TASKFS_ADDR, which
     * tasks on other machines dial). Looks names up: call it at start, never on an event loop.
     */
    public DialAddress advertised() {
        if (!isWildcard()) {
            return this;
        }
        try {
            String name = InetAddress.getLocalHost().getHostName();
            InetAddress.getByName(name);
            return tcp(name, port);
        } catch (UnknownHostException e) {
            // no usable host name: an interface address below
        }
        try {
            for (NetworkInterface nic : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                for (InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
                    if (a instanceof java.net.Inet4Address) {
                        return tcp(a.getHostAddress(), port);
                    }
                }
            }
        } catch (java.net.SocketException e) {
            // no interfaces to ask: loopback below
        }
        return tcp("127.0.0.1", port);
    }

    public SocketAddress toSocketAddress() {
        return kind == Kind.UNIX ? new DomainSocketAddress(path.toFile()) : new InetSocketAddress(host, port);
    }

    /** The same TCP host with another port. */
    public DialAddress withPort(int newPort) {
        if (kind != Kind.TCP) {
            throw new IllegalStateException(this + " is a Unix socket; it has no port");
        }
        return tcp(host, newPort);
    }

    @Override
    public String toString() {
        return kind == Kind.UNIX ? "unix!" + path : "tcp!" + host + "!" + port;
    }
}
