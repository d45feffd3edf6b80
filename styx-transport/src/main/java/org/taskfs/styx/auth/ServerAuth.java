package org.taskfs.styx.auth;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A server's authentication method, made ready at start (key read and checked, munge found) so that a
 * misconfiguration stops the server at once instead of failing every client later. Each Tauth
 * {@link #start}s one exchange.
 */
public abstract class ServerAuth {
    private ServerAuth() {}

    /** The method's exchange for one Tauth. */
    public abstract ServerExchange start(String uname, String aname);

    /**
     * The server side of {@code method}, or empty for {@link AuthMethod.None} (Tauth is then answered
     * "authentication not required"). Blocks briefly (reads the key file, a name lookup): not on an event loop.
     *
     * @throws IllegalArgumentException when the method cannot work here, saying why
     */
    public static Optional<ServerAuth> of(AuthMethod method) {
        if (method instanceof AuthMethod.Key k) {
            return Optional.of(new WithKey(SharedKey.load(k.file())));
        }
        if (method instanceof AuthMethod.Munge m) {
            requireCommand("unmunge");
            return Optional.of(new WithMunge(new MungeCommands(m.socket())));
        }
        return Optional.empty();
    }

    static void requireCommand(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return;
            }
        }
        throw new IllegalArgumentException("--auth munge needs the " + name + " command (package munge), "
                + "which is not on the PATH");
    }

    private static final class WithKey extends ServerAuth {
        private final SharedKey key;
        private final ReplayGuard replays = new ReplayGuard();
        private final Principal holder = Principal.keyHolder();

        WithKey(SharedKey key) {
            this.key = key;
        }

        @Override
        public ServerExchange start(String uname, String aname) {
            return new KeyServerExchange(key, replays, holder, uname, aname);
        }
    }

    private static final class WithMunge extends ServerAuth {
        private final MungeCommands munge;

        WithMunge(MungeCommands munge) {
            this.munge = munge;
        }

        @Override
        public ServerExchange start(String uname, String aname) {
            return new MungeServerExchange(munge, uname, aname);
        }
    }
}
