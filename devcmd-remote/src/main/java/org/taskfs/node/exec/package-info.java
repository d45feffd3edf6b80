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
 *       reads until the file grows or its output ends: when the last process holding the file open for writing
 *       has closed it (a background child keeps it going, as with a pipe), when the task was signalled and its
 *       leader exited, or at release.</li>
 * </ul>
 *
 * <p>Nothing here blocks a caller's thread: every result is a {@link java.util.concurrent.CompletableFuture}, and
 * futures complete on internal threads, chiefly one shared I/O thread: a {@code poll(2)} loop that reaps every process (through a pidfd per
 * process, or by polling its pid where there is none), feeds every stdin pipe, wakes every parked log reader, ends
 * logs whose last writer closed them and enforces the output limit.
 * However many processes run, no thread is added per process; in exchange, what is chained onto these futures
 * must not block, or it stalls all of them.
 */
package org.taskfs.node.exec;
