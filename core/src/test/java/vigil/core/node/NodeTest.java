package vigil.core.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.node.NodeFixture.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import vigil.core.election.ClusterRecord;
import vigil.core.election.Electorate;
import vigil.core.election.Durable;
import vigil.core.election.Event;
import vigil.core.election.Message;
import vigil.core.election.Reason;
import vigil.core.election.Report;
import vigil.core.election.Report.PgSafety;
import vigil.core.election.Role;
import vigil.core.ha.HaDurable;
import vigil.core.ha.HaReason;
import vigil.core.ha.Outcome;
import vigil.core.ha.PgAction;
import vigil.core.ha.PgView;

/**
 * The node step ({@link Node#decide}): the executor's rules (one action at a time, the fence first and preempting,
 * deadlines, writable actions waiting for the watchdog), the watchdog rule (armed and kept alive only under a lease
 * that covers a reset, closed only when PostgreSQL is proven unable to write and the node does not lead), the lease
 * guard, the planned stop, and the report peers hear.
 */
class NodeTest {
    static final NodeConfig N1 = config("n1", WatchdogConfig.OFF);
    static final NodeConfig N2 = config("n2", WatchdogConfig.OFF);

    static NodeDecision step(NodeConfig c, NodeState s, Input in) {
        return Node.decide(c, s, in);
    }

    // ---- the executor --------------------------------------------------------------------------------------

    @Test
    void theFenceComesFirstBeforeAnyFsyncAndCancelsTheRunningAction() {
        NodeDecision promote = step(N2, aboutToPromote(off()), new Input.Tick(NOW));
        Effect.Start start = effectsOf(promote, Effect.Start.class).get(0);
        assertEquals(new PgAction.Promote(null), start.action());
        // A newer term arrives: n2 steps down (its new term must be fsynced) and must fence at once.
        NodeDecision d = step(N2, promote.next(), new Input.Received(NOW + 10, "n3", new Message.Stale(9)));
        assertEquals(start.id(), assertInstanceOf(Effect.Cancel.class, d.effects().get(0)).id());
        assertInstanceOf(Effect.Fence.class, d.effects().get(1));
        assertTrue(indexOf(d, Effect.Persist.class) > 1, "the fence is not queued behind the fsync: " + d.effects());
        assertNull(d.next().executor().running());
        assertEquals(HaReason.SELF_FENCE, d.next().supervisor().reason());
    }

    @Test
    void aRunningActionPastItsDeadlineIsCancelledAndSeenAsATimeout() {
        NodeConfig n3 = new NodeConfig(config("n3", WatchdogConfig.OFF).electorate(), POLICY, WatchdogConfig.OFF,
                new ActionLimits(60_000, 15_000, 30_000, 300_000, 60_000, 15_000, 500));
        NodeState s = node(follower("n3", "n2", 6, primaryIs("n2")), seeing(stopped(), true), off());
        NodeDecision rewind = step(n3, s, new Input.Tick(NOW));
        Effect.Start start = effectsOf(rewind, Effect.Start.class).get(0);
        assertEquals(NOW + 60_000, start.deadlineAt());
        NodeDecision late = step(n3, rewind.next(), new Input.Tick(NOW + 60_000));
        assertEquals(start.id(), assertInstanceOf(Effect.Cancel.class, late.effects().get(0)).id());
        assertNull(late.next().executor().running());
        assertNull(late.next().supervisor().inFlight());
        // A timeout is a passing failure: the rewind is retried, never replaced by a re-clone.
        assertEquals(1, late.next().supervisor().rejoin().rewindRetries());
        // n2 still leads: its heartbeat arrives, then the probe that allows the retry.
        ClusterRecord record = late.next().election().durable().record();
        NodeState heard = step(n3, late.next(), new Input.Received(NOW + 60_450, "n2",
                new Message.Heartbeat(6, 900, record, Map.of(), Map.of()))).next();
        NodeDecision retry = step(n3, heard, new Input.Probed(NOW + 60_500, stopped()));
        Effect.Start second = effectsOf(retry, Effect.Start.class).get(0);
        assertEquals(new PgAction.Rewind("n2", SYSTEM), second.action());
        assertEquals(HaReason.REWIND_RETRY, retry.next().supervisor().reason());
        // The cancelled first attempt reports its end late: it is not taken for the second one.
        NodeDecision stale = step(n3, retry.next(), new Input.ActionEnded(NOW + 60_600, start.id(), Outcome.OK));
        assertEquals(second.id(), stale.next().executor().running().id());
        assertEquals(retry.next().supervisor(), stale.next().supervisor());
    }

