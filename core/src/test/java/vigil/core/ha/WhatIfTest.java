package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static vigil.core.ha.HaFixture.*;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import vigil.core.election.Candidacy;

/** {@link WhatIf} and {@link vigil.core.election.Succession}: what losing nodes would do, by the nodes' own rules. */
class WhatIfTest {
    /** n1 leads and runs the primary; n2 level with it, n3 a megabyte behind. */
    static Situation steady() {
        return clusterWithPrimary().known("n2", 1, PRIMARY_LSN).known("n3", 1, PRIMARY_LSN - MB);
    }

    @Test
    void thePrimarysNodeFailsTheMostAdvancedStandbyLeadsAndPromotesOnlyWithAProof() {
        assertEquals(List.of("n2, n3 keep a majority (2 of 3 voters)",
                "n2 would be elected leader (it stands first and a majority would vote for it)",
                "n2 would wait in FENCING_REQUIRED: no proof that n1 cannot write (no armed watchdog announced, no fence"
                        + " agent, failover_without_fencing off); after making sure n1 is off: vigilctl confirm-down n1 --yes"),
                WhatIf.lose(steady().build(), ASYNC, Set.of("n1")));
        assertEquals("n2 would promote its PostgreSQL (timeline 2) once n1's lease has ended, on proof:"
                        + " failover_without_fencing accepts the risk",
                WhatIf.lose(steady().build(), WITHOUT_FENCING, Set.of("n1")).get(2));
    }

    @Test
    void aStandbyThatIsNoCandidateIsPassedOverAndTheNextLeads() {
        Situation e = steady().known("n2", new Candidacy(false, 1, PRIMARY_LSN));
        assertEquals(List.of("n2, n3 keep a majority (2 of 3 voters)",
                "passed over: n2 is no candidate (it reports itself not eligible)",
                "n3 would be elected leader (it stands first and a majority would vote for it)"),
                WhatIf.lose(e.build(), ASYNC, Set.of("n1")).subList(0, 3));
    }

    @Test
    void withoutAMajorityNobodyIsElectedAndAStandbysLossChangesNothing() {
        assertEquals(List.of("n3: no majority (1 of 3 voters, 2 needed): nobody is elected; a primary among them fences"
                + " itself when its lease ends"), WhatIf.lose(steady().build(), ASYNC, Set.of("n1", "n2")));
        assertEquals(List.of("n1, n2 keep a majority (2 of 3 voters)", "n1 keeps leading", "PostgreSQL stays primary on n1"),
                WhatIf.lose(steady().build(), ASYNC, Set.of("n3")));
    }
}
