package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static vigil.core.ha.HaFixture.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import vigil.core.election.Voter;

/**
 * Why a node is not a candidate, as {@code vigilctl status} shows it ({@link Supervisor#whyNotCandidate}): the rule
 * that withdrew the candidacy, with its cause, and nothing when the node is one. The reason and the candidacy come
 * from one assessment, so status never says "candidate" of a node the election was told is not one, or the reverse.
 */
class FitnessTest {
    private static String why(SupervisorState s, Situation e, HaPolicy p) {
        return Supervisor.whyNotCandidate(s, e.build(), p, NOW);
    }

    private static boolean eligible(SupervisorState s, Situation e, HaPolicy p) {
        return Fitness.candidacy(new HaStep(s, e.build(), p, NOW)).eligible();
    }

    @Test
    void aStreamingStandbyWithinMaxLagIsACandidateAndStatusSaysNothing() {
        Situation e = following("n2", "n1", 5).pg(primaryIs("n1")).known("n1", 1, PRIMARY_LSN);
        assertNull(why(probed(standbyLagging(MB)), e, ASYNC));
    }

    @Test
    void aStandbyTooFarBehindSaysHowFarAndTheLimit() {
        Situation e = following("n2", "n1", 5).pg(primaryIs("n1")).known("n1", 1, PRIMARY_LSN);
        assertEquals((MAX_LAG + MB) + " bytes behind n1's last reported position, more than max_lag_on_failover ("
                + MAX_LAG + " bytes)", why(probed(standbyLagging(MAX_LAG + MB)), e, ASYNC));
    }

    @Test
    void inSynchronousModeAStandbyOutsideTheSetNamesTheSet() {
        Situation e = following("n3", "n1", 5).pg(primaryIs("n1").withSync(List.of("n2"))).known("n1", 1, PRIMARY_LSN);
        assertEquals("not in the synchronous set [n2]", why(probed(standbyLagging(0)), e, SYNC));
        assertNull(why(probed(standbyLagging(0)), e, ASYNC), "the set binds only in synchronous mode");
    }

    @Test
    void aStoppedStandbyAnotherTimelineAndARewindEachNameTheirCause() {
        Situation e = following("n3", "n2", 6).pg(promotedN2());
        assertEquals("PostgreSQL is stopped, not a running standby", why(probed(stoppedCluster()), e, ASYNC));
        assertEquals("on timeline 1, the primary's is 2", why(probed(standby(1, FORK_LSN, true, "n2")), e, ASYNC));
        assertEquals("it must rewind first: its history may have forked from n2's",
                why(withDurable(probed(standby(2, FORK_LSN, true, "n2")), new HaDurable(true, "", 0)), e, ASYNC));
    }

    @Test
    void aWitnessAndABannedNodeSaySo() {
        Situation witness = following("n3", "n1", 5).pg(primaryIs("n1"))
                .voters(List.of(Voter.data("n1"), Voter.data("n2"), Voter.witness("n3")));
        assertEquals("a witness: it holds no PostgreSQL", why(probed(stoppedCluster()), witness, ASYNC));
        Situation banned = following("n3", "n1", 5).pg(primaryIs("n1").withBan("n3", true));
        assertEquals("banned by an operator (vigilctl unban n3)", why(probed(standbyLagging(0)), banned, ASYNC));
    }

    @Test
    void theRecordedPrimaryIsACandidateWhileItRunsOrHoldsItsData() {
        assertNull(why(led(probed(primary(PRIMARY_LSN))), clusterWithPrimary(), ASYNC));
        assertNull(why(probed(stoppedFormerPrimary()), restartedPrimary(), ASYNC), "stopped, its data is a lower bound");
        assertEquals("the recorded primary, but PostgreSQL is hung", why(probed(hung()), restartedPrimary(), ASYNC));
    }

    /** Over every view and situation the fixtures offer: a reason exactly when the candidacy is withdrawn. */
    @Test
    void aReasonIsGivenExactlyWhenTheCandidacyIsWithdrawn() {
        List<PgView> views = List.of(primary(PRIMARY_LSN), standbyLagging(0), standbyLagging(MAX_LAG + 1),
                standby(2, FORK_LSN, true, "n2"), stoppedCluster(), stoppedFormerPrimary(), foreignCluster(),
                emptyDataDir(), hung(), failing());
        List<java.util.function.Supplier<Situation>> situations = List.of(HaFixture::clusterWithPrimary,
                HaFixture::newLeaderAfterPrimaryLost, HaFixture::promotingLeader, () -> followerOfNewPrimary("n3"),
                HaFixture::restartedPrimary, () -> following("n3", "n1", 5).pg(primaryIs("n1")).known("n1", 1, PRIMARY_LSN),
                () -> following("n3", "n1", 5).pg(primaryIs("n1").withSync(List.of("n2"))),
                () -> following("n3", null, 0), () -> following("n3", "n1", 5).pg(primaryIs("n1").withBan("n3", true)));
        int withdrawn = 0;
        int given = 0;
        for (PgView v : views) {
            for (var situation : situations) {
                for (HaPolicy p : List.of(ASYNC, SYNC)) {
                    SupervisorState s = probed(v);
                    boolean fit = eligible(s, situation.get(), p);
                    String reason = why(s, situation.get(), p);
                    assertEquals(fit, reason == null, v + " in " + situation.get().build().durable().record()
                            + ": eligible " + fit + ", reason " + reason);
                    if (fit) given++;
                    else withdrawn++;
                }
            }
        }
        // both halves were exercised: the grid is not all one answer
        assertEquals(true, withdrawn > 20 && given > 10, withdrawn + " withdrawn, " + given + " given");
    }
}
