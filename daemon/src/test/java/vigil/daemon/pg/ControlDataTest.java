package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import vigil.daemon.pg.ControlData.ClusterState;

/** pg_controldata output captured from PostgreSQL 15 in each state (src/test/resources/vigil/daemon/pg). */
class ControlDataTest {
    static String resource(String name) {
        try (InputStream in = ControlDataTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("no test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aStoppedPrimary() {
        ControlData c = ControlData.parse(resource("controldata-primary-stopped.txt"));
        assertEquals(Long.parseUnsignedLong("7713977703917607699"), c.systemId());
        assertEquals(ClusterState.SHUT_DOWN, c.state());
        assertTrue(c.state().clean());
        assertEquals(Lsn.parse("0/6DFA960"), c.checkpointLsn());
        assertEquals(1, c.checkpointTimeline());
        assertEquals(0, c.minRecoveryEndLsn());
        assertEquals(0, c.minRecoveryEndTimeline());
        assertEquals(1, c.timeline());
    }

    @Test
    void aRunningPrimaryJustPromotedStillShowsTheOldCheckpointTimeline() {
        ControlData c = ControlData.parse(resource("controldata-primary-tl2.txt"));
        assertEquals(ClusterState.IN_PRODUCTION, c.state());
        assertFalse(c.state().clean());
        assertEquals(1, c.checkpointTimeline(), "the first checkpoint on timeline 2 has not completed");
        assertEquals(2, c.minRecoveryEndTimeline());
        assertEquals(2, c.timeline());
    }

    @Test
    void standbysRunningAndStopped() {
        ControlData running = ControlData.parse(resource("controldata-standby-running.txt"));
        assertEquals(ClusterState.IN_ARCHIVE_RECOVERY, running.state());
        assertEquals(Lsn.parse("0/70001B0"), running.minRecoveryEndLsn());
        ControlData stopped = ControlData.parse(resource("controldata-standby-stopped.txt"));
        assertEquals(ClusterState.SHUT_DOWN_IN_RECOVERY, stopped.state());
        assertTrue(stopped.state().clean());
        assertEquals(Lsn.parse("0/8000000"), stopped.minRecoveryEndLsn());
        assertEquals(2, stopped.timeline());
        assertEquals(ClusterState.IN_PRODUCTION, ControlData.parse(resource("controldata-primary-running.txt")).state());
    }

    @Test
    void everyClusterStateIsKnown() {
        String base = resource("controldata-primary-stopped.txt");
        for (String[] s : new String[][] {{"starting up", "STARTING_UP"}, {"shut down", "SHUT_DOWN"},
                {"shut down in recovery", "SHUT_DOWN_IN_RECOVERY"}, {"shutting down", "SHUTTING_DOWN"},
                {"in crash recovery", "IN_CRASH_RECOVERY"}, {"in archive recovery", "IN_ARCHIVE_RECOVERY"},
                {"in production", "IN_PRODUCTION"}}) {
            String text = base.replace("Database cluster state:               shut down",
                    "Database cluster state:               " + s[0]);
            assertEquals(ClusterState.valueOf(s[1]), ControlData.parse(text).state(), s[0]);
        }
        String odd = base.replace("state:               shut down", "state:               confused");
        assertThrows(IllegalArgumentException.class, () -> ControlData.parse(odd));
    }

    @Test
    void anIdentifierAbove2To63IsKeptUnsigned() {
        String text = resource("controldata-primary-stopped.txt").replace("7713977703917607699", "18000000000000000001");
        ControlData c = ControlData.parse(text);
        assertTrue(c.systemId() < 0, "held in a long's bits");
        assertEquals("18000000000000000001", Long.toUnsignedString(c.systemId()));
    }

    @Test
    void aMissingLineIsNamed() {
        String text = resource("controldata-primary-stopped.txt").replaceAll("(?m)^Latest checkpoint location:.*\n", "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ControlData.parse(text));
        assertTrue(e.getMessage().contains("Latest checkpoint location"), e.getMessage());
    }
}
