package vigil.core.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.node.NodeFixture.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import vigil.core.election.Candidacy;
import vigil.core.election.ClusterRecord;
import vigil.core.election.Message;
import vigil.core.election.Report;
import vigil.core.election.Report.PgSafety;
import vigil.core.election.Role;
import vigil.core.ha.PgAction;
import vigil.core.ha.PgView;

/**
 * {@code vigilctl restart-daemon} ({@link DaemonRestart}): PostgreSQL keeps serving, and the watchdog is closed only
 * once a majority acknowledged the record saying that it no longer covers PostgreSQL here.
 */
class DaemonRestartTest {
    static final NodeConfig N1 = config("n1", WATCHDOG);

    static Input.Received ack(String from, long seq, long at) {
        return new Input.Received(at, from, new Message.HeartbeatAck(5, seq, Candidacy.ELIGIBLE,
                new Report(0, PgSafety.STANDBY)));
    }

    /** No action on PostgreSQL, no fence, no resignation: what a restart must never do. */
    static void leavesPostgresAlone(NodeDecision d) {
        assertEquals(List.of(), effectsOf(d, Effect.Start.class), "no PostgreSQL action");
        assertEquals(List.of(), effectsOf(d, Effect.Fence.class), "no fence");
        assertTrue(effectsOf(d, Effect.Send.class).stream().noneMatch(s -> s.message() instanceof Message.Resign),
                "no resignation");
    }

    @Test
    void theLeaderWithdrawsItsWatchdogAnnouncementAndHaltsOnceAMajorityHasTheRecordSayingSo() {
        NodeState before = primaryLeader(armed(NOW - 5));
        long version = before.election().durable().record().version();
        NodeDecision asked = Node.decide(N1, before, new Input.RestartDaemon(NOW, "alice"));
        DaemonRestart r = asked.next().restart();
        assertNotNull(r);
        assertTrue(r.withdraws());
        assertEquals(0, asked.next().election().ownReport().watchdogMs(), "no watchdog announced any more");
        ClusterRecord record = asked.next().election().durable().record();
        assertEquals(5, record.unwatched("n1"), "this term's announcements withdrawn in the record");
        assertEquals(version + 1, record.version());
        assertEquals(1, effectsOf(asked, Effect.Persist.class).size(), "on disk before it is sent");
        List<Message.Heartbeat> sent = effectsOf(asked, Effect.Send.class).stream()
                .filter(s -> s.message() instanceof Message.Heartbeat).map(s -> (Message.Heartbeat) s.message()).toList();
        assertEquals(2, sent.size(), "sent at once");
        for (Message.Heartbeat h : sent) {
            assertEquals(51, h.seq());
            assertEquals(0, h.reports().get("n1").report().watchdogMs());
            assertEquals(record, h.record());
        }
        assertEquals(List.of(), effectsOf(asked, Effect.Halt.class));
        assertEquals(List.of(), effectsOf(asked, Effect.DisarmWatchdog.class), "still armed while it waits");
        leavesPostgresAlone(asked);

        // n2's acknowledgement makes a majority (n1, n2 of three): every later leader has the record; n3 may be away.
        NodeDecision committed = Node.decide(N1, asked.next(), ack("n2", 51, NOW + 2));
        List<Effect> e = committed.effects();
        assertTrue(e.indexOf(new Effect.DisarmWatchdog()) >= 0 && e.indexOf(new Effect.DisarmWatchdog()) < e.indexOf(new Effect.Halt(true)),
                "the magic close, then the halt: " + e);
        assertTrue(committed.next().halted());
        assertTrue(e.indexOf(new Effect.FenceAt(Long.MAX_VALUE)) >= 0 && e.indexOf(new Effect.FenceAt(Long.MAX_VALUE)) < e.indexOf(new Effect.Halt(true)),
                "the lease guard is dropped before the halt: it would fence PostgreSQL while the process exits");
        assertEquals(Role.LEADER, committed.next().election().role(), "leadership is not resigned");
        assertEquals(PgSafety.MAY_WRITE, committed.next().supervisor().local().knowledge(), "PostgreSQL is left serving");
        leavesPostgresAlone(committed);
    }

