package org.taskfs.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.coord.Sh;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.server.Errors;
import org.taskfs.styx.util.PlanNineQuoting;
import org.taskfs.task.CtlRequest;
import org.taskfs.task.HostInfo;
import org.taskfs.task.SessionInfo;

/**
 * The task interface every server exports (DESIGN §3), specified once and run against each kind
 * of server: a node daemon, a coordinator over nodes, and a coordinator that mounts a
 * coordinator. The tests talk to the server over 9P alone (and look at /proc for processes), so
 * any server that passes them serves the same tree to its users.
 *
 * <p>A subclass starts one server with {@value #SLOTS} slots for the whole class; every test makes
 * its own sessions, which are released after it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TaskServerContract {
    static final int SLOTS = 8;
    static final List<String> FILES =
            List.of("ctl", "stdio", "stdin", "stdout", "stderr", "status", "wait", "args", "env", "ns", "err");
    static final Map<String, Integer> FILE_MODES = fileModes();
    static final List<String> ROOT_FILES = List.of("clone", "ctl", "arch", "status", "ns", "env", "sessions");
    static final String ARCH = HostInfo.LOCAL.toString();
    private static final Pattern NS_LINE =
            Pattern.compile("mount (\\S+) (\\S+) slots=(\\d+) busy=(\\d+) state=(up|down|draining|unreachable)");
    private static final AtomicLong TOKENS = new AtomicLong(System.nanoTime() % 1_000_000);

    private DialAddress address;
    /** The test's shell: a fresh connection per test. */
    Sh sh;
    private final List<Sh> shells = new ArrayList<>();
    private final List<String> sessions = new ArrayList<>();
    private final List<String> markers = new ArrayList<>();

    // ------------------------------------------------------------------ what a kind of server provides

    /** Starts the server under test (once for the class) and yields the address tests dial. */
    abstract DialAddress startServer() throws Exception;

    /** Stops everything {@link #startServer} started. */
    abstract void stopServer() throws Exception;

    /** The names in the root {@code ns}, in order: {@code local} for a node, the members for a coordinator. */
    abstract List<String> memberNames();

    @BeforeAll
    void startTheServer() throws Exception {
        address = startServer();
    }

    @AfterAll
    void stopTheServer() throws Exception {
        stopServer();
    }

    @BeforeEach
    void connect() throws Exception {
        sh = shell();
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            Sh janitor = shell();
            for (String s : sessions) {
                Sh.get(janitor.client.write("/" + s + "/ctl", "release\n").handle((v, e) -> null));
            }
            for (String m : markers) {
                for (long pid : processesWith(m)) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            // The next test starts with every slot free (coordinators may take a heartbeat to see it).
            try {
                await().atMost(Sh.WAIT).until(() -> anyBusy(janitor) == 0);
            } catch (ConditionTimeoutException leaked) {
                // the test that needs free slots says so itself
            }
        } finally {
            for (Sh s : shells) {
                s.close();
            }
            shells.clear();
            sessions.clear();
            markers.clear();
        }
    }

    DialAddress address() {
        return address;
    }

    Sh shell() throws Exception {
        Sh s = Sh.connect(address);
        shells.add(s);
        return s;
    }

    // ------------------------------------------------------------------ helpers

    /** {@code cat clone}: a new session, released after the test. */
    String session() throws Exception {
        return adopt(sh.cat("/clone"));
    }

    String adopt(String session) {
        sessions.add(session);
        return session;
    }

    /** A new session with {@code k} tasks reserved. */
    String session(int k) throws Exception {
        String s = session();
        ctl(s, "res " + k);
        return s;
    }

    void ctl(String s, String command) throws Exception {
        sh.echo("/" + s + "/ctl", command);
    }

    String ctlFails(String s, String command) throws Exception {
        return sh.echoFails("/" + s + "/ctl", command);
    }

    String cat(String s, String file) throws Exception {
        return sh.cat("/" + s + "/" + file);
    }

    List<String> lines(String s, String file) throws Exception {
        return sh.lines("/" + s + "/" + file);
    }

    /** The root ns lines, each parsed: address, name, slots, busy, state. */
    static List<Matcher> nsLines(Sh on) throws Exception {
        List<Matcher> out = new ArrayList<>();
        for (String l : on.lines("/ns")) {
            Matcher m = NS_LINE.matcher(l);
            assertThat(m.matches()).as("root ns line %s", l).isTrue();
            out.add(m);
        }
        return out;
    }

    static int busy(Sh on) throws Exception {
        return nsLines(on).stream().mapToInt(m -> Integer.parseInt(m.group(4))).sum();
    }

    /** The busy= counts of the root ns summed, however its lines are laid out (0 when it has none). */
    private static int anyBusy(Sh on) throws Exception {
        Matcher m = Pattern.compile("busy=(\\d+)").matcher(on.cat("/ns"));
        int sum = 0;
        while (m.find()) {
            sum += Integer.parseInt(m.group(1));
        }
        return sum;
    }

    int busy() throws Exception {
        return busy(sh);
    }

    /** The task directories a session lists. */
    List<String> taskDirs(String s) throws Exception {
        return sh.ls("/" + s).stream().filter(n -> n.matches("\\d+")).toList();
    }

    /** The expected session or task directory listing with {@code tasks} task directories. */
    static List<String> listing(int tasks) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            out.add(Integer.toString(i));
        }
        out.addAll(FILES);
        return out;
    }

    private static Map<String, Integer> fileModes() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("ctl", 0600);
        m.put("stdio", 0600);
        m.put("stdin", 0200);
        m.put("stdout", 0400);
        m.put("stderr", 0400);
        m.put("status", 0400);
        m.put("wait", 0400);
        m.put("args", 0600);
        m.put("env", 0600);
        m.put("ns", 0600);
        m.put("err", 0400);
        return m;
    }

    static String seq(int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i <= to; i++) {
            b.append(i).append('\n');
        }
        return b.toString();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The wait message (last field) of a wait line. */
    static String waitMessage(String line) {
        List<String> f = PlanNineQuoting.tokenize(line);
        return f.get(f.size() - 1);
    }

    /**
     * A {@code sleep} that lasts {@code seconds} and whose command line is unique (GNU sleep sums
     * its arguments), so the test finds its own processes among everyone's; killed after the test.
     */
    String uniqueSleep(int seconds) {
        String marker = "0.000" + TOKENS.incrementAndGet();
        markers.add(marker);
        return "sleep " + seconds + " " + marker;
    }

    static String markerOf(String sleepCommand) {
        return sleepCommand.substring(sleepCommand.lastIndexOf(' ') + 1);
    }

    static int running(String sleepCommand) throws IOException {
        return processesWith(markerOf(sleepCommand)).size();
    }

    static List<Long> processesWith(String token) throws IOException {
        return Sh.processesWith(token);
    }

    // ================================================================== limits

    /** A shell at the largest msize, where one write can carry far more than a ctl command may be. */
    Sh bigShell() throws Exception {
        Sh s = Sh.connect(address, ClientOptions.defaults().withMsize(P9.MAX_MSIZE));
        shells.add(s);
        return s;
    }

    @Test
    void atTheLargestMsizeLongInputsGetTheirErrorsAndTheConnectionServesOn() throws Exception {
        Sh big = bigShell();
        String s = adopt(big.cat("/clone"));
        String limit = "at most " + CtlRequest.MAX_LENGTH;
        assertThat(big.writeFails("/" + s + "/ctl", utf8("x".repeat(65536)))).contains(limit);
        assertThat(big.writeFails("/" + s + "/env", utf8("A=" + "x".repeat(70000) + "\n"))).contains(limit);
        // The largest accepted inputs, echoed in their errors: more than a 9P string holds, so they are cut.
        String unknown = big.writeFails("/" + s + "/ctl", utf8("x".repeat(CtlRequest.MAX_LENGTH)));
        assertThat(unknown).startsWith("unknown control message \"xxx").endsWith("x…");
        assertThat(utf8(unknown).length).isEqualTo(65535);
        String badLine = big.writeFails("/" + s + "/env", utf8("y".repeat(CtlRequest.MAX_LENGTH)));
        assertThat(badLine).startsWith("env: bad line \"yyy").endsWith("…");
        assertThat(utf8(badLine).length).isEqualTo(65535);
        // The same connection, still serving.
        String t = adopt(big.cat("/clone"));
        big.echo("/" + t + "/ctl", "res 1");
        big.echo("/" + t + "/ctl", "exec echo still here");
        assertThat(big.cat("/" + t + "/stdout")).isEqualTo("still here\n");
    }

    @Test
    void theLongestCtlCommandIsCarriedToItsTaskAndOneByteMoreIsRefusedNamingTheLimit() throws Exception {
        Sh big = bigShell();
        String s = adopt(big.cat("/clone"));
        big.echo("/" + s + "/ctl", "res 1");
        String exec = "exec echo ";
        String word = "w".repeat(CtlRequest.MAX_LENGTH - exec.length());
        assertThat(big.writeFails("/" + s + "/ctl", utf8(exec + word + "w")))
                .isEqualTo("control message too long: " + (CtlRequest.MAX_LENGTH + 1) + " bytes, at most "
                        + CtlRequest.MAX_LENGTH);
        big.write("/" + s + "/ctl", utf8(exec + word));
        assertThat(big.cat("/" + s + "/stdout")).isEqualTo(word + "\n");
    }

    @Test
    void anEnvironmentLargerThanOneWriteReachesTasksReservedAfterIt() throws Exception {
        String s = session();
        // Two writes, each within the limit, together beyond it: a coordinator forwards it in pieces.
        sh.write("/" + s + "/env", utf8("BIG_A=" + "a".repeat(40000) + "\n"));
        sh.write("/" + s + "/env", utf8("BIG_B=" + "b".repeat(40000) + "\n"));
        ctl(s, "res 1");
        ctl(s, "exec sh -c 'echo ${#BIG_A} ${#BIG_B}'");
        assertThat(cat(s, "stdout")).isEqualTo("40000 40000\n");
    }

    // ================================================================== the root

    @Test
    void rootHasItsSevenFilesAndADirectoryPerSession() throws Exception {
        String s = session();
        Map<String, Integer> root = sh.modes("/");
        assertThat(root.keySet().stream().filter(n -> !n.matches("\\d+")).toList()).containsExactlyElementsOf(ROOT_FILES);
        assertThat(root).containsEntry("clone", 0666).containsEntry("ctl", 0644).containsEntry("arch", 0444)
                .containsEntry("status", 0444).containsEntry("ns", 0444).containsEntry("env", 0644)
                .containsEntry("sessions", 0444).containsEntry(s, P9.DMDIR | 0500);
        String t = session();
        assertThat(sh.ls("/")).contains(s, t);
    }

    @Test
    void readingAnOpenedCloneGivesTheSessionNumberAndTheFidIsItsCtl() throws Exception {
        RemoteFid clone = sh.open("/clone", P9.ORDWR);
        try {
            String s = adopt(new String(Sh.get(clone.read(0, 64)), StandardCharsets.UTF_8));
            assertThat(s).matches("\\d+");
            assertThat(Sh.get(clone.read(s.length(), 64))).isEmpty();
            assertThat(clone.qid()).isEqualTo(Sh.get(sh.client.stat("/" + s + "/ctl")).qid());
            // Commands written to the clone fid go to the new session.
            Sh.get(clone.write(0, utf8("res 1\n")));
            assertThat(taskDirs(s)).containsExactly("0");
            assertThat(session()).isNotEqualTo(s);
        } finally {
            Sh.get(clone.clunk());
        }
    }

    @Test
    void archIsThisHost() throws Exception {
        assertThat(sh.cat("/arch")).isEqualTo(ARCH + "\n").isEqualTo("Linux amd64\n");
    }

    @Test
    void statusIsTheCensusOfTheSlots() throws Exception {
        assertThat(sh.cat("/status")).isEqualTo(SLOTS + " " + ARCH + "\n");
    }

    @Test
    void nsHasALinePerPoolEntryWhoseSlotsSumToTheServersCapacity() throws Exception {
        List<Matcher> ns = nsLines(sh);
        assertThat(ns).extracting(m -> m.group(2)).containsExactlyElementsOf(memberNames());
        assertThat(ns).extracting(m -> m.group(5)).containsOnly("up");
        assertThat(ns.stream().mapToInt(m -> Integer.parseInt(m.group(3))).sum()).isEqualTo(SLOTS);
        assertThat(busy()).isZero();
    }

    @Test
    void sessionsHasALinePerSessionWithItsOwnerTasksByStateAndNodes() throws Exception {
        String empty = session();
        String s = session(4);
        String sleep = uniqueSleep(1000);
        sh.echo("/" + s + "/0/ctl", "exec true");
        sh.echo("/" + s + "/1/ctl", "exec sh -c 'exit 3'");
        sh.echo("/" + s + "/2/ctl", "exec " + sleep);
        // Task 3 never runs. A task's wait ends once its run has ended here.
        assertThat(waitMessage(cat(s, "0/wait"))).isEmpty();
        assertThat(waitMessage(cat(s, "1/wait"))).isEqualTo("exit: 3");
        String owner = Sh.get(sh.client.stat("/" + s)).uid();

        Map<Integer, SessionInfo> byId = new HashMap<>();
        String text = sh.cat("/sessions");
        SessionInfo.parse(text).forEach(i -> byId.put(i.id(), i));
        SessionInfo info = byId.get(Integer.parseInt(s));
        assertThat(info).as(text).isNotNull();
        assertThat(info.owner()).isEqualTo(owner);
        assertThat(List.of(info.tasks(), info.closed(), info.running(), info.done(), info.failed(), info.lost()))
                .as("tasks, closed, running, done, failed, lost").containsExactly(4, 1, 1, 1, 1, 0);
        assertThat(info.nodes()).isNotEmpty().isSubsetOf(memberNames());
        assertThat(info.held()).isEqualTo(SessionInfo.Held.NO);
        assertThat(text.lines().filter(l -> l.startsWith(s + " ")).findFirst().orElseThrow()).matches(s + " "
                + Pattern.quote(owner) + " age=\\d+ idle=\\d+ tasks=4 closed=1 running=1 done=1 failed=1 lost=0 "
                + "files=\\d+ held=no killonclose=no nodes=[a-z0-9,]+");
        SessionInfo none = byId.get(Integer.parseInt(empty));
        assertThat(none.tasks()).isZero();
        assertThat(none.nodes()).isEmpty();

        ctl(s, "release");
        assertThat(sh.lines("/sessions")).noneMatch(l -> l.startsWith(s + " "));
    }

    @Test
    void busyCountsReservedTasksAndFallsOnRelease() throws Exception {
        String s = session(2);
        await().atMost(Sh.WAIT).untilAsserted(() -> assertThat(busy()).isEqualTo(2));
        String t = session(3);
        await().atMost(Sh.WAIT).untilAsserted(() -> assertThat(busy()).isEqualTo(5));
        ctl(s, "release");
        ctl(t, "release");
        await().atMost(Sh.WAIT).untilAsserted(() -> assertThat(busy()).isZero());
    }

    @Test
    void busyDoesNotCountFinishedTasks() throws Exception {
        String s = session(2);
        String sleep = uniqueSleep(1000);
        ctl(s, "exec " + sleep);
        await().atMost(Sh.WAIT).untilAsserted(() -> assertThat(busy()).isEqualTo(2));
        ctl(s, "kill");
        assertThat(lines(s, "wait")).hasSize(2);
        // Still reserved, but done: the slots are free again.
        assertThat(taskDirs(s)).containsExactly("0", "1");
        await().atMost(Sh.WAIT).untilAsserted(() -> assertThat(busy()).isZero());
    }

    @Test
    void rootEnvIsTheEnvironmentNewSessionsStartWith() throws Exception {
        String before = sh.cat("/env");
        assertThat(Sh.split(before)).allMatch(l -> l.matches("[A-Za-z_][A-Za-z0-9_]*=.*"), "NAME=value lines");
        try {
            sh.write("/env", utf8(before + "CONTRACT_DEFAULT=from root\n"));
            assertThat(sh.cat("/env")).contains("CONTRACT_DEFAULT=from root");
            String s = session();
            ctl(s, "exec sh -c 'echo \"$CONTRACT_DEFAULT\"'");
            assertThat(cat(s, "stdout")).isEqualTo("from root\n");
            assertThat(Sh.split(cat(s, "env"))).contains("CONTRACT_DEFAULT=from root");
        } finally {
            sh.write("/env", utf8(before));
        }
        assertThat(sh.cat("/env")).isEqualTo(before);
    }

    // ================================================================== session and task directories

    @Test
    void aNewSessionListsTheElevenFilesInOrderWithTheirModes() throws Exception {
        String s = session();
        assertThat(sh.modes("/" + s)).containsExactlyEntriesOf(FILE_MODES);
    }

    @Test
    void aSessionListsItsTasksFirstAsDirectories() throws Exception {
        String s = session(2);
        Map<String, Integer> modes = sh.modes("/" + s);
        assertThat(new ArrayList<>(modes.keySet())).containsExactlyElementsOf(listing(2));
        assertThat(modes).containsEntry("0", P9.DMDIR | 0500).containsEntry("1", P9.DMDIR | 0500);
    }

    @Test
    void taskPathsAreFlatAndEveryTaskDirectoryHasTheElevenFiles() throws Exception {
        String s = session(4);
        assertThat(sh.ls("/" + s)).containsExactlyElementsOf(listing(4));
        for (int i = 0; i < 4; i++) {
            assertThat(sh.modes("/" + s + "/" + i)).as("task %d", i).containsExactlyEntriesOf(FILE_MODES);
        }
    }

    @Test
    void errListsWhatWasRefusedOnTheSessionsFilesWithTimeAndPathAndATasksErrItsOwn() throws Exception {
        String s = session(2);
        assertThat(cat(s, "err")).as("nothing refused yet").isEmpty();
        java.time.Instant before = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

        String unknown = ctlFails(s, "exce ls");
        String notForATask = sh.echoFails("/" + s + "/1/ctl", "res 1");
        String badEnv = sh.echoFails("/" + s + "/env", "no equals sign");
        // Answered by the task's server: a coordinator relays its member's words.
        String failedExec = sh.echoFails("/" + s + "/0/ctl", "exec /nonexistent/x");
        String readOnly = Sh.rerror(sh.client.open("/" + s + "/status", P9.OWRITE), "open status for writing");

        java.time.Instant after = java.time.Instant.now();
        List<String> err = lines(s, "err");
        assertThat(err).hasSize(5);
        List<String> expected = List.of("/" + s + "/ctl: " + unknown, "/" + s + "/1/ctl: " + notForATask,
                "/" + s + "/env: " + badEnv, "/" + s + "/0/ctl: " + failedExec, "/" + s + "/status: " + readOnly);
        for (int i = 0; i < err.size(); i++) {
            String[] timeAndRest = err.get(i).split(" ", 2);
            java.time.Instant at = java.time.Instant.parse(timeAndRest[0]);
            assertThat(timeAndRest[0]).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
            assertThat(at).isBetween(before, after);
            assertThat(timeAndRest[1]).isEqualTo(expected.get(i));
        }
        assertThat(unknown).isEqualTo("unknown control message \"exce ls\"");
        assertThat(failedExec).contains("exec failed: /nonexistent/x: No such file or directory");
        assertThat(readOnly).startsWith(Errors.PERMISSION);

        // A task's err has what was refused on that task's files.
        assertThat(sh.lines("/" + s + "/1/err")).singleElement().asString().endsWith("/" + s + "/1/ctl: " + notForATask);
        assertThat(sh.lines("/" + s + "/0/err")).singleElement().asString().endsWith("/" + s + "/0/ctl: " + failedExec);
    }

    @Test
    void errKeepsTheLast32() throws Exception {
        String s = session();
        for (int i = 1; i <= 40; i++) {
            ctlFails(s, "bogus" + i);
        }
        List<String> err = lines(s, "err");
        assertThat(err).hasSize(32);
        assertThat(err.get(0)).endsWith("/" + s + "/ctl: unknown control message \"bogus9\"");
        assertThat(err.get(31)).endsWith("/" + s + "/ctl: unknown control message \"bogus40\"");
    }

    @Test
    void ctlReadsGiveTheSessionNumberAndTheTaskIndex() throws Exception {
        String s = session(3);
        assertThat(cat(s, "ctl")).isEqualTo(s);
        assertThat(cat(s, "0/ctl")).isEqualTo("0");
        assertThat(cat(s, "2/ctl")).isEqualTo("2");
    }

    // ================================================================== res

    @Test
    void resIsAdditive() throws Exception {
        String s = session(1);
        assertThat(taskDirs(s)).containsExactly("0");
        ctl(s, "res 2");
        assertThat(taskDirs(s)).containsExactly("0", "1", "2");
        assertThat(lines(s, "status")).hasSize(3);
    }

    @Test
    void resZeroIsRefused() throws Exception {
        String s = session();
        assertThat(ctlFails(s, "res 0")).isEqualTo("res: asked for 0 tasks; ask for 1 or more");
        assertThat(taskDirs(s)).isEmpty();
    }

    @Test
    void resWithABadCountIsRefused() throws Exception {
        String s = session();
        assertThat(ctlFails(s, "res x")).isEqualTo("res: bad count \"x\"; expected a number 0 or more");
        assertThat(taskDirs(s)).isEmpty();
    }

    @Test
    void resBeyondTheFreeSlotsIsRefusedAndReservesNothing() throws Exception {
        String s = session();
        assertThat(ctlFails(s, "res 9")).startsWith("res: not enough capacity: asked 9, 8 slots in the pool");
        assertThat(taskDirs(s)).isEmpty();
        assertThat(busy()).isZero();
        ctl(s, "res 8");
        assertThat(taskDirs(s)).hasSize(8);
    }

    @Test
    void resIsAllOrNothingWhenOthersHoldSlots() throws Exception {
        String holder = session(6);
        String s = session();
        assertThat(ctlFails(s, "res 3 wait=0")).startsWith("res: not enough capacity: asked 3, 2 free slots");
        assertThat(taskDirs(s)).isEmpty();
        assertThat(taskDirs(holder)).hasSize(6);
        ctl(s, "res 2");
        assertThat(taskDirs(s)).containsExactly("0", "1");
    }

    @Test
    void resForAnOsThatIsNotThereIsRefused() throws Exception {
        String s = session();
        assertThat(ctlFails(s, "res 1 Plan9")).isNotEmpty();
        assertThat(taskDirs(s)).isEmpty();
        assertThat(busy()).isZero();
    }

    @Test
    void resMayNameThisOsAndArchOrAny() throws Exception {
        String s = session();
        ctl(s, "res 1 Linux amd64");
        ctl(s, "res 1 '*' '*'");
        assertThat(taskDirs(s)).containsExactly("0", "1");
    }

    // ================================================================== ctl errors

    @Test
    void anUnknownVerbIsRefusedWithDevcmdsText() throws Exception {
        String s = session();
        assertThat(ctlFails(s, "frob 1")).isEqualTo("unknown control message \"frob 1\"");
    }

    @Test
    void theWrongNumberOfArgumentsIsRefusedWithDevcmdsText() throws Exception {
        String s = session(1);
        assertThat(ctlFails(s, "res")).isEqualTo("wrong #args in control message \"res\"");
        assertThat(ctlFails(s, "kill 1 2")).isEqualTo("wrong #args in control message \"kill 1 2\"");
        assertThat(taskDirs(s)).containsExactly("0");
    }

    @Test
    void aNulByteInACtlWriteIsRefused() throws Exception {
        String s = session();
        assertThat(sh.writeFails("/" + s + "/ctl", new byte[] {'e', 'x', 'e', 'c', ' ', 'a', 0, 'b', '\n'}))
                .isEqualTo("control message contains a NUL byte at offset 6");
        assertThat(taskDirs(s)).isEmpty();
    }

    @Test
    void aSpliceOfAFileThatCannotBeReadIsAnErrorForItsWriter() throws Exception {
        String s = session(1);
        ctl(s, "exec cat");
        assertThat(ctlFails(s, "splice /no/such/file")).startsWith("splice /no/such/file: ").contains("does not exist");
        assertThat(ctlFails(s, "splice /" + s)).isEqualTo("splice: /" + s + " is a directory");
        // The task's input is still open to other writers: the failed splices did not end it.
        sh.writeAll("/" + s + "/stdin", utf8("after\n"));
        assertThat(cat(s, "stdout")).isEqualTo("after\n");
    }

    @Test
    void theServerKeepsServingAfterBadInput() throws Exception {
        String s = session();
        sh.writeFails("/" + s + "/ctl", new byte[] {0, 0, 0});
        sh.writeFails("/" + s + "/ctl", new byte[] {'d', 'i', 'r', ' ', (byte) 0xff, (byte) 0xfe, '\n'});
        ctlFails(s, "res 99999999999999999999");
        ctlFails(s, "exec");
        ctlFails(s, "xsplice 0 7");
        sh.writeFails("/" + s + "/env", utf8("=\n"));
        Sh.rerror(sh.client.stat("/" + s + "/nosuch/ctl"), "stat of a missing file");
        // The same connection and a fresh one both still work.
        ctl(s, "exec echo still");
        assertThat(cat(s, "stdout")).isEqualTo("still\n");
        Sh other = shell();
        String t = adopt(other.cat("/clone"));
        other.echo("/" + t + "/ctl", "exec echo fresh");
        assertThat(other.cat("/" + t + "/stdout")).isEqualTo("fresh\n");
    }

    // ================================================================== exec

    @Test
    void execRunsOnEveryTask() throws Exception {
        String s = session(3);
        ctl(s, "exec echo hi");
        assertThat(cat(s, "stdout")).isEqualTo("hi\nhi\nhi\n");
        assertThat(lines(s, "wait")).hasSize(3);
        assertThat(lines(s, "status")).hasSize(3).allMatch(l -> PlanNineQuoting.tokenize(l).get(2).equals("Done"));
    }

    @Test
    void execWithoutResReservesOneTask() throws Exception {
        String s = session();
        ctl(s, "exec echo alone");
        assertThat(taskDirs(s)).containsExactly("0");
        assertThat(cat(s, "stdout")).isEqualTo("alone\n");
    }

    @Test
    void execArgumentsArePlan9Quoted() throws Exception {
        String s = session(1);
        ctl(s, "exec printf '%s|' 'a b' '' 'it''s'");
        assertThat(cat(s, "stdout")).isEqualTo("a b||it's|");
        ctl(s, "exec sh -c 'echo $HOME'");
        assertThat(cat(s, "stdout")).isEqualTo(System.getProperty("user.home") + "\n");
    }

    @Test
    void execWhileATaskRunsIsRefusedAndStartsNothing() throws Exception {
        String s = session(2);
        String first = uniqueSleep(1000);
        String second = uniqueSleep(1000);
        ctl(s, "exec " + first);
        await().atMost(Sh.WAIT).until(() -> running(first) == 2);
        assertThat(ctlFails(s, "exec " + second)).isEqualTo("device or object already in use");
        assertThat(sh.echoFails("/" + s + "/1/ctl", "exec " + second)).isEqualTo("device or object already in use");
        assertThat(running(second)).isZero();
        assertThat(lines(s, "status")).hasSize(2).allMatch(l -> l.contains(" Execute ") && l.endsWith(" sleep"));
        ctl(s, "kill");
        assertThat(lines(s, "wait")).hasSize(2);
    }

    @Test
    void aFailedExecSaysWhyMarksTheTasksFailedAndTheNextExecWorks() throws Exception {
        String s = session(2);
        String error = ctlFails(s, "exec /nonexistent/x");
        assertThat(error).matches("(?s)task \\d+: exec failed: .*")
                .contains("exec failed: /nonexistent/x: No such file or directory");
        assertThat(lines(s, "status")).hasSize(2).allMatch(l -> PlanNineQuoting.tokenize(l).get(2).equals("Fail"));
        ctl(s, "exec echo ok");
        assertThat(cat(s, "stdout")).isEqualTo("ok\nok\n");
    }

    @Test
    void execWrittenToATaskCtlRunsOnThatTaskOnly() throws Exception {
        String s = session(3);
        sh.echo("/" + s + "/2/ctl", "exec echo two");
        assertThat(cat(s, "2/stdout")).isEqualTo("two\n");
        assertThat(cat(s, "2/wait")).isNotEmpty();
        assertThat(lines(s, "status")).extracting(l -> PlanNineQuoting.tokenize(l).get(2))
                .containsExactly("Closed", "Closed", "Done");
    }

    @Test
    void execOnFinishedTasksStartsANewRun() throws Exception {
        String s = session(2);
        for (int i = 0; i < 3; i++) {
            ctl(s, "exec echo run" + i);
            assertThat(cat(s, "stdout")).isEqualTo(("run" + i + "\n").repeat(2));
        }
    }

    // ================================================================== kill

    @Test
    void killEndsEveryRunningTask() throws Exception {
        String s = session(3);
        String sleep = uniqueSleep(1000);
        ctl(s, "exec " + sleep);
        await().atMost(Sh.WAIT).until(() -> running(sleep) == 3);
        ctl(s, "kill");
        assertThat(lines(s, "wait")).hasSize(3).allMatch(l -> l.endsWith(" killed"));
        assertThat(running(sleep)).isZero();
    }

    @Test
    void killSendsTheSignalItIsGiven() throws Exception {
        String a = session(1);
        String sleepA = uniqueSleep(1000);
        ctl(a, "exec " + sleepA);
        await().atMost(Sh.WAIT).until(() -> running(sleepA) == 1);
        ctl(a, "kill KILL");
        assertThat(lines(a, "wait")).singleElement().satisfies(l -> assertThat(waitMessage(l)).isEqualTo("killed"));

        String b = session(1);
        String sleepB = uniqueSleep(1000);
        ctl(b, "exec " + sleepB);
        await().atMost(Sh.WAIT).until(() -> running(sleepB) == 1);
        ctl(b, "kill USR1");
        assertThat(lines(b, "wait")).singleElement().satisfies(l -> assertThat(l).endsWith(" 'signal: 10'"));
        assertThat(running(sleepA) + running(sleepB)).isZero();
    }

    @Test
    void killWithNothingRunningIsNotStarted() throws Exception {
        String s = session(2);
        assertThat(ctlFails(s, "kill")).isEqualTo("not started");
        ctl(s, "exec true");
        assertThat(lines(s, "wait")).hasSize(2);
        assertThat(ctlFails(s, "kill")).isEqualTo("not started");
    }

    @Test
    void killWithAnUnknownSignalIsRefusedAndSignalsNothing() throws Exception {
        String s = session(1);
        String sleep = uniqueSleep(1000);
        ctl(s, "exec " + sleep);
        await().atMost(Sh.WAIT).until(() -> running(sleep) == 1);
        assertThat(ctlFails(s, "kill BOGUS"))
                .isEqualTo("kill: unknown signal \"BOGUS\"; use a name such as TERM, KILL, INT or a number 1..64");
        assertThat(running(sleep)).isEqualTo(1);
        assertThat(lines(s, "status")).singleElement().asString().contains(" Execute ");
        ctl(s, "kill");
    }

    // ================================================================== killonclose, release

    @Test
    void killoncloseReleasesTheSessionWithItsLastFile() throws Exception {
        String sleep = uniqueSleep(1000);
        RemoteFid ctl = sh.open("/clone", P9.ORDWR);
        String s = adopt(new String(Sh.get(ctl.read(0, 64)), StandardCharsets.UTF_8));
        for (String cmd : List.of("res 2", "killonclose", "exec " + sleep)) {
            Sh.get(ctl.write(0, utf8(cmd + "\n")));
        }
        await().atMost(Sh.WAIT).until(() -> running(sleep) == 2);
        // Other files come and go meanwhile without ending it.
        assertThat(lines(s, "status")).hasSize(2);
        assertThat(sh.ls("/")).contains(s);

        Sh.get(ctl.clunk());
        await().atMost(Sh.WAIT).until(() -> running(sleep) == 0);
        await().atMost(Sh.WAIT).until(() -> !sh.ls("/").contains(s));
        await().atMost(Sh.WAIT).untilAsserted(() -> assertThat(busy()).isZero());
    }

    @Test
    void releaseKillsFreesTheSlotsAndRemovesTheSession() throws Exception {
        String s = session(2);
        String sleep = uniqueSleep(1000);
        ctl(s, "exec " + sleep);
        await().atMost(Sh.WAIT).until(() -> running(sleep) == 2);
        ctl(s, "release");
        assertThat(sh.ls("/")).doesNotContain(s);
        assertThat(sh.exists("/" + s + "/ctl")).isFalse();
        await().atMost(Sh.WAIT).until(() -> running(sleep) == 0);
        await().atMost(Sh.WAIT).untilAsserted(() -> assertThat(busy()).isZero());
        String again = session(SLOTS);
        assertThat(taskDirs(again)).hasSize(SLOTS);
    }

    /** A task whose command leaves a process of its own session behind: setsid takes it out of the group. */
    String escaping(String escaped, String leader) {
        return "exec sh -c 'setsid " + escaped + " & " + leader + "'";
    }

    @Test
    void releaseKillsDescendantsThatLeftTheProcessGroup() throws Exception {
        String s = session(2);
        String escaped = uniqueSleep(1000);
        String leader = uniqueSleep(1000);
        ctl(s, escaping(escaped, leader));
        await().atMost(Sh.WAIT).until(() -> running(escaped) == 2 && running(leader) == 2);
        ctl(s, "release");
        await().atMost(Sh.WAIT).until(() -> running(escaped) == 0 && running(leader) == 0);
        await().atMost(Sh.WAIT).untilAsserted(() -> assertThat(busy()).isZero());
    }

    @Test
    void kill9KillsDescendantsThatLeftTheProcessGroup() throws Exception {
        String s = session(2);
        String escaped = uniqueSleep(1000);
        String leader = uniqueSleep(1000);
        ctl(s, escaping(escaped, leader));
        await().atMost(Sh.WAIT).until(() -> running(escaped) == 2 && running(leader) == 2);
        ctl(s, "kill 9");
        assertThat(lines(s, "wait")).hasSize(2);
        await().atMost(Sh.WAIT).until(() -> running(escaped) == 0 && running(leader) == 0);
    }

    // ================================================================== dir, nice

    @Test
    void dirSetsTheWorkingDirectoryOfLaterExecsEvenBeforeRes(@TempDir Path where) throws Exception {
        String s = session();
        ctl(s, "dir " + where);
        ctl(s, "res 2");
        ctl(s, "exec pwd");
        assertThat(cat(s, "stdout")).isEqualTo((where.toRealPath() + "\n").repeat(2));
        assertThat(lines(s, "status")).hasSize(2)
                .allMatch(l -> PlanNineQuoting.tokenize(l).get(3).equals(where.toString()));
    }

    @Test
    void withoutDirARunStartsInItsOwnersHomeAndDirScratchInTheTasksOwnDirectory() throws Exception {
        String s = session(2);
        ctl(s, "exec pwd");
        String home = Path.of(System.getProperty("user.home")).toRealPath().toString();
        assertThat(lines(s, "stdout")).containsExactly(home, home);
        assertThat(lines(s, "status")).allMatch(l -> PlanNineQuoting.tokenize(l).get(3).equals(home));
        ctl(s, "dir scratch");
        ctl(s, "exec pwd");
        List<String> scratch = lines(s, "stdout");
        assertThat(scratch).hasSize(2).doesNotHaveDuplicates().noneMatch(d -> d.equals(home));
        assertThat(lines(s, "status")).extracting(l -> PlanNineQuoting.tokenize(l).get(3)).containsExactlyElementsOf(scratch);
        ctl(s, "dir home");
        ctl(s, "exec pwd");
        assertThat(lines(s, "stdout")).containsExactly(home, home);
    }

    @Test
    void cwdIsUsedWhereItExistsElseTheHomeWithANoteOnStderr(@TempDir Path where) throws Exception {
        String s = session(1);
        ctl(s, "cwd " + where);
        ctl(s, "exec pwd");
        assertThat(cat(s, "stdout")).isEqualTo(where.toRealPath() + "\n");
        ctl(s, "cwd /no/such/dir");
        ctl(s, "exec pwd");
        String home = Path.of(System.getProperty("user.home")).toRealPath().toString();
        assertThat(cat(s, "stdout")).isEqualTo(home + "\n");
        assertThat(cat(s, "stderr")).startsWith("taskfs: no directory /no/such/dir on ").endsWith("; running in " + home + "\n");
        assertThat(lines(s, "wait")).allMatch(l -> waitMessage(l).isEmpty());
    }

    @Test
    void aRelativeDirIsRefusedNamingTheForms() throws Exception {
        String s = session(1);
        assertThat(ctlFails(s, "dir tmp")).isEqualTo("dir: \"tmp\" is not an absolute path; give /PATH, home or scratch");
        assertThat(ctlFails(s, "cwd tmp")).isEqualTo("cwd: \"tmp\" is not an absolute path; give /PATH");
    }

    @Test
    void niceSetsTheNicenessOfLaterExecs() throws Exception {
        String s = session(2);
        ctl(s, "nice 7");
        // coreutils nice without a command prints the niceness it runs at
        ctl(s, "exec nice");
        assertThat(cat(s, "stdout")).isEqualTo("7\n7\n");
    }

    @Test
    void aNicenessAboveNineteenIsRefusedNamingTheRange() throws Exception {
        String s = session(1);
        assertThat(ctlFails(s, "nice 100")).isEqualTo("nice: bad niceness \"100\"; expected a number from 0 to 19");
        ctl(s, "nice 19");
        ctl(s, "exec nice");
        assertThat(cat(s, "stdout")).isEqualTo("19\n");
    }

    // ================================================================== output modes

    @Test
    void orderedOutputIsExactlyEachTasksStdoutInTurn() throws Exception {
        String s = session(3);
        // The first task is the slowest to end; the outputs differ in length and end without newline.
        ctl(s, "exec sh -c 'i=$TASKFS_INDEX; sleep 0.$((3 - i)); seq 1 $((i * 3000 + 7)); printf end$i'");
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            String one = seq(1, i * 3000 + 7) + "end" + i;
            assertThat(cat(s, i + "/stdout")).isEqualTo(one);
            expected.append(one);
        }
        assertThat(cat(s, "stdout")).isEqualTo(expected.toString());
        assertThat(cat(s, "stdio")).isEqualTo(expected.toString());
    }

    @Test
    void linesOutputGivesWholeLinesOnly() throws Exception {
        String s = session(4);
        ctl(s, "output lines");
        int count = 500;
        int width = 2000;
        ctl(s, "exec awk 'BEGIN { t = ENVIRON[\"TASKFS_INDEX\"]; pad = sprintf(\"%" + width
                + "s\", \"\"); gsub(/ /, \"x\", pad); for (i = 0; i < " + count
                + "; i++) print substr(t \"-\" i \"-\" pad, 1, " + width + ") }'");
        List<String> out = lines(s, "stdout");
        Map<String, Integer> expected = new HashMap<>();
        for (int t = 0; t < 4; t++) {
            for (int i = 0; i < count; i++) {
                String head = t + "-" + i + "-";
                expected.put(head + "x".repeat(width - head.length()), 1);
            }
        }
        Map<String, Integer> seen = new HashMap<>();
        out.forEach(l -> seen.merge(l, 1, Integer::sum));
        assertThat(seen.keySet()).as("lines that are no task's line").allMatch(expected::containsKey);
        assertThat(seen).isEqualTo(expected);
        int[] last = {-1, -1, -1, -1};
        for (String l : out) {
            String[] f = l.split("-", 3);
            int t = Integer.parseInt(f[0]);
            assertThat(Integer.parseInt(f[1])).as("task %d's lines in order", t).isEqualTo(last[t] + 1);
            last[t]++;
        }
    }

    @Test
    void taggedOutputPrefixesEachLineWithItsTaskIndex() throws Exception {
        String s = session(3);
        ctl(s, "output tagged");
        ctl(s, "exec sh -c 'echo one$TASKFS_INDEX; echo two$TASKFS_INDEX'");
        List<String> out = lines(s, "stdout");
        assertThat(out).hasSize(6);
        for (int t = 0; t < 3; t++) {
            String p = t + ": ";
            assertThat(out.stream().filter(l -> l.startsWith(p)).toList()).containsExactly(p + "one" + t, p + "two" + t);
        }
        // A task's own stdout is its bytes, untagged.
        assertThat(cat(s, "1/stdout")).isEqualTo("one1\ntwo1\n");
    }

    @Test
    void anUnknownOutputModeIsRefused() throws Exception {
        String s = session();
        assertThat(ctlFails(s, "output bogus")).isEqualTo("output: unknown mode \"bogus\"; use one of ordered, lines, tagged");
    }

    @Test
    void aBackgroundChildsLateOutputArrivesBeforeEndOfFile() throws Exception {
        String s = session(2);
        // The shell exits at once; its background child still has stdout open, as with a pipe.
        ctl(s, "exec sh -c '(sleep 1; echo late$TASKFS_INDEX) & echo early'");
        assertThat(cat(s, "stdout")).isEqualTo("early\nlate0\nearly\nlate1\n");
        assertThat(lines(s, "wait")).hasSize(2).allMatch(l -> waitMessage(l).isEmpty());
    }

    @Test
    void aWriteToAClosedStdinSaysSoInPlainWords() throws Exception {
        String s = session(1);
        ctl(s, "exec cat");
        RemoteFid in = sh.open("/" + s + "/stdin", P9.OWRITE);
        try {
            Sh.get(in.write(0, utf8("a\n")));
            ctl(s, "eof");
            assertThat(lines(s, "wait")).hasSize(1);
            assertThat(Sh.rerror(in.write(2, utf8("late\n")), "a write after eof")).isEqualTo(
                    "i/o on hungup channel: the task's stdin is closed (its process has exited, or eof was written)");
        } finally {
            Sh.get(in.clunk());
        }
    }

    @Test
    void aKillReachesWhatAFinishedRunLeftWritingAndEndsItsOutput() throws Exception {
        String s = session(1);
        ctl(s, "exec sh -c '(while :; do echo tick; sleep 0.05; done) & echo started'");
        // The shell has ended, the task is done; the loop it left behind writes on.
        await().atMost(Sh.WAIT).until(() -> lines(s, "status").get(0).contains(" Done "));
        CompletableFuture<String> out = sh.catLater("/" + s + "/stdout");
        ctl(s, "kill");
        assertThat(Sh.get(out)).contains("started\n");
        assertThat(lines(s, "wait")).hasSize(1);
    }

    // ================================================================== input modes, eof, splices

    @Test
    void bcastGivesEveryTaskEveryWriteAndClosingTheWriterEndsIt() throws Exception {
        String s = session(3);
        ctl(s, "exec cat");
        String input = seq(1, 5000);
        sh.writeAll("/" + s + "/stdin", utf8(input));
        assertThat(lines(s, "wait")).hasSize(3).allMatch(l -> waitMessage(l).isEmpty());
        for (int t = 0; t < 3; t++) {
            assertThat(cat(s, t + "/stdout")).isEqualTo(input);
        }
    }

    @Test
    void stdioWritesGoToStdin() throws Exception {
        String s = session(2);
        ctl(s, "exec wc -l");
        sh.writeAll("/" + s + "/stdio", utf8("a\nb\n"));
        assertThat(cat(s, "stdio")).isEqualTo("2\n2\n");
    }

    @Test
    void rrDealsWholeLinesRoundRobin() throws Exception {
        String s = session(3);
        ctl(s, "input rr");
        ctl(s, "exec cat");
        byte[] all = utf8(seq(0, 299));
        // Written in pieces that cut lines anywhere: whole lines still arrive.
        RemoteFid in = sh.open("/" + s + "/stdin", P9.OWRITE);
        for (int at = 0; at < all.length; at += 7) {
            Sh.get(in.write(at, java.util.Arrays.copyOfRange(all, at, Math.min(all.length, at + 7))));
        }
        Sh.get(in.clunk());
        for (int t = 0; t < 3; t++) {
            List<String> expected = new ArrayList<>();
            for (int i = t; i < 300; i += 3) {
                expected.add(Integer.toString(i));
            }
            assertThat(lines(s, t + "/stdout")).as("task %d", t).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void hashSendsEqualFirstFieldsToOneTask() throws Exception {
        String s = session(4);
        ctl(s, "input hash");
        ctl(s, "exec cat");
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            input.append("key").append(i % 37).append(" value").append(i).append('\n');
        }
        sh.writeAll("/" + s + "/stdin", utf8(input.toString()));
        Map<String, Integer> taskOfKey = new HashMap<>();
        List<String> delivered = new ArrayList<>();
        int used = 0;
        for (int t = 0; t < 4; t++) {
            List<String> got = lines(s, t + "/stdout");
            used += got.isEmpty() ? 0 : 1;
            for (String l : got) {
                String key = l.split(" ")[0];
                assertThat(taskOfKey.putIfAbsent(key, t)).as("task of %s", key).isIn(null, t);
                delivered.add(l);
            }
        }
        assertThat(delivered).containsExactlyInAnyOrderElementsOf(Sh.split(input.toString()));
        assertThat(used).as("tasks that got keys").isGreaterThan(1);
    }

    @Test
    void anUnknownInputModeIsRefused() throws Exception {
        String s = session();
        assertThat(ctlFails(s, "input bogus")).isEqualTo("input: unknown mode \"bogus\"; use one of bcast, rr, hash");
    }

    @Test
    void eofClosesEveryTasksStdin() throws Exception {
        String s = session(2);
        ctl(s, "exec cat");
        // A writer that stays open: only eof tells cat its input is over.
        RemoteFid in = sh.open("/" + s + "/stdin", P9.OWRITE);
        try {
            Sh.get(in.write(0, utf8("a\n")));
            ctl(s, "eof");
            assertThat(lines(s, "wait")).hasSize(2).allMatch(l -> waitMessage(l).isEmpty());
            assertThat(cat(s, "stdout")).isEqualTo("a\na\n");
        } finally {
            Sh.get(in.clunk());
        }
    }

    @Test
    void inputWrittenBeforeExecReachesTheNextProcess() throws Exception {
        String s = session(1);
        RemoteFid in = sh.open("/" + s + "/stdin", P9.OWRITE);
        try {
            Sh.get(in.write(0, utf8("early\n")));
            ctl(s, "exec head -n 1");
            assertThat(cat(s, "stdout")).isEqualTo("early\n");
        } finally {
            Sh.get(in.clunk());
        }
    }

    @Test
    void spliceCopiesAFileOfTheTreeIntoTheSessionsStdin() throws Exception {
        String producer = session(1);
        ctl(producer, "exec seq 1 100");
        String consumer = session(2);
        ctl(consumer, "exec wc -l");
        ctl(consumer, "splice /" + producer + "/stdout");
        assertThat(cat(consumer, "stdout")).isEqualTo("100\n100\n");
    }

    @Test
    void aSpliceFollowedAtOnceByEofReachesEveryTaskWholeBeforeItsEof() throws Exception {
        String producer = session(1);
        ctl(producer, "exec head -c 1000000 /dev/zero");
        String consumer = session(3);
        ctl(consumer, "exec wc -c");
        // No wait in between: the eof is ordered after the spliced bytes on the way to every task.
        ctl(consumer, "splice /" + producer + "/0/stdout");
        ctl(consumer, "eof");
        assertThat(lines(consumer, "stdout")).containsExactly("1000000", "1000000", "1000000");
        assertThat(lines(consumer, "wait")).hasSize(3).allMatch(l -> waitMessage(l).isEmpty());
    }

    @Test
    void xsplicePipesOneTasksStdoutIntoAnothersStdin() throws Exception {
        String s = session(2);
        sh.echo("/" + s + "/1/ctl", "exec cat");
        sh.echo("/" + s + "/0/ctl", "exec echo hello");
        ctl(s, "xsplice 0 1");
        assertThat(cat(s, "1/stdout")).isEqualTo("hello\n");
        assertThat(lines(s, "wait")).hasSize(2).allMatch(l -> waitMessage(l).isEmpty());
    }

    // ================================================================== status, wait

    @Test
    void statusHasADevcmdLinePerTaskInTaskOrder() throws Exception {
        String s = session(3);
        List<String> before = lines(s, "status");
        assertThat(before).hasSize(3);
        for (int t = 0; t < 3; t++) {
            List<String> f = PlanNineQuoting.tokenize(before.get(t));
            assertThat(f).as(before.get(t)).hasSize(5);
            assertThat(f.get(0)).matches("cmd/\\d+");
            assertThat(f.get(1)).matches("\\d+");
            assertThat(f.get(2)).isEqualTo("Closed");
            assertThat(f.get(4)).isEmpty();
            assertThat(before.get(t)).endsWith(" ''");
            assertThat(lines(s, t + "/status")).containsExactly(before.get(t));
        }
        String sleep = uniqueSleep(1000);
        sh.echo("/" + s + "/1/ctl", "exec " + sleep);
        List<String> after = lines(s, "status");
        assertThat(after).extracting(l -> PlanNineQuoting.tokenize(l).get(2)).containsExactly("Closed", "Execute", "Closed");
        assertThat(after).extracting(l -> PlanNineQuoting.tokenize(l).get(4)).containsExactly("", "sleep", "");
        sh.echo("/" + s + "/1/ctl", "kill");
    }

    @Test
    void waitHasALinePerTaskWithItsExitMessage() throws Exception {
        String s = session(3);
        ctl(s, "exec sh -c 'exit $TASKFS_INDEX'");
        List<String> lines = lines(s, "wait");
        assertThat(lines).hasSize(3);
        assertThat(lines).extracting(l -> l.split(" ")[0]).containsExactlyInAnyOrder("0", "1", "2");
        for (String l : lines) {
            List<String> f = PlanNineQuoting.tokenize(l);
            assertThat(f).as(l).hasSize(6);
            assertThat(f.get(1)).matches("[1-9]\\d*");
            assertThat(f.subList(2, 5)).allMatch(n -> n.matches("\\d+"));
            String i = f.get(0);
            assertThat(f.get(5)).isEqualTo(i.equals("0") ? "" : "exit: " + i);
            // A task's own wait: the same line without the index.
            assertThat(cat(s, i + "/wait")).isEqualTo(l.substring(i.length() + 1) + "\n");
        }
        assertThat(lines).anyMatch(l -> l.endsWith(" ''")).anyMatch(l -> l.endsWith(" 'exit: 2'"));
        assertThat(lines(s, "status")).extracting(l -> PlanNineQuoting.tokenize(l).get(2)).containsOnly("Done");
    }

    @Test
    void waitBlocksUntilEveryTaskHasEnded() throws Exception {
        String s = session(2);
        String sleep = uniqueSleep(1000);
        sh.echo("/" + s + "/0/ctl", "exec true");
        sh.echo("/" + s + "/1/ctl", "exec " + sleep);
        CompletableFuture<String> all = sh.catLater("/" + s + "/wait");
        assertThat(cat(s, "0/wait")).endsWith(" ''\n");
        assertThat(all).isNotDone();
        ctl(s, "kill");
        List<String> got = Sh.split(Sh.get(all));
        assertThat(got).hasSize(2);
        assertThat(got).filteredOn(l -> l.startsWith("1 ")).singleElement().asString().endsWith(" killed");
    }

    @Test
    void readsOfASessionThatNeverRanEndAtOnce() throws Exception {
        String s = session(2);
        // Nothing was asked to run, so nothing can come: every read is at its end.
        for (String file : List.of("wait", "stdout", "stderr", "stdio", "1/wait", "1/stdout", "1/stdio")) {
            assertThat(cat(s, file)).as(file).isEmpty();
        }
        // And the session still runs what it is given next.
        ctl(s, "exec echo ran");
        assertThat(cat(s, "stdout")).isEqualTo("ran\nran\n");
    }

    @Test
    void tasksNeverAskedToRunAddNothingToReads() throws Exception {
        String s = session(2);
        ctl(s, "exec echo ran");
        ctl(s, "res 1");
        // Task 2 has no run and none is coming: two wait lines, then end of file.
        List<String> waits = lines(s, "wait");
        assertThat(waits).hasSize(2).extracting(l -> l.split(" ")[0]).containsExactlyInAnyOrder("0", "1");
        assertThat(waits).allMatch(l -> waitMessage(l).isEmpty());
        assertThat(cat(s, "stdout")).isEqualTo("ran\nran\n");
        assertThat(cat(s, "stdio")).isEqualTo("ran\nran\n");
        ctl(s, "output lines");
        assertThat(cat(s, "stdout")).isEqualTo("ran\nran\n");
        assertThat(cat(s, "2/wait")).isEmpty();
        assertThat(lines(s, "status")).extracting(l -> PlanNineQuoting.tokenize(l).get(2))
                .containsExactly("Done", "Done", "Closed");
    }

    // ================================================================== args, env, TASKFS_*, ns

    @Test
    void argsLineIGoesToTaskI() throws Exception {
        String s = session(2);
        sh.write("/" + s + "/args", utf8("a\nb\n"));
        assertThat(lines(s, "args")).containsExactly("a", "b");
        ctl(s, "exec echo");
        assertThat(cat(s, "stdout")).isEqualTo("a\nb\n");
    }

    @Test
    void moreArgsLinesThanTasksAreRefused() throws Exception {
        String s = session(2);
        assertThat(sh.writeFails("/" + s + "/args", utf8("a\nb\nc\n")))
                .isEqualTo("args: line 3 for a session of 2 tasks (line k is task k's; open args anew to start again"
                        + " at task 0)");
        assertThat(lines(s, "args")).containsExactly("", "");
    }

    @Test
    void argsLinesWrittenOneAtATimeGoToSuccessiveTasks() throws Exception {
        // As printf or a line-buffered writer may split them: the line number counts across one open file's writes.
        String s = session(3);
        RemoteFid args = sh.open("/" + s + "/args", P9.OWRITE);
        long at = 0;
        for (String line : List.of("a\n", "b\n", "c\n")) {
            at += Sh.get(args.write(at, utf8(line)));
        }
        assertThat(Sh.rerror(args.write(at, utf8("d\n")), "a fourth line for three tasks")).startsWith("args: line 4");
        Sh.get(args.clunk());
        ctl(s, "exec echo");
        assertThat(cat(s, "stdout")).isEqualTo("a\nb\nc\n");
    }

    @Test
    void argsAddUpPerTaskAcrossOpensAndATruncatingOpenStartsOver() throws Exception {
        String s = session(2);
        sh.write("/" + s + "/args", utf8("a\nb\n"));
        sh.write("/" + s + "/args", utf8("c\n"));
        sh.write("/" + s + "/1/args", utf8("d\ne\n"));
        assertThat(lines(s, "args")).containsExactly("a c", "b d e");
        RemoteFid trunc = sh.open("/" + s + "/args", P9.OWRITE | P9.OTRUNC);
        Sh.get(trunc.write(0, utf8("x\n")));
        Sh.get(trunc.clunk());
        assertThat(lines(s, "args")).containsExactly("x", "");
        ctl(s, "exec echo");
        assertThat(cat(s, "stdout")).isEqualTo("x\n\n");
    }

    @Test
    void sessionAndTaskEnvironmentReachTheProcesses() throws Exception {
        String s = session(2);
        sh.echo("/" + s + "/env", "GREETING=hello world");
        sh.echo("/" + s + "/1/env", "GREETING=bonjour");
        assertThat(Sh.split(cat(s, "env"))).contains("GREETING=hello world");
        ctl(s, "exec sh -c 'echo \"$GREETING\"'");
        assertThat(lines(s, "stdout")).containsExactly("hello world", "bonjour");
    }

    @Test
    void aBadEnvLineIsRefused() throws Exception {
        String s = session(1);
        assertThat(sh.echoFails("/" + s + "/env", "x")).isEqualTo("env: bad line \"x\"; expected NAME=value");
    }

    @Test
    void everyProcessKnowsItsPlace() throws Exception {
        String s = session(3);
        ctl(s, "exec sh -c 'echo $TASKFS_SESSION $TASKFS_TASK $TASKFS_INDEX $TASKFS_SIZE $TASKFS_ADDR'");
        assertThat(lines(s, "stdout")).containsExactly(
                "/" + s + " /" + s + "/0 0 3 " + address(),
                "/" + s + " /" + s + "/1 1 3 " + address(),
                "/" + s + " /" + s + "/2 2 3 " + address());
    }

    @Test
    void sessionNsHasABindLinePerTask() throws Exception {
        String s = session(3);
        List<String> ns = lines(s, "ns");
        assertThat(ns).hasSize(3);
        for (int t = 0; t < 3; t++) {
            String[] f = ns.get(t).split(" ");
            assertThat(f).as(ns.get(t)).hasSize(3);
            assertThat(f[0]).isEqualTo("bind");
            assertThat(f[1]).contains("!");
            assertThat(f[2]).isEqualTo(Integer.toString(t));
        }
    }

    // ================================================================== gathered reads

    @Test
    void stdoutIsByteExact() throws Exception {
        String s = session(2);
        ctl(s, "exec seq 1 50000");
        String one = seq(1, 50000);
        assertThat(sh.catBytes("/" + s + "/stdout")).isEqualTo(utf8(one + one));
        assertThat(sh.catBytes("/" + s + "/stdio")).isEqualTo(utf8(one + one));
        assertThat(sh.catBytes("/" + s + "/1/stdout")).isEqualTo(utf8(one));
        assertThat(cat(s, "stderr")).isEmpty();
    }

    @Test
    void stderrIsGatheredByteExact() throws Exception {
        String s = session(2);
        ctl(s, "exec sh -c 'seq 1 50000 >&2; echo out$TASKFS_INDEX'");
        String one = seq(1, 50000);
        assertThat(sh.catBytes("/" + s + "/stderr")).isEqualTo(utf8(one + one));
        assertThat(sh.catBytes("/" + s + "/0/stderr")).isEqualTo(utf8(one));
        assertThat(cat(s, "stdout")).isEqualTo("out0\nout1\n");
    }

    @Test
    void aReaderBlocksUntilThereIsOutput() throws Exception {
        String s = session(2);
        // Each task prints once its stdin has a line.
        ctl(s, "exec sh -c 'read go; echo hello $TASKFS_INDEX'");
        CompletableFuture<String> gathered = sh.catLater("/" + s + "/stdout");
        CompletableFuture<String> one = sh.catLater("/" + s + "/1/stdout");
        // Other requests are answered while they wait.
        assertThat(lines(s, "status")).hasSize(2);
        assertThat(gathered).isNotDone();
        assertThat(one).isNotDone();
        sh.echo("/" + s + "/stdin", "go");
        assertThat(Sh.get(gathered)).isEqualTo("hello 0\nhello 1\n");
        assertThat(Sh.get(one)).isEqualTo("hello 1\n");
    }

    // ================================================================== bad paths

    @Test
    void dotDotAtTheRootStaysAtTheRoot() throws Exception {
        RemoteFid root = Sh.get(sh.client.root());
        RemoteFid up = Sh.get(root.walk("..", ".."));
        try {
            assertThat(up.qid()).isEqualTo(root.qid());
        } finally {
            Sh.get(up.clunk());
        }
        assertThat(sh.cat("/../../arch")).isEqualTo(ARCH + "\n");
        assertThat(sh.ls("/..")).containsAll(ROOT_FILES);
    }

    @Test
    void aSessionThatIsNotThereIsNotFound() throws Exception {
        assertThat(Sh.rerror(sh.client.stat("/999999/ctl"), "stat /999999/ctl")).isEqualTo(Errors.NOT_FOUND);
        assertThat(Sh.rerror(sh.client.write("/999999/ctl", "res 1\n"), "write /999999/ctl"))
                .isEqualTo(Errors.NOT_FOUND);
        String s = session(1);
        assertThat(Sh.rerror(sh.client.stat("/" + s + "/7/ctl"), "a task that is not there"))
                .isEqualTo(Errors.NOT_FOUND);
        ctl(s, "exec echo fine");
        assertThat(cat(s, "stdout")).isEqualTo("fine\n");
    }
}
