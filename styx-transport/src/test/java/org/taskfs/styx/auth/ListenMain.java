package org.taskfs.styx.auth;

import java.nio.file.Path;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.server.ServerOptions;
import org.taskfs.styx.server.StyxServer;

/**
 * A server in a process of its own (so a test can give it a umask): {@code PATH [GROUP]} listens on
 * unix!PATH, prints {@code listening}, and stops when its standard input ends.
 */
public final class ListenMain {
    private ListenMain() {}

    public static void main(String[] args) throws Exception {
        ServerOptions options = ServerOptions.DEFAULTS.withSocketGroup(args.length > 1 ? args[1] : null);
        try (StyxServer s = StyxServer.listen(DialAddress.unix(Path.of(args[0])), new RecordingServer(), options)) {
            System.out.println("listening");
            System.out.flush();
            while (System.in.read() >= 0) {
                // until EOF
            }
        }
        System.exit(0);
    }
}