    @Test
    void aFenceNotVerifiedByItsDeadlineIsStartedAgain() {
        NodeState s = node(follower("n1", "n2", 6, primaryIs("n2")), seeing(primary()), off());
        NodeDecision fence = step(N1, s, new Input.Tick(NOW));
        Effect.Fence first = effectsOf(fence, Effect.Fence.class).get(0);
        assertEquals(NOW + ActionLimits.DEFAULT.fenceMs(), first.deadlineAt());
        NodeDecision again = step(N1, fence.next(), new Input.Tick(first.deadlineAt()));
        List<Effect.Fence> fences = effectsOf(again, Effect.Fence.class);
        assertEquals(1, fences.size());
        assertTrue(fences.get(0).id() != first.id());
    }

    @Test
    void theLateEndOfACancelledActionChangesNothing() {
        NodeDecision promote = step(N2, aboutToPromote(off()), new Input.Tick(NOW));
        long id = effectsOf(promote, Effect.Start.class).get(0).id();
        NodeState fencing = step(N2, promote.next(), new Input.Received(NOW + 10, "n3", new Message.Stale(9))).next();
        NodeDecision late = step(N2, fencing, new Input.ActionEnded(NOW + 20, id, Outcome.OK));
        assertEquals(fencing.supervisor(), late.next().supervisor());
    }

    @Test
    void theNeedToRewindIsWrittenBeforeThePromoteStarts() {
        NodeDecision d = step(N2, aboutToPromote(off()), new Input.Tick(NOW));
        int persist = indexOf(d, Effect.Persist.class);
        assertTrue(persist >= 0 && persist < indexOf(d, Effect.Start.class), d.effects().toString());
        assertTrue(effectsOf(d, Effect.Persist.class).get(0).ha().needsRewind());
    }

    // ---- writable actions and the watchdog -------------------------------------------------------------------

    @Test
    void aPromoteWaitsUntilTheWatchdogIsArmed() {
        NodeConfig c = config("n2", WATCHDOG);
        NodeDecision d = step(c, aboutToPromote(disarmed()), new Input.Tick(NOW));
        assertEquals(List.of(new Effect.ArmWatchdog(1_000, LEASE_UNTIL - WATCHDOG.effectiveMs() - Node.KICK_GUARD_MS)), effectsOf(d, Effect.ArmWatchdog.class));
        assertEquals(List.of(), effectsOf(d, Effect.Start.class));
        assertFalse(d.next().executor().running().started());
        NodeDecision armed = step(c, d.next(), new Input.WatchdogArmed(NOW + 5, true, ""));
        Effect.Start start = effectsOf(armed, Effect.Start.class).get(0);
        assertEquals(new PgAction.Promote(null), start.action());
        assertEquals(NOW + 5 + ActionLimits.DEFAULT.promoteMs(), start.deadlineAt());
    }

    @Test
    void aPromoteIsRefusedWhenTheRequiredWatchdogCannotBeArmed() {
        NodeConfig c = config("n2", REQUIRED);
        NodeState waiting = step(c, aboutToPromote(disarmed()), new Input.Tick(NOW)).next();
        NodeDecision failed = step(c, waiting, new Input.WatchdogArmed(NOW + 5, false, "no such device"));
        assertEquals(List.of(), effectsOf(failed, Effect.Start.class));
        assertNull(failed.next().executor().running());
        assertNull(failed.next().supervisor().inFlight());
        assertEquals(WatchdogState.Status.FAILED, failed.next().watchdog().status());
        NodeState probed = step(c, failed.next(), new Input.Probed(NOW + 100, standbyOf("n1"))).next();
        assertFalse(probed.election().own().eligible(), "a running standby, but it must not become primary anywhere");
        NodeDecision later = step(c, probed, new Input.Tick(NOW + 600)); // past the back-off, lease still valid
        assertEquals(List.of(), effectsOf(later, Effect.Start.class), "but the executor refuses without a watchdog");
    }

