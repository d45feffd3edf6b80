package org.taskfs.bench;

import java.util.Arrays;

/**
 * The drivers bench/run calls, one per table row:
 * <pre>
 *   launch  [--addr A] [--iterations N] [--warmup N]          row 1
 *   fanout  [--addr A] [--sizes 64,256] [--runs N]             row 2 (warm server part)
 *   rate    [--addr A] [--workers C] [--tasks K] [--seconds S]  row 3
 *   stream  [--addr A] [--bytes N] [--runs N]                  row 4 (9P client and socket pair)
 *   kernel  [--addr A] [--bytes N] [--runs N] [--diod-port P --diod-aname DIR]
 *                                                               row 4 (Linux's v9fs in a QEMU guest)
 *   rpc-server                                                  row 5 servers, in their own process
 *   rpc     [--styx A --echo PORT] [--seconds S] [--runs N]     row 5
 *   heap    [--sessions N] [--runs N]                           row 6 (coordinator in this JVM)
 *   scale   [--nodes 256] [--per-jvm 64] [--tasks 4096] [--runs N]  row 7 (node daemons in child JVMs)
 *   nodes   [--count K] [--slots S]                             row 7's child: K nodes and a coordinator
 * </pre>
 * Without {@code --addr} a driver starts a {@link org.taskfs.coord.LocalCluster} of its own.
 * Figures go to stdout as {@code SAMPLE key value} lines, progress to stderr.
 */
public final class Bench {
    private Bench() {}

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            System.err.println("usage: Bench launch|fanout|rate|stream|kernel|rpc-server|rpc|heap|scale|nodes [--option value]...");
            System.exit(2);
        }
        Args a = new Args(argv, 1);
        Samples out = new Samples(System.out);
        long t0 = System.nanoTime();
        run(argv[0], a, out);
        System.err.printf("bench %s: done in %.1f s%n", String.join(" ", Arrays.asList(argv)), (System.nanoTime() - t0) / 1e9);
        // Netty and the pool leave non-daemon threads behind only on failure; end either way.
        System.exit(0);
    }

    static void run(String driver, Args a, Samples out) throws Exception {
        switch (driver) {
            case "launch":
                SessionBench.launch(a, out);
                break;
            case "fanout":
                SessionBench.fanout(a, out);
                break;
            case "rate":
                SessionBench.rate(a, out);
                break;
            case "stream":
                StreamBench.stream(a, out);
                break;
            case "kernel":
                KernelBench.kernel(a, out);
                break;
            case "rpc-server":
                a.checkAllUsed();
                RpcBench.server(a);
                return;
            case "rpc":
                RpcBench.rpc(a, out);
                break;
            case "heap":
                HeapBench.heap(a, out);
                break;
            case "scale":
                ScaleBench.scale(a, out);
                break;
            case "nodes":
                ScaleBench.nodes(a);
                return;
            default:
                throw new IllegalArgumentException("unknown driver " + driver);
        }
        a.checkAllUsed();
    }
}
