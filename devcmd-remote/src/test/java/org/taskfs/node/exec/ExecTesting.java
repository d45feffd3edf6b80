package org.taskfs.node.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.taskfs.task.OutputLog;

/** Helpers shared by the process tests. */
final class ExecTesting {

    static final long TIMEOUT_S = 30;

    private ExecTesting() {
    }

    /** Reads {@code log} from {@code offset} to EOF in reads of at most {@code chunk} bytes. */
    static byte[] readToEof(OutputLog log, long offset, int chunk) throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        while (true) {
            byte[] b = log.read(offset + all.size(), chunk).get(TIMEOUT_S, TimeUnit.SECONDS);
            if (b.length == 0) {
                return all.toByteArray();
            }
            all.write(b);
        }
    }

    static String text(OutputLog log) throws Exception {
        return new String(readToEof(log, 0, 64 * 1024), StandardCharsets.UTF_8);
    }

    static ExitStatus await(RunningProcess p) throws Exception {
        return p.exit().get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    /** Pids of live (not zombie) processes whose process group is {@code pgid}, from /proc. */
    static List<Integer> liveMembers(int pgid) throws IOException {
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                String stat;
                try {
                    stat = Files.readString(proc.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                // pid (comm) state ppid pgrp ...; comm may contain spaces, so parse after the last ')'.
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (!f[0].equals("Z") && Integer.parseInt(f[2]) == pgid) {
                    pids.add(Integer.parseInt(proc.getFileName().toString()));
                }
            }
        }
        return pids;
    }

    static int openDescriptors() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        }
    }
}
