package vigil.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import vigil.testkit.VigilCluster.Leader;

/**
 * VigilCluster's plumbing (configs, process control, status, log events) against the python
 * stand-in in src/test/resources/fake-vigil, so the rig is tested without the real daemon.
 * The real daemon is covered by the daemon module's LeaderElectionIT.
 */
class VigilClusterIT {
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
    void writesConfigsElectsAndFailsOverWithLogEvents() throws Exception {
        try (VigilCluster c = VigilCluster.start(rig, Timing.DEFAULT, Map.of(), FAKE)) {
            String yaml = Files.readString(c.configFile("n2"));
            assertTrue(yaml.contains("heartbeat_interval: 150ms") && yaml.contains("lease: 1500ms"), yaml);
            assertTrue(yaml.contains("address: " + rig.address("n3")), yaml);
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(rig.runDir().resolve("cluster.key"))));

            Leader first = c.awaitStable(Duration.ofSeconds(30));
            assertEquals(first.node(), c.status(first.node()).leader().orElseThrow(), "via vigilctl");

            double faultAt = c.kill9Vigild(first.node());
            Leader next = c.awaitNewLeader(first.node(), Duration.ofSeconds(30));
            assertNotEquals(first.node(), next.node());
            LogEvent lease = c.awaitEvent("new lease", Duration.ofSeconds(10),
                    e -> e.is("lease_acquired") && e.node().equals(next.node()) && e.monoMs() >= faultAt);
            assertTrue(lease.mono("lease_start_mono_ms") >= faultAt);

            c.startNode(first.node());
            c.awaitStable(Duration.ofSeconds(30));
        }
    }

    @Test
    void aFrozenLeaderIsReplacedAndRejoinsWhenThawed() {
        try (VigilCluster c = VigilCluster.start(rig, Timing.DEFAULT, Map.of(), FAKE)) {
            Leader first = c.awaitStable(Duration.ofSeconds(30));
            c.freeze(first.node());
            Leader next = c.awaitNewLeader(first.node(), Duration.ofSeconds(30));
            assertTrue(next.term() > first.term());
            c.thaw(first.node());
            c.awaitStable(Duration.ofSeconds(30));
            c.stop(first.node());
            assertTrue(c.process(first.node()).isEmpty());
        }
    }

    @Test
    void aDaemonThatExitsFailsTheWaitAtOnce() throws Exception {
        Path broken = rig.runDir().resolve("broken");
        Files.createDirectories(broken.resolve("bin"));
        Files.writeString(broken.resolve("bin/vigild"), "#!/bin/sh\necho 'bad config' >&2\nexit 78\n");
        broken.resolve("bin/vigild").toFile().setExecutable(true);
        try (VigilCluster c = VigilCluster.start(rig, Timing.DEFAULT, Map.of(), broken)) {
            long t0 = System.nanoTime();
            RigException e = assertThrows(RigException.class, () -> c.awaitLeader(Duration.ofSeconds(60)));
            assertTrue(e.getMessage().contains("exited unexpectedly with code 78"), e.getMessage());
            assertTrue(e.getMessage().contains("bad config"), "log dumped");
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(20).toNanos());
        }
    }
}
