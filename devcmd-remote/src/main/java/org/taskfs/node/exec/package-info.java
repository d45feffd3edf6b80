/**
 * Process execution for the node daemon: running the commands of leaf tasks. Knows nothing about 9P.
 *
 * <ul>
 *   <li>{@link org.taskfs.node.exec.Spawner#spawn Spawner.spawn(SpawnSpec)} starts a command as the leader of its own
 *       process group, stdin on a pipe, stdout and stderr appended directly to log files, and returns a
 *       {@link org.taskfs.node.exec.RunningProcess}; failures throw {@link org.taskfs.node.exec.SpawnException} with
 *       devcmd's message ({@code exec failed: CMD: No such file or directory}).</li>
 *   <li>{@link org.taskfs.node.exec.RunningProcess} writes stdin without blocking, signals the group, and completes
 *       {@code exit()} with an {@link org.taskfs.node.exec.ExitStatus}, whose {@code waitLine()} is the line of a
 *       task's {@code wait} file.</li>
 *   <li>{@link org.taskfs.node.exec.OutputLog} serves a log to any number of readers at their own offsets, parking
 *       reads until the file grows or the process exits.</li>
 * </ul>
 *
 * <p>Nothing here blocks a caller's thread: every result is a {@link java.util.concurrent.CompletableFuture}, and
 * futures complete on internal threads (one reaper per running process, one shared I/O thread), so what is chained
 * onto them must not block either.
 */
package org.taskfs.node.exec;
