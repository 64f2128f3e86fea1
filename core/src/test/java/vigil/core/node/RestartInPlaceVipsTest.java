package vigil.core.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.node.NodeFixture.LEASE_UNTIL;
import static vigil.core.node.NodeFixture.MARGIN;
import static vigil.core.node.NodeFixture.NOW;
import static vigil.core.node.NodeFixture.effectsOf;
import static vigil.core.node.NodeFixture.off;

import java.util.List;
import org.junit.jupiter.api.Test;
import vigil.core.ha.HaReason;
import vigil.core.ha.Outcome;
import vigil.core.ha.PgAction;
import vigil.core.ha.PgView;
import vigil.core.ha.SupervisorState;

/**
 * A crashed or hung primary restarted in place keeps the VIPs it holds (the postgres-crash benchmark: a released
 * address drops its clients' packets until it is claimed again after the restart), but only while its lease stays
 * valid beyond the margin and the restart goes on; VIPs it does not hold are never claimed meanwhile.
 */
class RestartInPlaceVipsTest {
    static final NodeConfig N1 = VipPlacementTest.N1;

    /** The primary of {@link #holdingLeader} hangs at {@code NOW}; its restart's fence ends, verified, at {@code at}. */
    static NodeDecision restartFenced(long at) {
        NodeDecision hung = Node.decide(N1, holdingLeader(0), new Input.Probed(NOW, PgView.hung()));
        long fence = effectsOf(hung, Effect.Fence.class).get(0).id();
        return Node.decide(N1, hung.next(), new Input.ActionEnded(at, fence, Outcome.OK));
    }

    /** The steady primary leader, holding the VIPs, with {@code restarts} crash restarts counted in the last minute. */
    static NodeState holdingLeader(int restarts) {
        NodeState s = VipPlacementTest.holding(NodeFixture.primaryLeader(off()));
        SupervisorState v = s.supervisor();
        SupervisorState.Work w = v.work();
        List<Long> times = java.util.Collections.nCopies(restarts, NOW - 1_000);
        SupervisorState.Work counted = new SupervisorState.Work(w.inFlight(), w.inFlightSince(), w.fencing(), times,
                w.failedActions(), w.retryAt(), w.checkpointPending(), w.startAfterFence(), w.stopping(), w.unfit(),
                w.syncApplied(), w.syncAppliedAt());
        SupervisorState withRestarts = new SupervisorState(v.local(), counted, v.rejoin(), v.probes(), v.durable(),
                v.boot(), v.why(), v.freeze(), v.handover(), v.order());
        return new NodeState(s.election(), withRestarts, s.executor(), s.watchdog(), s.stopping(), s.halted(), s.vips());
    }

    static long started(NodeDecision d, Class<? extends PgAction> kind) {
        Effect.Start start = effectsOf(d, Effect.Start.class).get(0);
        assertInstanceOf(kind, start.action(), d.effects().toString());
        return start.id();
    }

    /** Orphans of a killed postmaster: fenced, started again as the primary; the VIPs stay throughout. */
    @Test
    void aHungPrimaryKeepsItsVipsThroughTheFenceAndTheStart() {
        NodeDecision hung = Node.decide(N1, holdingLeader(0), new Input.Probed(NOW, PgView.hung()));
        assertEquals(HaReason.PRIMARY_CRASHED_RESTART, hung.next().supervisor().reason());
        Effect.Fence fence = effectsOf(hung, Effect.Fence.class).get(0);
        assertEquals(List.of(), effectsOf(hung, Effect.VipDown.class), "kept while it is fenced: " + hung.effects());
        assertEquals(VipState.Held.UP, hung.next().vips().held());

        NodeDecision fenced = Node.decide(N1, hung.next(), new Input.ActionEnded(NOW + 30, fence.id(), Outcome.OK));
        long start = started(fenced, PgAction.StartPrimary.class);
        assertEquals(List.of(), effectsOf(fenced, Effect.VipDown.class), "kept while it starts: " + fenced.effects());

        NodeState up = Node.decide(N1, fenced.next(), new Input.ActionEnded(NOW + 300, start, Outcome.OK)).next();
        NodeDecision back = Node.decide(N1, up, new Input.Probed(NOW + 301, NodeFixture.primary()));
        assertEquals(List.of(), effectsOf(back, Effect.VipDown.class));
        assertEquals(List.of(), effectsOf(back, Effect.VipUp.class), "still held: nothing to claim");
        assertEquals(VipState.Held.UP, back.next().vips().held());
    }

