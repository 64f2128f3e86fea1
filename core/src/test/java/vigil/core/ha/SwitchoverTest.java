package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.ha.HaFixture.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import vigil.core.election.Candidacy;
import vigil.core.election.Observation;
import vigil.core.election.Report;

/** {@link Switchover}: refused when unsafe, then CHECKPOINT, clean stop, wait for the target, hand over; or abort. */
class SwitchoverTest {
    /** Where the stopped primary's WAL ends: its shutdown checkpoint, just past its last position. */
    static final long END = PRIMARY_LSN + 0x98;

    /** n1 leads and runs the primary; n2 is level with it, n3 a little behind; both acknowledge. */
    static Situation steady() {
        return clusterWithPrimary().known("n2", 1, PRIMARY_LSN).known("n3", 1, PRIMARY_LSN - MB);
    }

    static SupervisorState primaryNode() {
        return led(probed(primary(PRIMARY_LSN)));
    }

    static HaObservation ask(String target) {
        return new HaObservation.Switchover(NOW, target, "alice");
    }

    static String refusal(Situation e, String target) {
        return Switchover.refusal(primaryNode(), e.build(), ASYNC, target, NOW).refusal();
    }

    static PgView stoppedAt(long lsn, boolean known) {
        return stoppedFormerPrimary().withPosition(new PgView.Position(1, lsn, known));
    }

    @Test
    void anUnsafeSwitchoverIsRefusedWithItsCause() {
        assertEquals("this node does not lead; run it on the leader (n1)",
                Switchover.refusal(probed(standbyLagging(0)), following("n2", "n1", 5).pg(primaryIs("n1")).build(),
                        ASYNC, "n3", NOW).refusal());
        assertEquals("n2 has not acknowledged this leader within a lease",
                refusal(leading("n1", 5).pg(primaryIs("n1")).acked("n3").known("n2", 1, PRIMARY_LSN), "n2"));
        assertEquals("n3 is " + (MAX_LAG + 1) + " bytes behind (max_lag_on_failover " + MAX_LAG + ")",
                refusal(steady().known("n3", 1, PRIMARY_LSN - MAX_LAG - 1), "n3"));
        assertEquals("n3 is on timeline 2, the primary on 1", refusal(steady().known("n3", 2, PRIMARY_LSN), "n3"));
        assertEquals("n1 is this node, the primary already", refusal(steady(), "n1"));
        assertTrue(refusal(steady(), "n9").startsWith("n9 is not a member of this cluster (members: n1, n2, n3)"));
        assertEquals("n2 reports itself not a candidate (see vigilctl status on n2)",
                refusal(steady().known("n2", new Candidacy(false, 1, PRIMARY_LSN)), "n2"));
        assertEquals("this node's lease is not valid beyond the self-fence margin (no quorum acknowledges it)",
                refusal(steady().leaseUntil(NOW + MARGIN - 1), "n2"));
        assertTrue(refusal(leading("n1", 5).pg(primaryIs("n1")), null).startsWith("no standby can take over: "
                + "n2 has not acknowledged this leader within a lease; n3 has not"), refusal(leading("n1", 5).pg(primaryIs("n1")), null));
        String sync = Switchover.refusal(primaryNode(), steady().build(), SYNC, "n3", NOW).refusal();
        assertEquals("n3 is not in the synchronous set []", sync);
        SupervisorState busy = Supervisor.decide(primaryNode(), steady().build(), ASYNC, ask("n2")).next();
        assertEquals("a switchover to n2 is already under way",
                Switchover.refusal(busy, steady().build(), ASYNC, "n3", NOW).refusal());
    }

    @Test
    void withoutATargetTheMostAdvancedStandbyIsChosen() {
        Supervisor.Verdict v = Switchover.refusal(primaryNode(), steady().build(), ASYNC, null, NOW);
        assertNull(v.refusal());
        assertEquals("n2", v.target());
        assertEquals("n3", Switchover.refusal(primaryNode(), steady().known("n3", 1, PRIMARY_LSN + 8).build(), ASYNC,
                null, NOW).target());
    }

