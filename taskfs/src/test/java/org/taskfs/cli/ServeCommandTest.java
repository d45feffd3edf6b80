package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.taskfs.coord.Sh;
import org.taskfs.node.NodeDaemon;
import org.taskfs.styx.dial.DialAddress;

/** {@code taskfs serve} as an operator starts it: when it begins to answer, and its pool timings. */
class ServeCommandTest {
    private static final Duration START = Duration.ofSeconds(60);

    /**
     * Clients are answered only once the configured members are mounted: while its one node has been dialled
     * but not answered, the coordinator is not listening yet, and the first res after its start line works.
     */
    @Test
    void serveAnswersOnlyOnceItsNodesAreMounted() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (NodeDaemon node = NodeDaemon.start(NodeDaemon.Config.defaults(DialAddress.tcp("127.0.0.1", 0))
                .withSlots(2));
             Gate gate = new Gate(node.address());
             TaskfsProcess serve = TaskfsProcess.start("serve", "--listen", "tcp!127.0.0.1!" + port,
                     "--node", gate.address().toString())) {
            Sh.get(gate.dialled, START);
            // Dialled, not answered yet (the gate holds its Tversion): not serving.
            assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);

            gate.open();
            serve.await(Pattern.compile("taskfs serve: serving on tcp!127.0.0.1!" + port + " with 1 members"), START);
            try (Sh sh = Sh.connect(DialAddress.tcp("127.0.0.1", port))) {
                String s = "/" + sh.newSession();
                sh.echo(s + "/ctl", "res 2");
                sh.echo(s + "/ctl", "exec echo first");
                assertThat(sh.cat(s + "/stdout")).isEqualTo("first\nfirst\n");
            }
        }
    }

    /** Growth through Slurm that could not work is refused before anything starts, naming the flag. */
    @Test
    void slurmGrowthWithoutAuthOrWithNonsenseLimitsIsAUsageError() {
        AuthOptionTest.Run noAuth = AuthOptionTest.taskfs("serve", "--listen", "tcp!127.0.0.1!0",
                "--slurm-partition", "debug");
        assertThat(noAuth.code()).isEqualTo(2);
        assertThat(noAuth.err()).contains("--slurm-partition needs --auth (munge, as Slurm itself uses, or key=FILE)");

        AuthOptionTest.Run noNodes = AuthOptionTest.taskfs("serve", "--listen", "tcp!127.0.0.1!0", "--auth", "munge",
                "--slurm-partition", "debug", "--slurm-max-nodes", "0");
        assertThat(noNodes.code()).isEqualTo(2);
        assertThat(noNodes.err()).contains("--slurm-max-nodes 0: must be 1 or more");

        AuthOptionTest.Run idle = AuthOptionTest.taskfs("serve", "--listen", "tcp!127.0.0.1!0", "--auth", "munge",
                "--slurm-partition", "debug", "--slurm-idle", "0");
        assertThat(idle.code()).isEqualTo(2);
        assertThat(idle.err()).contains("--slurm-idle").contains("'0': must be more than 0 seconds");

        AuthOptionTest.Run noWait = AuthOptionTest.taskfs("serve", "--listen", "tcp!127.0.0.1!0", "--auth", "munge",
                "--slurm-partition", "debug", "--res-wait", "0");
        assertThat(noWait.code()).isEqualTo(2);
        assertThat(noWait.err()).contains("--slurm-partition with --res-wait 0: a res that does not fit would fail");
    }

    @ParameterizedTest
    @ValueSource(strings = {"serve", "up"})
    void nonsenseTimingsAreUsageErrors(String command) {
        AuthOptionTest.Run zero = AuthOptionTest.taskfs(command, "--listen", "tcp!127.0.0.1!0", "--heartbeat", "0");
        assertThat(zero.code()).isEqualTo(2);
        assertThat(zero.err()).contains("--heartbeat").contains("'0': must be more than 0 seconds");

        AuthOptionTest.Run negative = AuthOptionTest.taskfs(command, "--listen", "tcp!127.0.0.1!0",
                "--node-timeout", "-5");
        assertThat(negative.code()).isEqualTo(2);
        assertThat(negative.err()).contains("--node-timeout").contains("'-5': must be more than 0 seconds");

        AuthOptionTest.Run word = AuthOptionTest.taskfs(command, "--listen", "tcp!127.0.0.1!0", "--heartbeat", "fast");
        assertThat(word.code()).isEqualTo(2);
        assertThat(word.err()).contains("'fast' is not a number of seconds");

        AuthOptionTest.Run tooShort = AuthOptionTest.taskfs(command, "--listen", "tcp!127.0.0.1!0",
                "--heartbeat", "0.5", "--node-timeout", "0.9");
        assertThat(tooShort.code()).isEqualTo(2);
        assertThat(tooShort.err()).contains("--node-timeout 0.9 s with --heartbeat 0.5 s: the node timeout (0.9 s) "
                + "must be at least 2 heartbeats (1 s)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"serve", "up"})
    void theTimingsAreInTheHelp(String command) {
        AuthOptionTest.Run help = AuthOptionTest.taskfs(command, "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--heartbeat=SECONDS").contains("--node-timeout=SECONDS");
    }

    /**
     * A TCP relay that accepts one connection and forwards nothing until opened: the server dialling through
     * it is left waiting in its version handshake.
     */
    private static final class Gate implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final DialAddress target;
        final CompletableFuture<Socket> dialled = new CompletableFuture<>();
        private Socket out;

        Gate(DialAddress target) throws IOException {
            this.target = target;
            Thread t = new Thread(() -> {
                try {
                    dialled.complete(socket.accept());
                } catch (IOException e) {
                    dialled.completeExceptionally(e);
                }
            }, "gate-accept");
            t.setDaemon(true);
            t.start();
        }

        DialAddress address() {
            return DialAddress.tcp("127.0.0.1", socket.getLocalPort());
        }

        void open() throws Exception {
            Socket in = dialled.join();
            out = new Socket(target.host(), target.port());
            pipe(in, out);
            pipe(out, in);
        }

        private static void pipe(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                try (InputStream i = from.getInputStream(); OutputStream o = to.getOutputStream()) {
                    i.transferTo(o);
                } catch (IOException gone) {
                    // one side closed
                }
            }, "gate-pipe");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            if (dialled.isDone() && !dialled.isCompletedExceptionally()) {
                dialled.join().close();
            }
            if (out != null) {
                out.close();
            }
        }
    }
}