    @Test
    void aPromoteStartsWithoutAWatchdogInAutoModeWhenArmingFails() {
        NodeConfig c = config("n2", WATCHDOG);
        NodeState waiting = step(c, aboutToPromote(disarmed()), new Input.Tick(NOW)).next();
        NodeDecision d = step(c, waiting, new Input.WatchdogArmed(NOW + 5, false, "no such device"));
        assertEquals(new PgAction.Promote(null), effectsOf(d, Effect.Start.class).get(0).action());
        assertEquals(0, d.next().election().ownReport().watchdogMs(), "no watchdog proof is offered");
    }

    @Test
    void theWatchdogIsKeptAliveOnlyWhileTheLeaseCoversAReset() {
        NodeConfig c = config("n1", WATCHDOG);
        long lastCovered = LEASE_UNTIL - WATCHDOG.effectiveMs() - Node.KICK_GUARD_MS - 1;
        NodeDecision covered = step(c, primaryLeader(armed(NOW - 100)), new Input.Tick(lastCovered));
        assertEquals(List.of(new Effect.KickWatchdog(LEASE_UNTIL - WATCHDOG.effectiveMs() - Node.KICK_GUARD_MS)),
                effectsOf(covered, Effect.KickWatchdog.class));
        NodeDecision uncovered = step(c, primaryLeader(armed(NOW - 100)), new Input.Tick(lastCovered + 1));
        assertEquals(List.of(), effectsOf(uncovered, Effect.KickWatchdog.class));
    }

    /**
     * A leader cut off from its peers (no renewal): its keep-alives stop, and the device could fire as early as the
     * last one plus the timeout. Its self-fence must begin with room to finish before that instant, or every
     * isolated leader with an ordinary fence would be rebooted (seen in CI with a margin of one heartbeat).
     */
    @Test
    void anIsolatedLeaderFencesWithRoomBeforeItsWatchdogCouldFire() {
        long heartbeat = TIMING.heartbeatMs(); // the daemon's margin without a watchdog
        NodeConfig c = new NodeConfig(new Electorate("n1", THREE, TIMING), POLICY.withSelfFenceMarginMs(heartbeat),
                WATCHDOG, ActionLimits.DEFAULT);
        NodeState s = withExecutor(primaryLeader(armed(NOW - 100)), Executor.IDLE);
        long lastKick = -1;
        long fenceAt = -1;
        for (long t = NOW; t < LEASE_UNTIL && fenceAt < 0; t += Node.KICK_EVERY_MS) {
            NodeDecision d = step(c, s, new Input.Tick(t));
            s = d.next();
            if (!effectsOf(d, Effect.KickWatchdog.class).isEmpty()) lastKick = t;
            if (!effectsOf(d, Effect.Fence.class).isEmpty()) fenceAt = t;
        }
        assertTrue(lastKick > 0 && fenceAt > lastKick, "kicks, then the fence: " + lastKick + ", " + fenceAt);
        long earliestReset = lastKick + WATCHDOG.timeoutMs();
        assertTrue(fenceAt + NodeConfig.FENCE_ROOM_MS <= earliestReset, "the fence began at " + fenceAt
                + ", the device may fire at " + earliestReset + ": less than " + NodeConfig.FENCE_ROOM_MS + " ms");
        assertEquals(NodeConfig.FENCE_ROOM_MS + WATCHDOG.slackMs() + Node.KICK_GUARD_MS + Node.KICK_EVERY_MS,
                c.policy().selfFenceMarginMs(), "raised from one heartbeat");
        assertEquals(NodeConfig.FENCE_ROOM_MS, new NodeConfig(c.electorate(), POLICY.withSelfFenceMarginMs(heartbeat),
                WatchdogConfig.OFF, null).policy().selfFenceMarginMs(), "without a watchdog: room for the fence");
    }

