package org.taskfs.styx.auth;

import java.time.Duration;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.dial.DialAddress;

/**
 * A client run as another user by the identity tests: {@code ADDRESS AUTH UNAME [UNAME…]} attaches once
 * per uname on one connection and prints {@code ok UNAME} or {@code refused UNAME: MESSAGE} per attach.
 * {@code -} is the empty uname; {@code nofid:NAME} attaches without authenticating (a NOFID Tattach), as
 * later attaches on an authenticated connection may.
 */
public final class PeerMain {
    private PeerMain() {}

    public static void main(String[] args) throws Exception {
        ClientOptions options = ClientOptions.defaults().withAuth(AuthMethod.parse(args[1]))
                .withConnectTimeout(Duration.ofSeconds(20)).withRequestTimeout(Duration.ofSeconds(20));
        try (StyxClient c = StyxClient.connect(DialAddress.parse(args[0], 5555), options).get()) {
            for (int i = 2; i < args.length; i++) {
                String uname = args[i].equals("-") ? "" : args[i];
                try {
                    if (uname.startsWith("nofid:")) {
                        int fid = 9000 + i;
                        String name = uname.substring("nofid:".length());
                        c.rpc(tag -> new Tmessage.Attach(tag, fid, P9.NOFID, name, "")).get();
                        c.rpc(tag -> new Tmessage.Clunk(tag, fid)).get();
                    } else {
                        RemoteFid fid = c.attach(uname, "").get();
                        fid.clunk().get();
                    }
                    System.out.println("ok " + args[i]);
                } catch (java.util.concurrent.ExecutionException e) {
                    System.out.println("refused " + args[i] + ": " + e.getCause().getMessage());
                }
            }
        }
        System.exit(0);
    }
}
