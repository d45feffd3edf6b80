package org.taskfs.fuse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.ramfs.RamFs;
import org.taskfs.styx.server.ServerOptions;
import org.taskfs.styx.server.StyxServer;

/**
 * Run in a JVM of its own by {@link MountLifecycleTest}: serves a RamFs, mounts it on the directory
 * given, prints "ready", and exits once the mount is gone (or when killed, leaving a dead mount).
 */
public final class ChildMount {
    private ChildMount() {}

    public static void main(String[] args) throws Exception {
        RamFs ram = new RamFs("child");
        ram.put("from-child", "yes\n".getBytes(StandardCharsets.UTF_8));
        StyxServer server = StyxServer.listen(DialAddress.tcp("127.0.0.1", 0), ram, ServerOptions.DEFAULTS);
        FuseMount m = FuseMount.mount(server.address(), Path.of(args[0]), FuseMount.Options.defaults());
        System.out.println("ready");
        System.out.flush();
        m.whenUnmounted().join();
        System.out.println("unmounted");
        System.out.flush();
        server.close();
        System.exit(0);
    }
}