    /** A postmaster that exited with nothing left behind is started at once, the VIPs kept. */
    @Test
    void aStoppedPrimaryStartedAgainKeepsItsVips() {
        NodeDecision d = Node.decide(N1, holdingLeader(0), new Input.Probed(NOW, NodeFixture.stopped()));
        started(d, PgAction.StartPrimary.class);
        assertEquals(HaReason.PRIMARY_CRASHED_RESTART, d.next().supervisor().reason());
        assertEquals(List.of(), effectsOf(d, Effect.VipDown.class), d.effects().toString());
    }

    /** The last restart allowed is used up: the node stands down, and the VIPs go before the fence. */
    @Test
    void pastTheMigrationThresholdTheVipsGoFirst() {
        NodeDecision d = Node.decide(N1, holdingLeader(3), new Input.Probed(NOW, PgView.hung()));
        assertEquals(HaReason.MIGRATION_THRESHOLD_REACHED, d.next().supervisor().reason());
        assertEquals(0, NodeFixture.indexOf(d, Effect.VipDown.class), "released first: " + d.effects());
    }

    /** During the restart the lease comes within the margin of its end: the VIPs go, as at any other time. */
    @Test
    void aLeaseEndingDuringTheRestartTakesTheVips() {
        NodeDecision hung = Node.decide(N1, holdingLeader(0), new Input.Probed(NOW, PgView.hung()));
        NodeDecision late = Node.decide(N1, hung.next(), new Input.Tick(LEASE_UNTIL - MARGIN));
        assertEquals(1, effectsOf(late, Effect.VipDown.class).size(), late.effects().toString());
    }

    /** The start runs when the lease comes within the margin of its end: the VIPs go. */
    @Test
    void aLeaseEndingWhileTheStartRunsTakesTheVips() {
        NodeDecision fenced = restartFenced(NOW + 30);
        started(fenced, PgAction.StartPrimary.class);
        NodeDecision late = Node.decide(N1, fenced.next(), new Input.Tick(LEASE_UNTIL - MARGIN));
        assertEquals(1, effectsOf(late, Effect.VipDown.class).size(), late.effects().toString());
    }

    /**
     * The third restart's fence fails and the server is still hung: migration_threshold is reached, the node stands
     * down, and the fence it needs first is no restart: the VIPs go at once.
     */
    @Test
    void aStandDownAfterAFailedRestartFenceTakesTheVips() {
        NodeDecision hung = Node.decide(N1, holdingLeader(2), new Input.Probed(NOW, PgView.hung()));
        assertEquals(List.of(), effectsOf(hung, Effect.VipDown.class), "the third restart keeps them");
        long fence = effectsOf(hung, Effect.Fence.class).get(0).id();
        NodeDecision failed = Node.decide(N1, hung.next(), new Input.ActionEnded(NOW + 30, fence,
                Outcome.failed(Outcome.Failure.NOT_VERIFIED, "processes left")));
        NodeDecision d = failed.next().supervisor().reason() == HaReason.MIGRATION_THRESHOLD_REACHED ? failed
                : Node.decide(N1, failed.next(), new Input.Probed(NOW + 40, PgView.hung()));
        assertEquals(HaReason.MIGRATION_THRESHOLD_REACHED, d.next().supervisor().reason());
        assertFalse(d.next().supervisor().restartsPrimaryInPlace());
        assertEquals(0, NodeFixture.indexOf(d, Effect.VipDown.class), "released first: " + d.effects());
    }

    /**
     * A restart fence that fails is no restart any more: a server that then answers as the primary serves on, and a
     * later fence (for whatever cause) must not be taken for a restart in place, nor its start skip the count.
     */
    @Test
    void aFenceThatFailsEndsTheRestart() {
        NodeDecision hung = Node.decide(N1, holdingLeader(0), new Input.Probed(NOW, PgView.hung()));
        long fence = effectsOf(hung, Effect.Fence.class).get(0).id();
        NodeState answers = Node.decide(N1, hung.next(), new Input.Probed(NOW + 20, NodeFixture.primary())).next();
        NodeState back = Node.decide(N1, answers, new Input.ActionEnded(NOW + 30, fence,
                Outcome.failed(Outcome.Failure.NOT_VERIFIED, "processes left"))).next();
        assertFalse(back.supervisor().work().startAfterFence(), "no restart pending");
        assertFalse(back.supervisor().restartsPrimaryInPlace());
    }

