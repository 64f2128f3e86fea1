package vigil.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import vigil.testkit.VigilCluster.Leader;

/**
 * The rig's watchdog reset, end to end, against the python stand-in for vigild (see {@link VigilClusterIT}): the
 * test arms the leader's fake device itself, as the leader's driver would, then never kicks it.
 */
class FakeWatchdogIT {
    private static final Path FAKE = Path.of("src/test/resources/fake-vigil");
    private NetnsRig rig;

    @BeforeEach
    void rig() {
        assumeTrue(NetnsRig.precondition().isEmpty(), () -> "skipped: " + NetnsRig.precondition().orElse(""));
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "skipped: the stand-in needs python3");
        rig = NetnsRig.create(3);
    }

    @AfterEach
    void down() {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void anArmedWatchdogThatIsNotKickedResetsItsNode() throws Exception {
        try (VigilCluster c = VigilCluster.start(rig, Timing.DEFAULT, Map.of(), FAKE, RigWatchdog.DEFAULT)) {
            String yaml = Files.readString(c.configFile("n1"));
            assertTrue(yaml.contains("mode: required") && yaml.contains("device: " + c.watchdog("n1").path())
                    && yaml.contains("timeout: 1s") && yaml.contains("reset_slack: 50ms"), yaml);
            Leader leader = c.awaitStable(Duration.ofSeconds(30));
            FakeWatchdog fake = c.watchdog(leader.node());
            assertFalse(fake.armed());

            double armedAt = VigilCluster.monoNowMs();
            try (OutputStream device = new FileOutputStream(fake.path().toFile())) {
                FakeWatchdog.Reset r = fake.awaitResets(1, Duration.ofSeconds(10)).get(0);
                assertTrue(r.monoMs() - armedAt >= 1000 && r.monoMs() - armedAt < 1500, r + " armed at " + armedAt);
                Leader next = c.awaitNewLeader(leader.node(), Duration.ofSeconds(30));
                assertTrue(c.process(leader.node()).isEmpty(), "the reset node's vigild is no longer the rig's");
                assertEquals(List.of(), rig.pidsIn(rig.ns(leader.node())), "every process of the node is gone");
                assertTrue(next.term() > leader.term());
            }
            assertEquals(1, fake.resets().size());
            c.heal(leader.node()); // the host comes back: cable in, vigild started again
            c.startNode(leader.node());
            c.awaitStable(Duration.ofSeconds(30));
            assertTrue(c.nodes().stream().allMatch(n -> c.watchdog(n).resets().size() == (n.equals(leader.node()) ? 1 : 0)));
        }
    }
}