    @Test
    void checkpointThenCleanStopThenWaitForTheTargetThenHandOver() {
        Situation e = steady();
        HaDecision asked = decide(primaryNode(), e, ASYNC, ask("n2"));
        assertEquals(List.of(new PgAction.Checkpoint()), asked.actions(), "a CHECKPOINT while writes go on");
        assertEquals(HaReason.SWITCHOVER, reason(asked));
        HaDecision checkpointed = done(asked.next(), e, new PgAction.Checkpoint(), Outcome.OK, NOW + 50);
        assertEquals(List.of(new PgAction.StopFast()), checkpointed.actions());
        HaDecision stopped = done(checkpointed.next(), e, new PgAction.StopFast(), Outcome.OK, NOW + 150);
        HaDecision controlFile = probe(stopped.next(), e, stoppedAt(PRIMARY_LSN - 4 * MB, false), NOW + 160);
        assertEquals(new Why(HaReason.SWITCHOVER, "n2", "PostgreSQL stopped; reading where its WAL ends"), why(controlFile));
        HaDecision walEnd = probe(controlFile.next(), e, stoppedAt(END, true), NOW + 260);
        assertEquals(new Candidacy(true, 1, END, true), candidacy(walEnd),
                "still a candidate at its end: voters refuse anyone without all of it, and it stands again if need be");
        assertFalse(resigns(walEnd), "n2 has not reported the shutdown checkpoint yet");
        assertEquals(new Why(HaReason.SWITCHOVER, "n2", "waiting for it to receive everything up to 0/4000098"), why(walEnd));
        assertTrue(walEnd.electionInputs().contains(new Observation.HeartbeatNow(NOW + 260)),
                "it asks for the target's position now, not at the next heartbeat interval");
        HaDecision received = tick(walEnd.next(), e.known("n2", 1, END), NOW + 270);
        assertFalse(resigns(received), "the VIPs go first");
        assertEquals(new Why(HaReason.SWITCHOVER, "n2", "it received everything up to 0/4000098; releasing the VIPs"),
                why(received));
        assertTrue(received.next().handover().awaitsVips());
        HaDecision released = decide(received.next(), e, ASYNC, new HaObservation.VipsReleased(NOW + 280));
        assertTrue(released.electionInputs().contains(new Observation.Resign(NOW + 280, "n2")), released.electionInputs().toString());
        assertEquals(new Why(HaReason.SWITCHOVER, "n2", "it received everything up to 0/4000098; the VIPs are released;"
                + " leadership handed to it"), why(released));
        assertTrue(released.actions().isEmpty(), "nothing is started again");
    }

    @Test
    void vipsThatDoNotGoEndTheSwitchover() {
        Situation e = steady().known("n2", 1, END).leaseUntil(NOW + 60_000);
        SupervisorState releasing = chain(primaryNode(), e, ask("n2"),
                new HaObservation.ActionDone(NOW + 50, new PgAction.Checkpoint(), Outcome.OK),
                new HaObservation.ActionDone(NOW + 150, new PgAction.StopFast(), Outcome.OK),
                new HaObservation.Probed(NOW + 160, stoppedAt(END, true))).get(3).next();
        assertTrue(releasing.handover().awaitsVips());
        assertEquals(HaReason.SWITCHOVER, reason(tick(releasing, e, NOW + 159 + Switchover.RELEASE_MS)));
        HaDecision stuck = tick(releasing, e, NOW + 160 + Switchover.RELEASE_MS);
        assertEquals(new Why(HaReason.SWITCHOVER_ABORTED, "n2", "the VIPs were not released within 1000 ms"), why(stuck));
        assertFalse(resigns(stuck));
    }

    @Test
    void aTargetThatDoesNotCatchUpEndsTheSwitchoverAndThePrimaryStartsAgain() {
        Situation e = steady().leaseUntil(NOW + 2 * Switchover.CATCH_UP_MS); // renewed all along
        SupervisorState s = chain(primaryNode(), e, ask("n2"),
                new HaObservation.ActionDone(NOW + 50, new PgAction.Checkpoint(), Outcome.OK),
                new HaObservation.ActionDone(NOW + 150, new PgAction.StopFast(), Outcome.OK),
                new HaObservation.Probed(NOW + 160, stoppedAt(END, true))).get(3).next();
        HaDecision late = tick(s, e, NOW + 160 + Switchover.CATCH_UP_MS);
        assertEquals(HaReason.SWITCHOVER_ABORTED, reason(late));
        assertEquals("n2 did not receive everything up to 0/4000098 within 2 s of the stop (it reports 1 0/4000000)",
                why(late).detail());
        assertEquals(HaReason.SWITCHOVER, reason(tick(s, e, NOW + 159 + Switchover.CATCH_UP_MS)), "not a moment sooner");
        assertFalse(resigns(late));
        HaDecision next = tick(late.next(), e, NOW + 160 + Switchover.CATCH_UP_MS + 1);
        assertEquals(1, actionsOf(next, PgAction.StartPrimary.class).size(), "still the leader: the primary again");
        assertEquals(HaReason.START_PRIMARY, reason(next), "a start, not a crash restart");
        assertTrue(next.next().restarts().isEmpty());
    }

