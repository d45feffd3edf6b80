package org.taskfs.task;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a restarted server needs to take a session back: its number and owner, its settings, and where its
 * tasks are ({@link Part#record}, one per part, in task order). Whether it ran is not kept: the tasks taken back
 * tell (an exec of tasks already reserved then changes nothing kept, and costs no write). Immutable.
 *
 * @param given the identity a coordinator above gave it ({@code ident}), or null
 */
public record SessionState(int id, String owner, Map<String, String> env, Map<Integer, Map<String, String>> taskEnv,
                           Map<Integer, List<String>> taskArgs, WorkDir workDir, int nice, Session.Output output,
                           Session.Input input, boolean killOnClose, Identity given, List<String> parts) {
    public SessionState {
        // Copies in the order written: env lines are given to tasks in that order.
        env = ordered(env);
        Map<Integer, Map<String, String>> t = new LinkedHashMap<>();
        taskEnv.forEach((k, v) -> t.put(k, ordered(v)));
        taskEnv = Collections.unmodifiableMap(t);
        Map<Integer, List<String>> a = new LinkedHashMap<>();
        taskArgs.forEach((k, v) -> a.put(k, List.copyOf(v)));
        taskArgs = Collections.unmodifiableMap(a);
        parts = List.copyOf(parts);
    }

    private static Map<String, String> ordered(Map<String, String> m) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }
}
