package org.taskfs.task;

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
        env = Map.copyOf(env);
        taskEnv = Map.copyOf(taskEnv);
        taskArgs = Map.copyOf(taskArgs);
        parts = List.copyOf(parts);
    }
}
