package vigil.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogParserTest {
    @Test
    void parsesARoleChangeWithArrowPriorityAndMonoTime() {
        LogEvent e = LogParser.parse("<4>node=n1 event=role role=leader→follower term=7 reason=LEASE_EXPIRED "
                + "lease_ended_mono_ms=1234.5 mono_ms=1240").orElseThrow();
        assertEquals("n1", e.node());
        assertEquals("role", e.event());
        assertEquals(4, e.priority());
        assertEquals(1240.0, e.monoMs());
        assertEquals("leader", e.roleFrom());
        assertEquals("follower", e.roleTo());
        assertEquals(7, e.term());
        assertEquals(1234.5, e.mono("lease_ended_mono_ms"));
    }

    @Test
    void parsesQuotedValuesWithEscapes() {
        LogEvent e = LogParser.parse("<3>node=n2 event=error message=\"bad \\\"thing\\\" here\" mono_ms=5")
                .orElseThrow();
        assertEquals("bad \"thing\" here", e.field("message").orElseThrow());
    }

    @Test
    void ignoresLinesThatAreNotEvents() {
        assertTrue(LogParser.parse("OpenJDK 64-Bit Server VM warning: Sharing is only supported").isEmpty());
        assertTrue(LogParser.parse("\tat vigil.daemon.Vigild.main(Vigild.java:10)").isEmpty());
        assertTrue(LogParser.parse("<5>node=n1 event=ready").isEmpty(), "no mono_ms");
        assertTrue(LogParser.parse("").isEmpty());
    }
}
