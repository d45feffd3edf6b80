package org.taskfs.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.util.PlanNineQuoting;

/**
 * A line of the root {@code sessions} file: one session, what it holds and where its tasks stand,
 * {@code ID OWNER age=S idle=S tasks=N closed=N running=N done=N failed=N lost=N files=N held=conn|orphan|no
 * killonclose=yes|no nodes=NAME,… [pending=N]}, pending only while a res of it waits for N slots. After the id and the owner every field is {@code key=value}, so a reader
 * finds what it wants by name and a field added later breaks no reader. Words are Plan 9 quoted where needed.
 *
 * <p>The task counts sum to {@code tasks} (the slots reserved): {@code closed} never ran, {@code running} runs,
 * {@code done} ended with an empty wait message, {@code failed} ended with one (an exit status, a signal, an
 * exec that could not start), {@code lost} is on a node that is gone. {@code files} counts the session's open
 * files; {@code held} says whether a connection holds it ({@code hold}), or held it and has gone so that it is
 * released after the orphan grace; {@code nodes} names the pool entries its tasks are on (a node: {@code local}).
 */
public record SessionInfo(int id, String owner, long ageSeconds, long idleSeconds, int tasks, int closed,
                          int running, int done, int failed, int lost, int files, Held held, boolean killOnClose,
                          List<String> nodes, int pending) {

    /** Whether a connection holds the session: {@code hold} written on one that is open, or on one now closed. */
    public enum Held { CONN, ORPHAN, NO }

    public SessionInfo {
        nodes = List.copyOf(nodes);
    }

    /** A session with no reservation waiting. */
    public SessionInfo(int id, String owner, long ageSeconds, long idleSeconds, int tasks, int closed, int running,
                       int done, int failed, int lost, int files, Held held, boolean killOnClose, List<String> nodes) {
        this(id, owner, ageSeconds, idleSeconds, tasks, closed, running, done, failed, lost, files, held, killOnClose,
                nodes, 0);
    }

    public String line() {
        List<String> words = new ArrayList<>(List.of(Integer.toString(id), owner, "age=" + ageSeconds, "idle=" + idleSeconds,
                "tasks=" + tasks, "closed=" + closed, "running=" + running, "done=" + done, "failed=" + failed,
                "lost=" + lost, "files=" + files, "held=" + held.name().toLowerCase(Locale.ROOT),
                "killonclose=" + (killOnClose ? "yes" : "no"), "nodes=" + String.join(",", nodes)));
        if (pending > 0) {
            words.add("pending=" + pending); // tasks a res of it waits for (state Pending)
        }
        StringBuilder b = new StringBuilder();
        for (String w : words) {
            b.append(b.length() == 0 ? "" : " ").append(PlanNineQuoting.quote(w));
        }
        return b.append('\n').toString();
    }

    /** Parses the root {@code sessions}; a line that is not a session line is an error naming it. */
    public static List<SessionInfo> parse(String text) {
        List<SessionInfo> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                out.add(parseLine(line));
            }
        }
        return out;
    }

    private static SessionInfo parseLine(String line) {
        List<String> w = PlanNineQuoting.tokenize(line);
        int id = w.isEmpty() ? -1 : TaskFile.directoryNumber(w.get(0));
        if (id < 0 || w.size() < 2) {
            throw bad(line);
        }
        long age = 0;
        long idle = 0;
        int tasks = 0;
        int closed = 0;
        int running = 0;
        int done = 0;
        int failed = 0;
        int lost = 0;
        int files = 0;
        Held held = Held.NO;
        boolean killOnClose = false;
        List<String> nodes = List.of();
        int pending = 0;
        for (String field : w.subList(2, w.size())) {
            int eq = field.indexOf('=');
            if (eq < 1) {
                throw bad(line);
            }
            String key = field.substring(0, eq);
            String value = field.substring(eq + 1);
            try {
                switch (key) {
                    case "age" -> age = Long.parseLong(value);
                    case "idle" -> idle = Long.parseLong(value);
                    case "tasks" -> tasks = Integer.parseInt(value);
                    case "closed" -> closed = Integer.parseInt(value);
                    case "running" -> running = Integer.parseInt(value);
                    case "done" -> done = Integer.parseInt(value);
                    case "failed" -> failed = Integer.parseInt(value);
                    case "lost" -> lost = Integer.parseInt(value);
                    case "files" -> files = Integer.parseInt(value);
                    case "held" -> held = Held.valueOf(value.toUpperCase(Locale.ROOT));
                    case "killonclose" -> killOnClose = value.equals("yes");
                    case "nodes" -> nodes = value.isEmpty() ? List.of() : List.of(value.split(","));
                    case "pending" -> pending = Integer.parseInt(value);
                    default -> {
                        // a field of a later server: ignored, as promised above
                    }
                }
            } catch (IllegalArgumentException e) {
                throw bad(line);
            }
        }
        return new SessionInfo(id, w.get(1), age, idle, tasks, closed, running, done, failed, lost, files, held,
                killOnClose, nodes, pending);
    }

    private static StyxException bad(String line) {
        return new StyxException("sessions: not a session line: \"" + line
                + "\"; expected ID OWNER age=S idle=S tasks=N … held=conn|orphan|no nodes=NAME,…");
    }
}