    @Test
    void aWalEndThatCannotBeReadEndsTheSwitchover() {
        Situation e = steady().leaseUntil(NOW + 60_000);
        SupervisorState s = chain(primaryNode(), e, ask("n2"),
                new HaObservation.ActionDone(NOW + 50, new PgAction.Checkpoint(), Outcome.OK),
                new HaObservation.ActionDone(NOW + 150, new PgAction.StopFast(), Outcome.OK),
                new HaObservation.Probed(NOW + 160, stoppedAt(END, false))).get(3).next();
        assertEquals(HaReason.SWITCHOVER, reason(tick(s, e, NOW + 159 + Switchover.CATCH_UP_MS)));
        HaDecision d = tick(s, e, NOW + 160 + Switchover.CATCH_UP_MS);
        assertEquals(new Why(HaReason.SWITCHOVER_ABORTED, "n2", "where PostgreSQL's WAL ends could not be read within 2 s"
                + " of the stop"), why(d));
        assertEquals(List.of(new PgAction.StartPrimary(null)), tick(d.next(), e, NOW + 161 + Switchover.CATCH_UP_MS).actions());
    }

    @Test
    void aFailedShutdownEndsTheSwitchover() {
        Situation e = steady();
        SupervisorState s = chain(primaryNode(), e, ask("n2"),
                new HaObservation.ActionDone(NOW + 50, new PgAction.Checkpoint(), Outcome.OK)).get(1).next();
        HaDecision failed = done(s, e, new PgAction.StopFast(), failed(Outcome.Failure.TIMEOUT), NOW + 200);
        assertEquals(HaReason.SWITCHOVER_ABORTED, reason(failed));
        assertNull(failed.next().handover());
    }

    /**
     * Measured on the namespace rig: with the target's host cut off, the shutdown waited for its walsender (until
     * wal_sender_timeout, a minute) and writes stayed stopped all along. A shutdown that outlasts STOP_MS, or whose
     * target stops acknowledging, is cut short by the fence; the primary is then started again.
     */
    @Test
    void aShutdownThatHangsOrWhoseTargetVanishesIsKilledAndThePrimaryStartedAgain() {
        Situation e = steady().leaseUntil(NOW + 60_000);
        SupervisorState stopping = chain(primaryNode(), e, ask("n2"),
                new HaObservation.ActionDone(NOW + 50, new PgAction.Checkpoint(), Outcome.OK)).get(1).next();
        assertTrue(stopping.inFlight() instanceof PgAction.StopFast);
        assertTrue(tick(stopping, e, NOW + 49 + Switchover.STOP_MS).actions().isEmpty(), "within the bound: it waits");
        HaDecision hung = tick(stopping, e, NOW + 50 + Switchover.STOP_MS);
        assertTrue(fences(hung));
        assertEquals(HaReason.SWITCHOVER_ABORTED, reason(hung));
        assertTrue(why(hung).detail().startsWith("the clean shutdown did not end within 3 s"), why(hung).detail());
        HaDecision gone = tick(stopping, leading("n1", 5).pg(primaryIs("n1")).acked("n3").known("n2", 1, PRIMARY_LSN)
                .leaseUntil(NOW + 60_000), NOW + 500);
        assertTrue(fences(gone), "n2 no longer acknowledges: no reason to wait");
        assertEquals("n2 stopped acknowledging this leader while PostgreSQL shut down: PostgreSQL killed, to start"
                + " again as the primary", why(gone).detail());
        HaDecision killed = done(hung.next(), e, new PgAction.Fence(), Outcome.OK, NOW + 60 + Switchover.STOP_MS);
        assertEquals(List.of(new PgAction.StartPrimary(null)), killed.actions(), "killed: started again at once");
        assertEquals(HaReason.START_PRIMARY, reason(killed), "a start, not a crash restart");
    }

    @Test
    void aTargetThatFallsAwayBeforeTheStopEndsTheSwitchoverWithPostgresStillServing() {
        HaDecision asked = decide(primaryNode(), steady(), ASYNC, ask("n2"));
        HaDecision checkpointed = done(asked.next(), clusterWithPrimary().acked("n3").known("n3", 1, PRIMARY_LSN),
                new PgAction.Checkpoint(), Outcome.OK, NOW + 50);
        // n2 went silent: no fresh acknowledgement any more
        HaDecision d = done(asked.next(), leading("n1", 5).pg(primaryIs("n1")).acked("n3").known("n2", 1, PRIMARY_LSN),
                new PgAction.Checkpoint(), Outcome.OK, NOW + 50);
        assertEquals(new Why(HaReason.SWITCHOVER_ABORTED, "n2", "n2 has not acknowledged this leader within a lease"), why(d));
        assertTrue(d.actions().isEmpty(), "PostgreSQL was never stopped");
        assertNotNull(checkpointed);
    }