    /** A claim under way when PostgreSQL crashes is released, not kept: only VIPs claimed and announced stay. */
    @Test
    void aClaimUnderWayIsReleased() {
        NodeState s = holdingLeader(0);
        VipState claiming = new VipState(VipState.Held.CLAIMING, NOW - 10, Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE);
        s = new NodeState(s.election(), s.supervisor(), s.executor(), s.watchdog(), false, false, claiming);
        NodeDecision hung = Node.decide(N1, s, new Input.Probed(NOW, PgView.hung()));
        assertEquals(0, NodeFixture.indexOf(hung, Effect.VipDown.class), hung.effects().toString());
    }

    /**
     * The lease guard fired (it removes the VIPs, then fences) and the lease was renewed meanwhile: the restart in
     * place that follows must claim the VIPs again once PostgreSQL answers, not keep the ones the guard took.
     */
    @Test
    void vipsTheLeaseGuardRemovedAreClaimedAgainAfterTheRestart() {
        // As bin/bench flapping saw it: the restart's fence ran and its start was under way when the guard's fence
        // (which took the VIPs first) reported; it cancelled that start and started again.
        NodeDecision fenced = restartFenced(NOW + 10);
        started(fenced, PgAction.StartPrimary.class);
        NodeDecision removed = Node.decide(N1, fenced.next(), new Input.VipGuardReleased(NOW + 12, VipGroup.PRIMARY,
                true, "removed by the lease guard"));
        assertEquals(VipState.Held.DOWN, removed.next().vips().held(), "the guard took them");
        NodeDecision guard = Node.decide(N1, removed.next(), new Input.ActionEnded(NOW + 15, Executor.GUARD_ID, Outcome.OK));
        NodeState s = guard.next();
        for (Effect.Start st : effectsOf(guard, Effect.Start.class)) {
            s = Node.decide(N1, s, new Input.ActionEnded(NOW + 300, st.id(), Outcome.OK)).next();
        }
        if (s.vips().checking()) s = Node.decide(N1, s, new Input.VipChecked(NOW + 301, true, "")).next();
        NodeDecision back = Node.decide(N1, s, new Input.Probed(NOW + 302, NodeFixture.primary()));
        assertEquals(1, effectsOf(back, Effect.VipUp.class).size(), "claimed again: " + back.effects() + " " + back.notes()
                + " " + back.next().vips());
    }

    /**
     * The guard's fence reports after its removal of the VIPs was told (in host order, {@link Input.VipGuardReleased}),
     * and possibly after the step released them itself, the lease came back and it claimed them again: that report
     * must not turn the claimed VIPs into "down", or a node that then stops leading never releases them.
     */
    @Test
    void theGuardsFenceReportLeavesVipsClaimedAgainAfterItsRemoval() {
        NodeState claimedAgain = holdingLeader(0);
        NodeDecision guard = Node.decide(N1, claimedAgain, new Input.ActionEnded(NOW + 5, Executor.GUARD_ID, Outcome.OK));
        assertEquals(VipState.Held.UP, guard.next().vips().held(), guard.notes().toString());
        NodeDecision partly = Node.decide(N1, claimedAgain, new Input.VipGuardReleased(NOW + 5, VipGroup.PRIMARY, false,
                "a VIP is still on eth0"));
        assertEquals(VipState.Held.UP, partly.next().vips().held(), "one is left: released when not wanted");
        assertTrue(partly.notes().stream().anyMatch(n -> n.contains("lease guard removed the VIPs")), partly.notes().toString());
    }

    /** VIPs this node did not hold when PostgreSQL crashed are not claimed while it is restarted. */
    @Test
    void vipsNotHeldAreNotClaimedDuringTheRestart() {
        NodeState s = holdingLeader(0);
        s = new NodeState(s.election(), s.supervisor(), s.executor(), s.watchdog(), false, false, VipState.DOWN);
        NodeDecision hung = Node.decide(N1, s, new Input.Probed(NOW, PgView.hung()));
        long fence = effectsOf(hung, Effect.Fence.class).get(0).id();
        NodeDecision fenced = Node.decide(N1, hung.next(), new Input.ActionEnded(NOW + 30, fence, Outcome.OK));
        assertTrue(effectsOf(hung, Effect.VipUp.class).isEmpty() && effectsOf(fenced, Effect.VipUp.class).isEmpty(),
                "no claim while PostgreSQL is down: " + hung.effects() + " " + fenced.effects());
    }
}