    @Test
    void anAcknowledgementOfAnEarlierHeartbeatDoesNotCount() {
        NodeDecision asked = Node.decide(N1, primaryLeader(armed(NOW - 5)), new Input.RestartDaemon(NOW, "alice"));
        NodeDecision d = Node.decide(N1, asked.next(), ack("n2", 50, NOW + 2));
        assertFalse(d.next().halted(), "n2 acknowledged only a heartbeat sent before the record withdrew the watchdog");
        assertTrue(DaemonRestart.waitingFor(N1, d.next()).startsWith("no majority acknowledged the record"),
                DaemonRestart.waitingFor(N1, d.next()));
    }

    @Test
    void withoutAMajorityInTimeTheRestartIsGivenUpAndTheWithdrawalStaysInTheRecord() {
        NodeDecision asked = Node.decide(N1, primaryLeader(armed(NOW - 5)), new Input.RestartDaemon(NOW, "alice"));
        NodeState waiting = asked.next();
        long giveUp = NOW + DaemonRestart.WITHDRAW_MS;
        assertTrue(Wake.at(N1, waiting, giveUp - 100, true) <= giveUp, "Wake knows when");
        NodeDecision d = Node.decide(N1, waiting, new Input.Tick(giveUp));
        assertNull(d.next().restart());
        assertFalse(d.next().halted());
        assertTrue(d.notes().stream().anyMatch(n -> n.startsWith("restart-daemon given up")), d.notes().toString());
        // Its lease ended without a majority: no longer leading, it cannot write the record again; the withdrawal may
        // have reached some nodes, so it stands (a later leader of n1 announces anew, in its own term).
        assertEquals(5, d.next().election().durable().record().unwatched("n1"));
    }

    /**
     * Committed, but an action begun meanwhile runs past {@link DaemonRestart#WITHDRAW_MS} while the majority goes on
     * acknowledging: the restart is given up, and the watchdog, armed and kept alive under the lease throughout, is
     * announced again in the reports and restored in the record.
     */
    @Test
    void givenUpWhileLeadingTheWatchdogIsAnnouncedAgainInReportsAndRecord() {
        NodeState s = Node.decide(N1, primaryLeader(armed(NOW - 5)), new Input.RestartDaemon(NOW, "alice")).next();
        s = new NodeState(s.election(), s.supervisor(), new Executor(2, new Executor.Running(1, new PgAction.Checkpoint(),
                NOW + 1, NOW + 60_000, true), null, s.executor().guardAt()), s.watchdog(), false, false, s.vips(),
                s.tracked(), s.restart());
        long version = s.election().durable().record().version();
        NodeDecision d = null;
        for (long t = NOW + 2; s.restart() != null && t <= NOW + DaemonRestart.WITHDRAW_MS + 100; t += 50) {
            d = Node.decide(N1, s, new Input.Tick(t));
            s = d.next();
            if (s.restart() == null) break;
            s = Node.decide(N1, s, ack("n2", s.election().leadership().seq(), t + 1)).next();
        }
        assertNull(s.restart(), "given up");
        assertEquals(Role.LEADER, s.election().role());
        assertEquals(WATCHDOG.effectiveMs(), s.election().ownReport().watchdogMs(), "announced again");
        ClusterRecord record = s.election().durable().record();
        assertEquals(0, record.unwatched("n1"), "this term's announcements hold again");
        assertEquals(version + 1, record.version());
        assertTrue(d.notes().stream().anyMatch(n -> n.startsWith("restart-daemon given up")), d.notes().toString());
        assertEquals(List.of(), effectsOf(d, Effect.DisarmWatchdog.class));
    }

    @Test
    void aDataNodeThatDoesNotAcknowledgeNeitherRefusesNorHoldsUpTheRestart() {
        NodeState s = primaryLeader(armed(NOW - 5));
        var l = s.election().leadership();
        var acked = new java.util.HashMap<>(l.acked());
        acked.put("n3", 20L);
        NodeState deaf = withElection(s, new vigil.core.election.ElectionState(s.election().electorate(),
                s.election().durable(), Role.LEADER, "n1", "n1", NOW - 70, 0, 0, null, new vigil.core.election.Leadership(l.term(), l.electedAt(), l.seq(),
                l.lastSentAt(), l.sentAt(), acked, l.leaseStart(), l.leaseUntil(), l.recordSeq(), l.recordCommitted()),
                Candidacy.ELIGIBLE, java.util.Map.of(), Report.UNKNOWN, java.util.Map.of()));
        assertNull(Commands.refusesRestartDaemon(N1, deaf, NOW), "n3 learns the withdrawal from the record of any later leader");
        NodeDecision asked = Node.decide(N1, deaf, new Input.RestartDaemon(NOW, "alice"));
        assertTrue(Node.decide(N1, asked.next(), ack("n2", 51, NOW + 2)).next().halted());
    }