    @Test
    void theWatchdogIsKeptAliveWithoutALeaseWhilePostgresIsProvenUnableToWrite() {
        // n2 leads and its PostgreSQL is still a standby (the former primary is being re-checked): nothing can write.
        NodeState s = node(leader("n2", 6, primaryIs("n2").withPrimary("n2", "n1")), seeing(standbyOf("n1")),
                armed(NOW - 100));
        NodeDecision d = step(config("n2", WATCHDOG), s, new Input.Tick(NOW + 300));
        assertEquals(List.of(new Effect.KickWatchdog(Long.MAX_VALUE)), effectsOf(d, Effect.KickWatchdog.class));
        assertEquals(List.of(), effectsOf(d, Effect.DisarmWatchdog.class), "a leader keeps it");
    }

    @Test
    void theWatchdogIsClosedOnlyWhenPostgresIsProvenUnableToWriteAndTheNodeDoesNotLead() {
        NodeDecision standby = step(config("n3", WATCHDOG), healthyStandby(armed(NOW - 100)), new Input.Tick(NOW));
        assertEquals(List.of(new Effect.DisarmWatchdog()), effectsOf(standby, Effect.DisarmWatchdog.class));
        assertEquals(WatchdogState.Status.DISARMED, standby.next().watchdog().status());
        NodeState writable = node(follower("n1", "n2", 6, primaryIs("n2")), seeing(primary()), armed(NOW - 100));
        NodeDecision fencing = step(config("n1", WATCHDOG), writable, new Input.Tick(NOW));
        assertEquals(1, effectsOf(fencing, Effect.Fence.class).size());
        assertEquals(List.of(), effectsOf(fencing, Effect.DisarmWatchdog.class), "not before the fence proved it");
        assertEquals(List.of(), effectsOf(fencing, Effect.KickWatchdog.class), "and no lease covers a keep-alive");
    }

    @Test
    void theWatchdogIsArmedOnlyByALeaderWhoseLeaseCoversAReset() {
        NodeConfig c = config("n1", WATCHDOG);
        long lastCovered = LEASE_UNTIL - WATCHDOG.effectiveMs() - Node.KICK_GUARD_MS - 1;
        assertEquals(List.of(new Effect.ArmWatchdog(1_000, LEASE_UNTIL - WATCHDOG.effectiveMs() - Node.KICK_GUARD_MS)),
                effectsOf(step(c, primaryLeader(disarmed()), new Input.Tick(lastCovered)), Effect.ArmWatchdog.class));
        assertEquals(List.of(),
                effectsOf(step(c, primaryLeader(disarmed()), new Input.Tick(lastCovered + 1)), Effect.ArmWatchdog.class));
    }

    @Test
    void aRestartedPrimaryThatIsNotLeaderNeverArmsTheWatchdog() {
        NodeConfig c = config("n1", WATCHDOG);
        Durable onDisk = new Durable(5, "n1", new ClusterRecord(5, 1, "n1", primaryIs("n1")));
        NodeState s = NodeState.boot(c, onDisk, HaDurable.INITIAL, NOW, BOOT);
        NodeDecision d = step(c, s, new Input.Probed(NOW + 10, primary()));
        assertEquals(List.of(), effectsOf(d, Effect.ArmWatchdog.class));
        s = d.next();
        for (long t = NOW + 20; t < NOW + TIMING.leaseMs(); t += 10) {
            d = step(c, s, new Input.Tick(t));
            assertEquals(List.of(), effectsOf(d, Effect.ArmWatchdog.class), "at " + t);
            s = d.next();
        }
        assertEquals(WatchdogState.Status.DISARMED, s.watchdog().status());
    }

    @Test
    void aWatchdogOpenedTooLateIsNotAFailureItIsArmedAgainLater() {
        NodeConfig c = config("n1", REQUIRED);
        NodeState arming = step(c, primaryLeader(disarmed()), new Input.Tick(NOW)).next();
        assertEquals(WatchdogState.Status.ARMING, arming.watchdog().status());
        NodeDecision late = step(c, arming, new Input.WatchdogArmed(NOW + 5, false, "too late to open", true));
        // Still within the lease at NOW + 5: opened again, with a bound computed afresh.
        assertEquals(1, effectsOf(late, Effect.ArmWatchdog.class).size());
        assertEquals(WatchdogState.Status.ARMING, late.next().watchdog().status());
        assertEquals(null, late.next().supervisor().work().unfit(), "the device was not refused: nothing is unfit");
        assertEquals(List.of(), effectsOf(late, Effect.Fence.class));
    }

