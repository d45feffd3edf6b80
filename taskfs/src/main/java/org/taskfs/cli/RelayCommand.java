package org.taskfs.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import org.taskfs.coord.Coordinator;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code taskfs relay}: see {@link Relay}. */
@Command(name = "relay", mixinStandardHelpOptions = true,
        description = "Serve a 9P server that asks for authentication to local clients that cannot give it "
                + "(9pfuse, plan9port's 9p, Inferno's mount, v9fs): the relay authenticates for them, as the user "
                + "it runs as, and accepts connections from that user only. Stays in the foreground until "
                + "Ctrl-C or SIGTERM.")
final class RelayCommand implements Callable<Integer> {
    @Option(names = "--to", required = true, paramLabel = "ADDR",
            description = "The server to relay to: tcp!host!port, host:port, unix!/path (port 5555 when none is "
                    + "given).")
    String to;

    @Option(names = "--listen", required = true, paramLabel = "ADDR",
            description = "Where local clients connect: unix!PATH (made mode 0600; a stale socket there is "
                    + "replaced, nothing else), e.g. 'unix!/run/user/$UID/taskfs', or a loopback port "
                    + "(tcp!127.0.0.1!5640): the kernel names each connection's user either way.")
    String listen;

    @Mixin
    AuthOption auth;

    @Override
    public Integer call() throws Exception {
        AuthMethod method = auth.method();
        DialAddress server = DialAddress.parse(to, Coordinator.DEFAULT_PORT);
        DialAddress at = DialAddress.parse(listen, Coordinator.DEFAULT_PORT);
        Relay.Config config = Relay.Config.ofOwnUser(at, server, method);
        Relay relay = Relay.start(config, System.err);
        try {
            checkLogin(relay);
        } catch (Exception e) {
            relay.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            relay.close();
            stopped.countDown();
        }, "taskfs-relay-shutdown"));
        System.err.println("taskfs relay: serving " + relay.address() + " to " + config.user() + " (uid " + config.uid()
                + "), relaying to " + server + " with --auth " + method);
        stopped.await();
        return 0;
    }

    /** Credentials that do not work should stop the relay at its start, not every client that comes later. */
    private static void checkLogin(Relay relay) throws Exception {
        try {
            StyxClient c = relay.login(P9.DEFAULT_MSIZE).get();
            c.close();
        } catch (ExecutionException e) {
            throw new IllegalStateException(relay.loginFailure(e), e);
        }
    }
}
