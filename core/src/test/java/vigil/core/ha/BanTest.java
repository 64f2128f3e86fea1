package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.ha.HaFixture.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import vigil.core.election.Candidacy;

/** A banned node is never promoted nor handed the primary role; the record carries the ban to every leader. */
class BanTest {
    @Test
    void aBannedStandbyIsNoCandidateButItsPositionStillCounts() {
        Situation banned = following("n3", "n1", 5).pg(primaryIs("n1").withBan("n3", true));
        HaDecision d = tick(probed(standbyLagging(0)), banned, NOW);
        Candidacy c = candidacy(d);
        assertFalse(c.eligible(), "never promoted");
        assertEquals(PRIMARY_LSN, c.lsn(), "its position is still reported (it binds voters in synchronous mode)");
        assertEquals("banned by an operator (vigilctl unban n3)", Fitness.why(new HaStep(d.next(), banned.build(), ASYNC, NOW)));
        assertTrue(candidacy(tick(probed(standbyLagging(0)), following("n3", "n1", 5).pg(primaryIs("n1")), NOW)).eligible(),
                "unbanned, it is a candidate again");
    }

    @Test
    void aSwitchoverNeverGoesToABannedNode() {
        Situation s = clusterWithPrimary().pg(primaryIs("n1").withBan("n2", true)).known("n2", 1, PRIMARY_LSN)
                .known("n3", 1, PRIMARY_LSN - MB);
        SupervisorState primary = led(probed(primary(PRIMARY_LSN)));
        assertEquals("n2 is banned (vigilctl unban n2)", Switchover.refusal(primary, s.build(), ASYNC, "n2", NOW).refusal());
        assertEquals("n3", Switchover.refusal(primary, s.build(), ASYNC, null, NOW).target(),
                "the best standby that is not banned, though n2 is ahead");
    }

    @Test
    void theLeaderRecordsBansAndUnbans() {
        SupervisorState primary = led(probed(primary(PRIMARY_LSN)));
        HaDecision ban = decide(primary, clusterWithPrimary(), ASYNC, new HaObservation.Ban(NOW, "n3", true));
        assertEquals(List.of("n3"), recorded(ban).banned());
        HaDecision unban = decide(primary, clusterWithPrimary().pg(primaryIs("n1").withBan("n3", true)), ASYNC,
                new HaObservation.Ban(NOW, "n3", false));
        assertEquals(List.of(), recorded(unban).banned());
    }
}