    @Test
    void aPromoteNeverArmsTheWatchdogWithoutALeaseCoveringAReset() {
        NodeConfig c = config("n2", WATCHDOG);
        long at = LEASE_UNTIL - WATCHDOG.effectiveMs() - Node.KICK_GUARD_MS + 100; // lease left: 1,020 ms
        NodeDecision d = step(c, aboutToPromote(disarmed()), new Input.Tick(at));
        assertEquals(List.of(), effectsOf(d, Effect.Start.class));
        assertEquals(List.of(), effectsOf(d, Effect.ArmWatchdog.class));
    }

    /**
     * Runs {@code state} for {@code [from, to)} in ticks of 10 ms, both followers acknowledging every heartbeat 2 ms
     * later (from the position (1, 0)): a leader that keeps its lease as long as it wants. A fence works: verified
     * 3 ms after it began, and the next probe shows PostgreSQL stopped.
     */
    static List<NodeDecision> withAcks(NodeConfig c, NodeState state, long from, long to) {
        List<NodeDecision> out = new java.util.ArrayList<>();
        for (long t = from; t < to; t += 10) {
            NodeDecision d = step(c, state, new Input.Tick(t));
            out.add(d);
            state = d.next();
            for (Effect e : d.effects()) {
                if (e instanceof Effect.Send s && s.message() instanceof Message.Heartbeat h) {
                    d = step(c, state, new Input.Received(t + 2, s.to(), new Message.HeartbeatAck(h.term(), h.seq(),
                            new vigil.core.election.Candidacy(true, 1, 0))));
                    out.add(d);
                    state = d.next();
                } else if (e instanceof Effect.Fence f) {
                    d = step(c, state, new Input.ActionEnded(t + 3, f.id(), Outcome.OK));
                    out.add(d);
                    d = step(c, d.next(), new Input.Probed(t + 4, stopped()));
                    out.add(d);
                    state = d.next();
                }
            }
        }
        return out;
    }

    @Test
    void aPrimaryWhoseRequiredWatchdogCannotBeArmedStopsBeingPrimary() {
        NodeConfig c = config("n1", REQUIRED);
        NodeState arming = step(c, primaryLeader(disarmed()), new Input.Tick(NOW)).next();
        NodeState failed = step(c, arming, new Input.WatchdogArmed(NOW + 5, false, "no such device")).next();
        List<NodeDecision> run = withAcks(c, failed, NOW + 10, NOW + 5_000);
        assertTrue(run.stream().anyMatch(d -> !effectsOf(d, Effect.Fence.class).isEmpty()), "PostgreSQL is fenced");
        assertEquals(Role.FOLLOWER, run.get(run.size() - 1).next().election().role());
    }

    @Test
    void aLeaderThatMayNotPromoteStandsDownForAFitStandby() {
        NodeConfig c = config("n2", REQUIRED);
        NodeState waiting = step(c, aboutToPromote(disarmed()), new Input.Tick(NOW)).next();
        NodeState failed = step(c, waiting, new Input.WatchdogArmed(NOW + 5, false, "no such device")).next();
        List<NodeDecision> run = withAcks(c, failed, NOW + 10, NOW + 5_000);
        assertEquals(Role.FOLLOWER, run.get(run.size() - 1).next().election().role());
    }

    @Test
    void aWritableActionNeverStartsWhileTheLastKeepAliveOutlivesTheLease() {
        NodeConfig c = config("n2", WATCHDOG);
        NodeState s = node(leader("n2", 6, primaryIs("n2").withPrimary("n2", "n1")), seeing(standbyOf("n1")),
                armed(NOW - 100));
        NodeDecision kick = step(c, s, new Input.Tick(LEASE_UNTIL - 900));
        assertEquals(List.of(new Effect.KickWatchdog(Long.MAX_VALUE)), effectsOf(kick, Effect.KickWatchdog.class));
        NodeDecision d = step(c, kick.next(), new Input.PeerProbed(LEASE_UNTIL - 895, "n1",
                vigil.core.ha.PeerPg.IN_RECOVERY, LEASE_UNTIL - 950, ""));
        boolean starts = !effectsOf(d, Effect.Start.class).isEmpty();
        long resetNotBefore = d.next().watchdog().lastKick() + WATCHDOG.effectiveMs();
        assertTrue(!starts || resetNotBefore + Node.KICK_GUARD_MS <= LEASE_UNTIL,
                "Promote started while the watchdog would reset only at " + resetNotBefore + ", lease ends " + LEASE_UNTIL);
    }

