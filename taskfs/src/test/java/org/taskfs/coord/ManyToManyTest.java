package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tasks that know their place and read each other by path (DESIGN §3.6), and the splices. */
class ManyToManyTest extends ClusterTestBase {

    @Test
    void everyProcessKnowsWhereItIs() throws Exception {
        LocalCluster c = cluster(2, 4);
        Sh sh = sh(c);
        sh.newSession(); // session 0, left alone: the next one is 1
        String s = sh.newSession();
        assertThat(s).isEqualTo("1");
        sh.echo("/" + s + "/ctl", "res 3");
        sh.echo("/" + s + "/ctl", "exec sh -c 'echo $TASKFS_ADDR $TASKFS_SESSION $TASKFS_TASK $TASKFS_INDEX $TASKFS_SIZE'");
        assertThat(sh.lines("/" + s + "/stdout")).containsExactly(
                c.address() + " /1 /1/0 0 3",
                c.address() + " /1 /1/1 1 3",
                c.address() + " /1 /1/2 2 3");
    }

    @Test
    void sessionAndTaskEnvironmentReachTheProcesses() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        sh.echo("/" + s + "/env", "GREETING=hello world");
        sh.echo("/" + s + "/1/env", "GREETING=bonjour");
        sh.echo("/" + s + "/ctl", "exec sh -c 'echo \"$GREETING\"'");
        assertThat(sh.lines("/" + s + "/stdout")).containsExactly("hello world", "bonjour");
        assertThat(sh.cat("/" + s + "/env")).contains("GREETING=hello world");
    }

    /**
     * A token goes round a ring of four tasks: each reads its predecessor's stdout by path through
     * the coordinator, with the real command line client run inside the task.
     */
    @Test
    void aRingPipelinePassesATokenRound() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        sh.echo("/" + s + "/env", "CP=" + classpath());
        sh.echo("/" + s + "/env", "JAVA=" + javaBinary());
        sh.echo("/" + s + "/ctl", "exec sh -c '"
                + "i=$TASKFS_INDEX; prev=$(( (i + TASKFS_SIZE - 1) % TASKFS_SIZE )); "
                + "[ $i != 0 ] || echo token; "
                + "$JAVA -Xshare:auto -XX:TieredStopAtLevel=1 -Xmx64m -cp \"$CP\" org.taskfs.cli.Main"
                + " cat $TASKFS_SESSION/$prev/stdout | head -n 1 | sed \"s/\\$/-$i/\"'");
        List<String> waits = Sh.split(Sh.get(sh.catLater("/" + s + "/wait"), Duration.ofSeconds(60)));
        assertThat(waits).hasSize(4).allMatch(l -> l.endsWith(" ''"), "every task exits 0");
        assertThat(sh.cat("/" + s + "/0/stdout")).isEqualTo("token\ntoken-1-2-3-0\n");
        assertThat(sh.cat("/" + s + "/1/stdout")).isEqualTo("token-1\n");
        assertThat(sh.cat("/" + s + "/2/stdout")).isEqualTo("token-1-2\n");
        assertThat(sh.cat("/" + s + "/3/stdout")).isEqualTo("token-1-2-3\n");
    }

    @Test
    void xsplicePipesOneTasksStdoutIntoAnothersStdin() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        sh.echo("/" + s + "/ctl", "xsplice 0 1");
        sh.echo("/" + s + "/1/ctl", "exec tr 0-9 a-j");
        sh.echo("/" + s + "/0/ctl", "exec seq 1 12");
        assertThat(sh.cat("/" + s + "/1/stdout")).isEqualTo("b\nc\nd\ne\nf\ng\nh\ni\nj\nba\nbb\nbc\n");
        assertThat(sh.lines("/" + s + "/wait")).hasSize(2).allMatch(l -> l.endsWith(" ''"));
    }

    @Test
    void xspliceBeforeEitherRuns() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        sh.echo("/" + s + "/ctl", "xsplice 0 1");
        // The producer runs and ends before the consumer even starts.
        sh.echo("/" + s + "/0/ctl", "exec seq 1 5");
        assertThat(sh.lines("/" + s + "/0/wait")).hasSize(1);
        sh.echo("/" + s + "/1/ctl", "exec wc -l");
        assertThat(sh.cat("/" + s + "/1/stdout").strip()).isEqualTo("5");
    }

    @Test
    void spliceCopiesAFileOfTheTreeIntoTheSessionsStdin() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String producer = sh.newSession();
        sh.echo("/" + producer + "/ctl", "res 2");
        sh.echo("/" + producer + "/ctl", "exec seq 1 1000");
        String consumer = sh.newSession();
        sh.echo("/" + consumer + "/ctl", "res 2");
        sh.echo("/" + consumer + "/ctl", "exec wc -l");
        sh.echo("/" + consumer + "/ctl", "splice /" + producer + "/stdout");
        assertThat(sh.cat("/" + consumer + "/stdout")).isEqualTo("2000\n2000\n");
    }

    @Test
    void spliceOfSomethingThatIsNotThereSaysSo() throws Exception {
        Sh sh = sh(cluster(1, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 1");
        assertThat(sh.echoFails("/" + s + "/ctl", "xsplice 0 5")).contains("5");
        assertThat(sh.echoFails("/" + s + "/ctl", "xsplice 0")).startsWith("wrong #args");
    }
}
