package org.taskfs.coord.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@link SlurmGrowth} reads of Slurm's commands, from their output as Slurm 22.05 prints it. */
class SlurmGrowthParseTest {

    @Test
    void squeueLinesGiveEachJobsStateReasonAndNodes() {
        var jobs = SlurmGrowth.parseSqueue(
                "12|PENDING|Resources|\n13|RUNNING|None|n[1-2]\n\n14|PENDING|Priority|(null)\n");
        assertThat(jobs.keySet()).containsExactly("12", "13", "14");
        assertThat(jobs.get("12").text()).isEqualTo("PENDING Resources");
        assertThat(jobs.get("12").nodes()).isEmpty();
        assertThat(jobs.get("13").text()).isEqualTo("RUNNING");
        assertThat(jobs.get("13").running()).isTrue();
        assertThat(Hostlist.expand(jobs.get("13").nodes())).containsExactly("n1", "n2");
        assertThat(jobs.get("14").nodes()).isEmpty();
        assertThat(SlurmGrowth.parseSqueue("")).isEmpty();
        assertThat(SlurmGrowth.parseSqueue("garbage without bars\n")).isEmpty();
    }

    @Test
    void scontrolGivesTheLastStateOfAJobSqueueNoLongerLists() {
        SlurmGrowth.JobState s = SlurmGrowth.parseScontrol("JobId=2 JobName=taskfs-grow UserId=root(0) "
                + "JobState=CANCELLED Reason=Resources Dependency=(null) Requeue=1 NodeList= NumNodes=2\n");
        assertThat(s.text()).isEqualTo("CANCELLED Resources");
        assertThat(s.over()).isTrue();
        assertThat(SlurmGrowth.parseScontrol("JobState=TIMEOUT Reason=None").text()).isEqualTo("TIMEOUT");
        assertThat(SlurmGrowth.parseScontrol("slurm_load_jobs error: Invalid job id specified")).isNull();
        assertThat(new SlurmGrowth.JobState("COMPLETING", "None", "n1").over()).isFalse();
        assertThat(new SlurmGrowth.JobState("PENDING", "Resources", "").over()).isFalse();
    }

    @Test
    void aRefusalIsSlurmsOwnWordsWithoutTheCommandsPrefix() {
        assertThat(SlurmGrowth.refusal("sbatch: error: Batch job submission failed: Requested time limit is invalid "
                + "(missing or exceeds some limit)\n")).isEqualTo("Batch job submission failed: Requested time limit "
                + "is invalid (missing or exceeds some limit)");
        assertThat(SlurmGrowth.refusal("sbatch: error: invalid partition specified: nope\nsbatch: error: Batch job "
                + "submission failed: Invalid partition name specified\n"))
                .isEqualTo("invalid partition specified: nope; Batch job submission failed: Invalid partition name "
                        + "specified");
        assertThat(SlurmGrowth.refusal("")).isEqualTo("no reason given");
    }

    @Test
    void settingsThatCannotWorkAreRefusedNamingTheFlag() {
        Duration idle = Duration.ofSeconds(30);
        assertThatThrownBy(() -> new SlurmGrowth.Settings(" ", 4, null, idle, a -> List.of()))
                .hasMessageStartingWith("--slurm-partition: empty");
        assertThatThrownBy(() -> new SlurmGrowth.Settings("debug", 0, null, idle, a -> List.of()))
                .hasMessage("--slurm-max-nodes 0: must be 1 or more");
        assertThatThrownBy(() -> new SlurmGrowth.Settings("debug", 4, "1 hour", idle, a -> List.of()))
                .hasMessageStartingWith("--slurm-time \"1 hour\": expected a Slurm time limit");
        assertThat(new SlurmGrowth.Settings("debug", 4, "2:00:00", idle, a -> List.of()).time()).isEqualTo("2:00:00");
    }
}
