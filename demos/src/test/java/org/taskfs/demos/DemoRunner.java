package org.taskfs.demos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a demo script the way a user would, against a given coordinator. The scripts call
 * {@code taskfs}; here that is this build's classes (a small wrapper script), so a test never
 * triggers the launcher's rebuild.
 */
final class DemoRunner {
    /** What a script printed and how it ended. */
    record Result(int exitCode, String stdout, String stderr) {}

    private final Path repo;
    private final Path taskfs;

    DemoRunner(Path scratch) throws IOException {
        this.repo = findRepo();
        this.taskfs = scratch.resolve("taskfs");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(taskfs, "#!/bin/sh\nexec " + java + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '"
                + System.getProperty("java.class.path") + "' org.taskfs.cli.Main \"$@\"\n");
        Files.setPosixFilePermissions(taskfs, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    Path repo() {
        return repo;
    }

    Path taskfs() {
        return taskfs;
    }

    private static Path findRepo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("demos")) ) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find the repository from " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    Result run(String address, String script, String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", repo.resolve("demos").resolve(script).toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("TASKFS_ADDR", address);
        env.put("TASKFS", taskfs.toString());
        Path out = Files.createTempFile("demo", ".out");
        Path err = Files.createTempFile("demo", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(script + " did not finish in 120 s; it printed:\n" + Files.readString(out)
                    + Files.readString(err));
        }
        Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }
}