    @Test
    void refusedWhileAnActionRuns() {
        NodeState s = primaryLeader(armed(NOW - 5));
        NodeState busy = withExecutor(s, new Executor(2, new Executor.Running(1, new PgAction.Checkpoint(), NOW, NOW + 5_000, true),
                null, LEASE_UNTIL - MARGIN));
        assertTrue(Commands.refusesRestartDaemon(N1, busy, NOW).startsWith("a PostgreSQL action is under way (Checkpoint)"),
                Commands.refusesRestartDaemon(N1, busy, NOW));
        assertNull(Node.decide(N1, busy, new Input.RestartDaemon(NOW, "alice")).next().restart(), "refused in the step too");
        assertNull(Commands.refusesRestartDaemon(N1, s, NOW));
    }

    @Test
    void anActionBegunWhileItWaitsIsNotCutOff() {
        NodeState asked = Node.decide(N1, primaryLeader(armed(NOW - 5)), new Input.RestartDaemon(NOW, "alice")).next();
        // A CHECKPOINT the supervisor started meanwhile (as it would after a promotion): the halt waits for its end.
        NodeState busy = new NodeState(asked.election(), asked.supervisor(), new Executor(2, new Executor.Running(1,
                new PgAction.Checkpoint(), NOW + 2, NOW + 5_000, true), null, asked.executor().guardAt()), asked.watchdog(),
                false, false, asked.vips(), asked.tracked(), asked.restart());
        NodeDecision heard = Node.decide(N1, busy, ack("n2", 51, NOW + 3));
        assertFalse(heard.next().halted(), "not while an action runs");
        NodeDecision done = Node.decide(N1, heard.next(), new Input.ActionEnded(NOW + 50, 1, vigil.core.ha.Outcome.OK));
        assertTrue(done.next().halted(), "once it ended");
    }

    /** n1, the recorded primary, restarted: its PostgreSQL serves, its window ends at {@code until}; n2 leads. */
    static NodeState restartedPrimary(PgView view, long until) {
        var sup = seeing(view);
        var s = new vigil.core.ha.SupervisorState(sup.local(), sup.work(), sup.rejoin(), sup.probes(),
                new vigil.core.ha.HaDurable(true, sup.boot().id(), until), new vigil.core.ha.SupervisorState.Boot(NOW - 2_000,
                sup.boot().id(), false), sup.why());
        return node(follower("n1", "n2", 6, primaryIs("n1")), s, disarmed());
    }

    @Test
    void refusedWhileARestartedPrimaryKeepsServingWithoutHavingLedAgain() {
        String refused = Commands.refusesRestartDaemon(N1, restartedPrimary(primary(), NOW + 5_000), NOW);
        assertTrue(refused.contains("has not led since") && refused.contains("wait until it leads again"), refused);
        assertNull(Commands.refusesRestartDaemon(N1, restartedPrimary(primary(), NOW + 100), NOW),
                "a window that has run out (less the margin) is none");
        assertNull(Commands.refusesRestartDaemon(N1, restartedPrimary(standbyOf("n2"), NOW + 5_000), NOW),
                "nor is one of a node whose PostgreSQL has since become a standby");
    }

    @Test
    void aFollowerElectedWhileItWaitsGivesTheRestartUp() {
        NodeConfig n3 = config("n3", WATCHDOG);
        NodeState standby = healthyStandby(disarmed());
        // It waits for a CHECKPOINT-like action begun before (a restart never cuts one off) ...
        NodeState busy = new NodeState(standby.election(), standby.supervisor(), new Executor(2, new Executor.Running(1,
                new PgAction.Checkpoint(), NOW, NOW + 5_000, true), null, Long.MAX_VALUE), standby.watchdog(), false, false,
                standby.vips(), standby.tracked(), new DaemonRestart("alice", NOW, false, false));
        assertNotNull(DaemonRestart.waitingFor(n3, busy));
        // ... and is elected meanwhile: it must not end as a leader that never resigned.
        NodeState elected = new NodeState(leader("n3", 7, primaryIs("n2")), busy.supervisor(), busy.executor(),
                busy.watchdog(), false, false, busy.vips(), busy.tracked(), busy.restart());
        NodeDecision d = Node.decide(n3, elected, new Input.Tick(NOW + 10));
        assertNull(d.next().restart(), "given up at once");
        assertFalse(d.next().halted());
        assertTrue(d.notes().stream().anyMatch(n -> n.contains("elected leader while it waited")), d.notes().toString());
    }