    // ---- the lease guard -------------------------------------------------------------------------------------

    @Test
    void theLeaseGuardStandsAtTheLeaseEndLessTheMarginAndFollowsEveryRenewal() {
        NodeState s = withExecutor(primaryLeader(off()), Executor.IDLE);
        NodeDecision first = step(N1, s, new Input.Tick(NOW));
        assertEquals(List.of(new Effect.FenceAt(LEASE_UNTIL - MARGIN)), effectsOf(first, Effect.FenceAt.class));
        NodeDecision heartbeat = step(N1, first.next(), new Input.Tick(NOW + 100)); // heartbeat 51 leaves at NOW + 100
        NodeDecision renewed = step(N1, heartbeat.next(), new Input.Received(NOW + 110, "n2",
                new Message.HeartbeatAck(5, 51, vigil.core.election.Candidacy.ELIGIBLE)));
        long until = NOW + 100 + TIMING.leaderLeaseMs();
        assertEquals(until, renewed.next().election().leadership().leaseUntil());
        assertEquals(List.of(new Effect.FenceAt(until - MARGIN)), effectsOf(renewed, Effect.FenceAt.class));
    }

    @Test
    void theLeaseGuardStandsWhileAPromoteRunsAndIsDroppedOncePostgresIsProvenSafe() {
        NodeDecision promote = step(N2, aboutToPromote(off()), new Input.Tick(NOW));
        assertEquals(List.of(new Effect.FenceAt(LEASE_UNTIL - MARGIN)), effectsOf(promote, Effect.FenceAt.class));
        NodeState recheck = withExecutor(node(leader("n2", 6, primaryIs("n2").withPrimary("n2", "n1")),
                seeing(standbyOf("n1")), off()), new Executor(1, null, null, LEASE_UNTIL - MARGIN));
        NodeDecision safe = step(N2, recheck, new Input.Tick(NOW));
        assertEquals(List.of(new Effect.FenceAt(Long.MAX_VALUE)), effectsOf(safe, Effect.FenceAt.class));
    }

    @Test
    void aFenceOfTheLeaseGuardIsAVerifiedFence() {
        NodeDecision d = step(N1, primaryLeader(off()),
                new Input.ActionEnded(LEASE_UNTIL - MARGIN, Executor.GUARD_ID, Outcome.OK));
        assertEquals(PgSafety.STOPPED, d.next().supervisor().local().knowledge());
        assertEquals(PgView.Health.STOPPED, d.next().supervisor().view().health());
        assertEquals(Long.MAX_VALUE, d.next().executor().guardAt());
        assertEquals(List.of(), effectsOf(d, Effect.Fence.class), "nothing left to fence");
    }

    @Test
    void aFenceOfTheLeaseGuardCancelsARunningPromote() {
        NodeDecision promote = step(N2, aboutToPromote(off()), new Input.Tick(NOW));
        long id = effectsOf(promote, Effect.Start.class).get(0).id();
        NodeDecision d = step(N2, promote.next(),
                new Input.ActionEnded(LEASE_UNTIL - MARGIN, Executor.GUARD_ID, Outcome.OK));
        assertEquals(id, assertInstanceOf(Effect.Cancel.class, d.effects().get(0)).id());
        assertNull(d.next().supervisor().inFlight());
        assertEquals(PgSafety.STOPPED, d.next().supervisor().local().knowledge());
    }

    /**
     * The guard's report of a kill while a start runs: that start may have been carried out after the kill (its Start
     * effect waited behind the loop's fsync, the guard fired meanwhile), so its postmaster may be starting now. The
     * step must not believe the verified kill: PostgreSQL may write until a fence after it is verified, and with the
     * lease gone that fence follows at once.
     */
    @Test
    void aFenceOfTheLeaseGuardDoesNotProveAStartThatRanAfterItStopped() {
        NodeDecision start = step(N1, primaryLeader(off()), new Input.Probed(NOW, stopped()));
        long id = effectsOf(start, Effect.Start.class).get(0).id();
        assertEquals(PgAction.StartPrimary.class, effectsOf(start, Effect.Start.class).get(0).action().getClass());
        NodeDecision d = step(N1, start.next(), new Input.ActionEnded(LEASE_UNTIL - MARGIN, Executor.GUARD_ID, Outcome.OK));
        assertEquals(id, assertInstanceOf(Effect.Cancel.class, d.effects().get(0)).id());
        assertEquals(PgSafety.MAY_WRITE, d.next().supervisor().local().knowledge());
        assertEquals(1, effectsOf(d, Effect.Fence.class).size(), "fenced again: " + d.effects());
    }