    @Test
    void afterTheHandOverTheOldPrimaryStaysOutOfTheRunningUntilTheNewOneIsRecorded() {
        Situation e = steady().known("n2", 1, END);
        SupervisorState handedOver = chain(primaryNode(), e, ask("n2"),
                new HaObservation.ActionDone(NOW + 50, new PgAction.Checkpoint(), Outcome.OK),
                new HaObservation.ActionDone(NOW + 150, new PgAction.StopFast(), Outcome.OK),
                new HaObservation.Probed(NOW + 160, stoppedAt(END, true)),
                new HaObservation.VipsReleased(NOW + 170)).get(4).next();
        assertTrue(handedOver.handover().resignedAt() > 0);
        Situation resigned = following("n1", null, 5).pg(primaryIs("n1")).ledIn("n1", 5);
        HaDecision waiting = tick(handedOver, resigned, NOW + 1000);
        assertTrue(waiting.actions().isEmpty(), "the primary is not started again while n2 takes over");
        assertNotNull(waiting.next().handover());
        HaDecision recorded = tick(handedOver, following("n1", "n2", 6).pg(primaryIs("n2").withPrimary("n2", "n1")), NOW + 1000);
        assertNotNull(recorded.next().handover(), "kept until it rejoined: it proves that no rewind is needed");
        HaDecision tooLong = tick(handedOver, resigned, NOW + 170 + Switchover.HANDED_OVER_MS);
        assertEquals(HaReason.SWITCHOVER_ABORTED, reason(tooLong));
        assertEquals(n2DidNotTakeOver(), why(tooLong).detail());
    }

    static String n2DidNotTakeOver() {
        return "n2 did not take over within 10 s of the resignation";
    }

    /** {@code s}, having handed over to n2 as the recorded primary of {@code timeline}. */
    static SupervisorState handedOver(SupervisorState s, long timeline) {
        return new SupervisorState(s.local(), s.work(), s.rejoin(), s.probes(), s.durable(), s.boot(), s.why(), s.freeze(),
                new SupervisorState.Handover("n2", NOW - 1_000, "alice", true, NOW - 900, NOW - 850, true, NOW - 800, timeline));
    }

    @Test
    void theOldPrimaryFollowsWithoutARewindWhenItsWalEndsAtTheFork() {
        Situation after = followerOfNewPrimary("n1");
        SupervisorState old = handedOver(withDurable(probed(stoppedAt(FORK_LSN, true)), new HaDurable(true, "", 0)), 1);
        HaDecision d = tick(old, after, NOW);
        assertEquals(List.of(new PgAction.StartStandby("n2")), d.actions());
        assertFalse(d.next().durable().needsRewind(), "nothing left the primary's history");
        assertEquals("its WAL ends at 0/3C00000, where n2's timeline 2 forked or before: no rewind needed", why(d).detail());
        HaDecision past = tick(handedOver(withDurable(probed(stoppedAt(FORK_LSN + 1, true)), new HaDurable(true, "", 0)), 1),
                after, NOW);
        assertEquals(1, actionsOf(past, PgAction.Rewind.class).size(), "one byte past the fork: rewind");
        HaDecision unknown = tick(handedOver(withDurable(probed(stoppedAt(FORK_LSN, false)), new HaDurable(true, "", 0)), 1),
                after, NOW);
        assertEquals(1, actionsOf(unknown, PgAction.Rewind.class).size(), "where the WAL ends is not known: rewind");
        // A timeline number alone names no history: two promotions can both pick timeline 2. Only the node that handed
        // over, on the timeline it was the recorded primary of, knows its WAL is the cluster's.
        HaDecision stranger = tick(withDurable(probed(stoppedAt(FORK_LSN, true)), new HaDurable(true, "", 0)), after, NOW);
        assertEquals(1, actionsOf(stranger, PgAction.Rewind.class).size(), "no hand-over remembered: rewind");
        HaDecision otherLine = tick(handedOver(withDurable(probed(stoppedAt(FORK_LSN, true)), new HaDurable(true, "", 0)), 3),
                after, NOW);
        assertEquals(1, actionsOf(otherLine, PgAction.Rewind.class).size(), "handed over on another timeline: rewind");
        HaDecision probedAgain = probe(d.next(), after, stoppedAt(FORK_LSN, true), NOW + 100);
        assertFalse(probedAgain.next().durable().needsRewind(), "a later probe of the same disk does not set it again");
        assertEquals(Report.PgSafety.STOPPED, probedAgain.next().local().knowledge());
    }
}