    static final NodeConfig N1_VIPS = new NodeConfig(N1.electorate(), POLICY, WATCHDOG, ActionLimits.DEFAULT, true);

    static NodeState withFoundVips(NodeState s, Executor x) {
        return new NodeState(s.election(), s.supervisor(), x, s.watchdog(), false, false, VipState.found(NOW - 2_000),
                s.tracked(), null);
    }

    static boolean releases(NodeDecision d) {
        return !effectsOf(d, Effect.VipDown.class).isEmpty();
    }

    /**
     * The VIPs a restart of vigild left on the host stay while it reclaims its serving primary, and go first the
     * moment a fence is under way: a fenced PostgreSQL must not keep the address its clients write to.
     */
    @Test
    void foundVipsStayWhileReclaimingButNotWhileAFenceIsUnderWay() {
        NodeDecision kept = Node.decide(N1_VIPS, withFoundVips(restartedPrimary(primary(), NOW + 5_000), Executor.IDLE),
                new Input.Tick(NOW));
        assertFalse(releases(kept), kept.effects().toString());
        assertEquals(VipState.Held.FOUND, kept.next().vips().held());

        Executor fencing = new Executor(2, null, new Executor.Running(1, new PgAction.Fence(), NOW - 10, NOW + 5_000, true),
                Long.MAX_VALUE);
        NodeDecision fenced = Node.decide(N1_VIPS, withFoundVips(restartedPrimary(primary(), NOW + 5_000), fencing),
                new Input.Tick(NOW));
        assertTrue(releases(fenced), fenced.effects().toString());
    }

    /**
     * Not probed yet, they stay only within the first probe's grace: past it the supervisor fences a PostgreSQL it has
     * not seen, and the VIPs must not wait for the (longer) reclaim window to run out.
     */
    @Test
    void foundVipsOfAnUnprobedPrimaryStayOnlyWithinTheFirstProbesGrace() {
        NodeState seen = restartedPrimary(primary(), NOW + 5_000);
        var sup = seen.supervisor();
        var unprobed = new vigil.core.ha.SupervisorState(new vigil.core.ha.SupervisorState.Local(PgView.UNKNOWN,
                Report.PgSafety.MAY_WRITE, -1, false, false, false, PgView.Position.NONE), sup.work(), sup.rejoin(),
                sup.probes(), sup.durable(), new vigil.core.ha.SupervisorState.Boot(NOW - 200, sup.boot().id(), false),
                sup.why());
        NodeState s = withFoundVips(new NodeState(seen.election(), unprobed, Executor.IDLE, seen.watchdog(), false,
                false, null, null, null), Executor.IDLE);
        NodeDecision early = Node.decide(N1_VIPS, s, new Input.Tick(NOW));
        assertFalse(releases(early), early.effects().toString());
        NodeDecision late = Node.decide(N1_VIPS, s, new Input.Tick(NOW + 1_000));
        assertTrue(releases(late), "1.2 s after start, unprobed, inside the reclaim window: " + late.effects());
    }

    /** A leader without a watchdog (fence agents, or none) has nothing to withdraw: it halts at once, still leading. */
    @Test
    void aLeaderWithoutAWatchdogHaltsAtOnceWithoutResigning() {
        NodeDecision d = Node.decide(N1, primaryLeader(disarmed()), new Input.RestartDaemon(NOW, "alice"));
        assertEquals(List.of(new Effect.Halt(true)), effectsOf(d, Effect.Halt.class), d.notes().toString());
        assertTrue(d.next().halted());
        assertEquals(Role.LEADER, d.next().election().role());
        leavesPostgresAlone(d);
    }

    @Test
    void aStandbyHaltsAtOnceWithItsPostgresRunning() {
        NodeConfig n3 = config("n3", WATCHDOG);
        NodeDecision d = Node.decide(n3, healthyStandby(disarmed()), new Input.RestartDaemon(NOW, "alice"));
        assertEquals(List.of(new Effect.Halt(true)), effectsOf(d, Effect.Halt.class));
        assertTrue(d.next().halted());
        leavesPostgresAlone(d);
    }
}