    /**
     * The guard's report of a kill that came before a start began (it waited for the watchdog): nothing ran, so the
     * start is withdrawn, neither backed off nor counted as a restart, and the next probe that finds PostgreSQL stopped
     * decides it again at once. On a flapping link the loop's own self-fence ended first, a renewal decided the
     * restart, the guard's report of the same kill withdrew it, and the 0.5 s back-off held the primary down past
     * bin/bench flapping's 1.5 s target (docs/benchmarks.md).
     */
    @Test
    void aFenceOfTheLeaseGuardWithdrawsAStartNotYetBegunWithoutABackOff() {
        NodeConfig c = config("n1", WATCHDOG);
        NodeState stopped = withExecutor(node(leader("n1", 5, primaryIs("n1")), seeing(stopped()), disarmed()),
                new Executor(1, null, null, LEASE_UNTIL - MARGIN));
        NodeDecision pending = step(c, stopped, new Input.Probed(NOW, stopped()));
        var waiting = pending.next().executor().running();
        assertEquals(new PgAction.StartPrimary(null), waiting == null ? null : waiting.action(), pending.effects().toString());
        assertFalse(waiting.started(), "it waits for the watchdog");
        assertEquals(List.of(), effectsOf(pending, Effect.Start.class));
        NodeDecision guard = step(c, pending.next(), new Input.ActionEnded(NOW + 10, Executor.GUARD_ID, Outcome.OK));
        assertNull(guard.next().executor().running(), "withdrawn");
        assertEquals(List.of(), effectsOf(guard, Effect.Cancel.class), "nothing began: nothing to cancel");
        assertEquals(PgSafety.STOPPED, guard.next().supervisor().local().knowledge());
        assertEquals(0, guard.next().supervisor().work().retryAt(), "no back-off: " + guard.next().supervisor().work());
        assertEquals(List.of(), guard.next().supervisor().work().restarts(), "no restart counted");
        NodeDecision again = step(c, guard.next(), new Input.Probed(NOW + 20, stopped()));
        var next = again.next().executor().running();
        assertEquals(new PgAction.StartPrimary(null), next == null ? null : next.action(),
                "decided again at the next probe: " + again.next().supervisor().reason());
    }

    // ---- the planned stop ------------------------------------------------------------------------------------

    @Test
    void aPlannedStopEndsWithResignDisarmAndHalt() {
        NodeConfig c = config("n1", WATCHDOG);
        NodeDecision stop = step(c, primaryLeader(armed(NOW - 5)), new Input.Shutdown(NOW));
        Effect.Start stopFast = effectsOf(stop, Effect.Start.class).get(0);
        assertEquals(new PgAction.StopFast(), stopFast.action());
        assertEquals(List.of(), effectsOf(stop, Effect.Halt.class));
        NodeState stopped = step(c, stop.next(), new Input.ActionEnded(NOW + 100, stopFast.id(), Outcome.OK)).next();
        assertFalse(stopped.halted(), "not before a probe verified it stopped");
        NodeDecision d = step(c, stopped, new Input.Probed(NOW + 110, stopped()));
        List<Effect> e = d.effects();
        List<Effect.Send> resigns = effectsOf(d, Effect.Send.class).stream()
                .filter(s -> s.message() instanceof Message.Resign).toList();
        assertEquals(List.of("n2", "n3"), resigns.stream().map(Effect.Send::to).toList());
        for (Effect.Send r : resigns) assertEquals(PgSafety.STOPPED, ((Message.Resign) r.message()).report().pg());
        assertTrue(d.events().stream().anyMatch(ev -> ev instanceof Event.RoleChanged rc && rc.reason() == Reason.RESIGNED));
        int disarm = e.indexOf(new Effect.DisarmWatchdog());
        assertTrue(e.indexOf(resigns.get(1)) < disarm, "resign first, then the magic close: " + e);
        assertEquals(new Effect.Halt(), e.get(e.size() - 1));
        assertTrue(d.next().halted());
        assertEquals(Role.FOLLOWER, d.next().election().role());
        assertEquals(List.of(), step(c, d.next(), new Input.Tick(NOW + 200)).effects(), "a halted node does nothing");
        Message.VoteRequest ask = new Message.VoteRequest(6, new vigil.core.election.Candidacy(true, 1, LSN), rec(5, 1));
        assertEquals(List.of(), step(c, d.next(), new Input.Received(NOW + 5_000, "n2", ask)).effects(),
                "not even a vote: its process is ending");
    }

    @Test
    void aPlannedStopFencesWhenTheCleanShutdownFails() {
        NodeDecision stop = step(N1, primaryLeader(off()), new Input.Shutdown(NOW));
        long id = effectsOf(stop, Effect.Start.class).get(0).id();
        NodeDecision d = step(N1, stop.next(), new Input.ActionEnded(NOW + 100, id, Outcome.failed(Outcome.Failure.OTHER,
                "pg_ctl: server does not shut down")));
        assertEquals(1, effectsOf(d, Effect.Fence.class).size());
        assertEquals(List.of(), effectsOf(d, Effect.Halt.class));
    }

    /** The election learns whom this node's standby streams from (a voter holding a prefix of its WAL), and when it stops. */
    @Test
    void theElectionKnowsWhomTheStandbyStreamsFrom() {
        NodeConfig n3 = config("n3", WatchdogConfig.OFF);
        NodeDecision streaming = step(n3, healthyStandby(off()), new Input.Probed(NOW, standbyOf("n2")));
        assertEquals("n2", streaming.next().election().streamsFrom());
        NodeDecision cut = step(n3, streaming.next(), new Input.Probed(NOW + 500,
                PgView.standby(1, LSN, false, "n2").withSystemId(SYSTEM)));
        assertNull(cut.next().election().streamsFrom(), "its WAL receiver no longer streams");
    }

    // ---- the report ----------------------------------------------------------------------------------------

    @Test
    void theReportTellsTheArmedWatchdogsEffectiveTimeoutAndWhetherPostgresMayWrite() {
        NodeConfig c = config("n1", WATCHDOG);
        NodeState arming = step(c, primaryLeader(disarmed()), new Input.Tick(NOW)).next();
        assertEquals(Report.UNKNOWN, arming.election().ownReport());
        NodeState armed = step(c, arming, new Input.WatchdogArmed(NOW + 5, true, "")).next();
        assertEquals(new Report(WATCHDOG.effectiveMs(), PgSafety.MAY_WRITE), armed.election().ownReport());
        NodeState standby = step(N1, healthyStandbyOf("n1"), new Input.Tick(NOW)).next();
        assertEquals(new Report(0, PgSafety.STANDBY), standby.election().ownReport());
        NodeState stopped = step(N1, node(follower("n1", "n2", 6, primaryIs("n2")), seeing(stopped()), off()),
                new Input.Probed(NOW, stopped())).next();
        assertEquals(new Report(0, PgSafety.STOPPED), stopped.election().ownReport());
    }

    @Test
    void aStandbyBeingPromotedIsReportedAsMayWrite() {
        NodeState promoting = step(N2, aboutToPromote(off()), new Input.Tick(NOW)).next();
        NodeDecision d = step(N2, promoting, new Input.Probed(NOW + 10, standbyOf("n1")));
        assertEquals(PgSafety.MAY_WRITE, d.next().election().ownReport().pg());
    }

    /** n1 as a healthy standby of n2. */
    static NodeState healthyStandbyOf(String self) {
        return node(follower(self, "n2", 6, primaryIs("n2")), seeing(standbyOf("n2")), off());
    }

    /** A candidate's record of (term, version): the same as, older or newer than the voter's by those alone. */
    static vigil.core.election.ClusterRecord rec(long term, long version) {
        return new vigil.core.election.ClusterRecord(term, version, null, vigil.core.election.PgRecord.NONE, java.util.Map.of());
    }
}
