package vigil.core.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.node.NodeFixture.LEASE_UNTIL;
import static vigil.core.node.NodeFixture.MARGIN;
import static vigil.core.node.NodeFixture.NOW;
import static vigil.core.node.NodeFixture.effectsOf;
import static vigil.core.node.NodeFixture.follower;
import static vigil.core.node.NodeFixture.indexOf;
import static vigil.core.node.NodeFixture.off;
import static vigil.core.node.NodeFixture.primaryIs;

import java.util.List;
import org.junit.jupiter.api.Test;
import vigil.core.election.Message;
import vigil.core.ha.Outcome;
import vigil.core.ha.PgAction;
import vigil.core.ha.PgView;

/**
 * The VIPs follow the primary, through {@link Node#decide} as the daemon runs it: claimed after the promotion with
 * the duplicate-address check already made, released before anything stops or demotes PostgreSQL, before the lease
 * ends, and before a planned stop completes.
 */
class VipPlacementTest {
    static final NodeConfig N1 = withVips(NodeFixture.config("n1", WatchdogConfig.OFF));
    static final NodeConfig N2 = withVips(NodeFixture.config("n2", WatchdogConfig.OFF));

    static NodeConfig withVips(NodeConfig c) {
        return new NodeConfig(c.electorate(), c.policy(), c.watchdog(), c.limits(), true);
    }

    static NodeState holding(NodeState s) {
        return new NodeState(s.election(), s.supervisor(), s.executor(), s.watchdog(), s.stopping(), s.halted(),
                new VipState(VipState.Held.UP, NOW - 1_000, Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE));
    }

    /**
     * A switchover keeps the VIPs on the old primary while PostgreSQL stops (its clients are refused at once instead of
     * waiting out a timeout against an address that went nowhere), releases them once the target has everything, and
     * resigns only when they are verified gone, so the successor never claims an address still held here.
     */
    @Test
    void aSwitchoverKeepsTheVipsThroughTheStopAndResignsOnlyOnceTheyAreGone() {
        NodeState s = NodeFixture.primaryLeader(off());
        // n2 acknowledged and reported a position level with the primary's
        var e = s.election();
        s = holding(NodeFixture.withElection(s, new vigil.core.election.ElectionState(e.electorate(), e.durable(), e.role(),
                e.leader(), e.lastLeader(), e.leaderContactAt(), e.notBefore(), e.attempts(), e.campaign(), e.leadership(),
                e.own(), java.util.Map.of("n2", new vigil.core.election.Candidacy(true, 1, NodeFixture.LSN)), e.ownReport(),
                e.reports())));
        NodeDecision asked = Node.decide(N1, s, new Input.Switchover(NOW, "n2", "alice"));
        long checkpoint = effectsOf(asked, Effect.Start.class).get(0).id();
        NodeDecision stopping = Node.decide(N1, asked.next(), new Input.ActionEnded(NOW + 40, checkpoint, Outcome.OK));
        assertTrue(effectsOf(stopping, Effect.Start.class).get(0).action() instanceof vigil.core.ha.PgAction.StopFast);
        assertEquals(List.of(), effectsOf(stopping, Effect.VipDown.class), "kept while PostgreSQL stops");
        long stop = effectsOf(stopping, Effect.Start.class).get(0).id();
        NodeState stopped = Node.decide(N1, stopping.next(), new Input.ActionEnded(NOW + 100, stop, Outcome.OK)).next();
        PgView end = NodeFixture.stopped().withPosition(new PgView.Position(1, NodeFixture.LSN, true));
        NodeDecision received = Node.decide(N1, stopped, new Input.Probed(NOW + 110, end));
        assertEquals(1, effectsOf(received, Effect.VipDown.class).size(), "the target has everything: the VIPs go");
        assertEquals(List.of(), sent(received, vigil.core.election.Message.Resign.class), "not resigned yet");
        NodeDecision gone = Node.decide(N1, received.next(), new Input.VipReleased(NOW + 120, true, ""));
        assertEquals(2, sent(gone, vigil.core.election.Message.Resign.class).size(), "then resigned, to both peers");
        assertEquals("n2", ((vigil.core.election.Message.Resign) sent(gone, vigil.core.election.Message.Resign.class).get(0))
                .successor());
    }

    static List<vigil.core.election.Message> sent(NodeDecision d, Class<?> kind) {
        return effectsOf(d, Effect.Send.class).stream().map(Effect.Send::message).filter(kind::isInstance).toList();
    }

    @Test
    void theNewLeaderChecksTheAddressesWhileStillAStandbyThenClaimsWithoutWaitingAgain() {
        NodeDecision promote = Node.decide(N2, NodeFixture.aboutToPromote(off()), new Input.Tick(NOW));
        assertEquals(List.of(new Effect.VipCheck()), effectsOf(promote, Effect.VipCheck.class));
        assertEquals(List.of(), effectsOf(promote, Effect.VipUp.class), "not before the promotion");
        long id = effectsOf(promote, Effect.Start.class).get(0).id();
        NodeState checked = Node.decide(N2, promote.next(), new Input.VipChecked(NOW + 300, true, "")).next();
        NodeState promoted = Node.decide(N2, checked, new Input.ActionEnded(NOW + 400, id, Outcome.OK)).next();
        NodeDecision probed = Node.decide(N2, promoted, new Input.Probed(NOW + 401, NodeFixture.primary()));
        assertEquals(List.of(new Effect.VipUp(true)), effectsOf(probed, Effect.VipUp.class),
                "the claim skips its own duplicate-address check: one was made 101 ms ago");
        assertEquals(VipState.Held.CLAIMING, probed.next().vips().held());
        NodeState up = Node.decide(N2, probed.next(), new Input.VipClaimed(NOW + 420, Input.VipClaim.CLAIMED, "")).next();
        assertEquals(VipState.Held.UP, up.vips().held());
        assertEquals(List.of(), effectsOf(Node.decide(N2, up, new Input.Tick(NOW + 430)), Effect.VipUp.class),
                "claimed once");
    }

    /**
     * VIPs found on this host at start (a restart of vigild alone leaves them with the primary that keeps serving) stay
     * while this node reclaims that primary, are claimed in place once it leads (checked: they are on this host), and
     * go at once otherwise.
     */
    @Test
    void vipsFoundAtStartStayWhileReclaimingAndGoOtherwise() {
        VipState found = VipState.found(NOW);
        assertTrue(found.mayBeHeld());
        VipPlacement.Placed kept = VipPlacement.place(found,
                new VipPlacement.Want(false, false, "this node no longer leads", 0, true), NOW + 100);
        assertEquals(List.of(), kept.effects());
        assertEquals(List.of(), kept.urgent());
        assertEquals(VipState.Held.FOUND, kept.next().held());

        VipPlacement.Placed led = VipPlacement.place(found, new VipPlacement.Want(true, true, null, 5, true), NOW + 900);
        assertEquals(List.of(new Effect.VipUp(VipGroup.PRIMARY, false, true)), led.effects(),
                "kept from start: no service action for an address that never left; one not found on the host is checked");
        assertEquals(VipState.Held.CLAIMING, led.next().held());
        assertEquals(5, led.next().heldInTerm());
        assertTrue(led.note().startsWith("keeping the VIPs found on this host at start"), led.note());

        VipPlacement.Placed gone = VipPlacement.place(found,
                new VipPlacement.Want(false, false, "this node no longer leads", 0, false), NOW + 100);
        assertEquals(1, gone.urgent().size(), "released first, before anything else of the step");
        assertTrue(gone.urgent().get(0) instanceof Effect.VipDown);
        assertEquals(VipState.Held.RELEASING, gone.next().held());
        assertTrue(gone.note().contains("found on this host at start, and this node does not reclaim"), gone.note());
    }

    /** A check that found the address answered elsewhere is made again only after the retry interval, not at once. */
    @Test
    void aFailedCheckIsMadeAgainAfterTheRetryIntervalNotAtOnce() {
        VipState s = VipState.DOWN;
        VipPlacement.Want leading = new VipPlacement.Want(false, true, null);
        VipPlacement.Placed first = VipPlacement.place(s, leading, NOW);
        assertEquals(List.of(new Effect.VipCheck()), first.effects());
        VipState failed = VipPlacement.reported(first.next(), new Input.VipChecked(NOW + 20, false, "db: answered"),
                new StringBuilder());
        for (long t = NOW + 21; t < NOW + 20 + VipPlacement.RETRY_MS; t += 20) {
            assertEquals(List.of(), VipPlacement.place(failed, leading, t).effects(), "checked again at +" + (t - NOW));
        }
        assertEquals(NOW + 20 + VipPlacement.RETRY_MS, VipPlacement.wakeAt(failed, NOW + 21), "the loop wakes for it");
        assertEquals(List.of(new Effect.VipCheck()), VipPlacement.place(failed, leading, NOW + 20 + VipPlacement.RETRY_MS)
                .effects());
    }

    /**
     * The promotion was quicker than the check begun ahead of it: the claim waits for the check's report (it comes
     * within its deadline) and then skips a check of its own, instead of queueing behind it on the driver's thread
     * and checking all over again (0.3 s more of every failover).
     */
    @Test
    void aClaimWaitsForTheCheckUnderWayThenClaimsChecked() {
        NodeDecision promote = Node.decide(N2, NodeFixture.aboutToPromote(off()), new Input.Tick(NOW));
        assertEquals(List.of(new Effect.VipCheck()), effectsOf(promote, Effect.VipCheck.class));
        long id = effectsOf(promote, Effect.Start.class).get(0).id();
        NodeState promoted = Node.decide(N2, promote.next(), new Input.ActionEnded(NOW + 200, id, Outcome.OK)).next();
        NodeDecision probed = Node.decide(N2, promoted, new Input.Probed(NOW + 201, NodeFixture.primary()));
        assertEquals(List.of(), effectsOf(probed, Effect.VipUp.class), "the check is under way");
        NodeDecision checked = Node.decide(N2, probed.next(), new Input.VipChecked(NOW + 320, true, ""));
        assertEquals(List.of(new Effect.VipUp(true)), effectsOf(checked, Effect.VipUp.class));
        VipPlacement.Placed late = VipPlacement.place(probed.next().vips(), new VipPlacement.Want(true, true, null),
                NOW + VipPlacement.CHECK_WAIT_MS);
        assertEquals(List.of(new Effect.VipUp(false)), late.effects(), "a check that never reports is not waited for");
    }

    /**
     * A leader whose lease reached the self-fence margin released the VIPs it had claimed in its term; the lease renewed
     * in time (same term, led without a break) claims them again at once, without the 0.3 s check and without one ahead
     * of the claim: no other node can have been elected meanwhile. In another term, after one step without leading,
     * after a claim that failed, or once the release is older than a check would stay valid, the check is made again.
     */
    @Test
    void theVipsClaimedInATermStillLedWithoutABreakAreClaimedAgainUnchecked() {
        VipPlacement.Placed first = VipPlacement.place(VipState.DOWN, new VipPlacement.Want(true, true, null, 7), NOW);
        assertEquals(List.of(new Effect.VipUp(false)), first.effects(), "the term's first claim checks");
        VipState up = VipPlacement.reported(first.next(), new Input.VipClaimed(NOW + 350, Input.VipClaim.CLAIMED, ""),
                new StringBuilder());
        VipPlacement.Placed release = VipPlacement.place(up,
                new VipPlacement.Want(false, false, "the lease ends within the self-fence margin", 7), NOW + 1_000);
        assertEquals(VipState.Held.RELEASING, release.next().held());
        VipState down = VipPlacement.reported(release.next(),
                new Input.VipReleased(NOW + 1_010, true, "", VipGroup.PRIMARY), new StringBuilder());
        assertEquals(VipState.Held.DOWN, down.held());

        VipPlacement.Placed restarting = VipPlacement.place(down, new VipPlacement.Want(false, true, "restarting", 7),
                NOW + 1_020);
        assertEquals(List.of(), restarting.effects(), "no check ahead of the claim either");
        VipPlacement.Placed renewed = VipPlacement.place(restarting.next(), new VipPlacement.Want(true, true, null, 7),
                NOW + 1_030);
        assertEquals(List.of(new Effect.VipUp(true)), renewed.effects());
        assertTrue(renewed.note().contains("held by this node in term 7"), renewed.note());

        assertEquals(List.of(new Effect.VipUp(false)),
                VipPlacement.place(down, new VipPlacement.Want(true, true, null, 8), NOW + 1_030).effects(), "another term");
        VipState aBreak = VipPlacement.place(down, new VipPlacement.Want(false, false, "no longer leads", 0), NOW + 1_020)
                .next();
        assertEquals(List.of(new Effect.VipUp(false)),
                VipPlacement.place(aBreak, new VipPlacement.Want(true, true, null, 7), NOW + 1_030).effects(),
                "a step without leading ends it");
        assertEquals(List.of(new Effect.VipUp(false)), VipPlacement.place(down, new VipPlacement.Want(true, true, null, 7),
                NOW + 1_010 + VipPlacement.CHECK_VALID_MS).effects(), "a release long ago");
        VipState refused = VipPlacement.reported(renewed.next(),
                new Input.VipClaimed(NOW + 1_040, Input.VipClaim.DUPLICATE, "another host answered"), new StringBuilder());
        assertEquals(0, refused.heldInTerm(), "a claim that failed proves nothing");
        VipPlacement.Placed tracked = VipPlacement.place(VipGroup.TRACKED, VipState.DOWN,
                new VipPlacement.Want(true, false, null, 7), NOW);
        assertEquals(0, tracked.next().heldInTerm(), "only the primary's VIPs follow the leader's term");
    }

    @Test
    void withoutARecentCheckTheClaimMakesItsOwn() {
        NodeDecision d = Node.decide(N1, NodeFixture.primaryLeader(off()), new Input.Tick(NOW));
        assertEquals(List.of(new Effect.VipUp(false)), effectsOf(d, Effect.VipUp.class));
    }

    @Test
    void aLiveHolderBlocksTheClaimWhichIsTriedAgainLater() {
        NodeState claiming = Node.decide(N1, NodeFixture.primaryLeader(off()), new Input.Tick(NOW)).next();
        NodeDecision refused = Node.decide(N1, claiming, new Input.VipClaimed(NOW + 300, Input.VipClaim.DUPLICATE,
                "10.0.0.100 answered from 52:54:00:12:34:56"));
        assertEquals(VipState.Held.DOWN, refused.next().vips().held());
        assertTrue(refused.notes().stream().anyMatch(n -> n.contains("another host answers for it")), refused.notes().toString());
        assertEquals(List.of(), effectsOf(Node.decide(N1, refused.next(), new Input.Tick(NOW + 500)), Effect.VipUp.class),
                "not again at once");
        VipPlacement.Placed later = VipPlacement.place(refused.next().vips(), new VipPlacement.Want(true, true, null),
                NOW + 300 + VipPlacement.RETRY_MS);
        assertEquals(List.of(new Effect.VipUp(false)), later.effects(), "tried again, with a check of its own");
    }

    @Test
    void theVipsGoBeforeTheSelfFenceAndBeforeTheLeaseEnds() {
        NodeState s = holding(NodeFixture.primaryLeader(off()));
        assertEquals(List.of(), effectsOf(Node.decide(N1, s, new Input.Tick(LEASE_UNTIL - MARGIN - 1)), Effect.VipDown.class));
        NodeDecision d = Node.decide(N1, s, new Input.Tick(LEASE_UNTIL - MARGIN));
        Effect.VipDown down = assertInstanceOf(Effect.VipDown.class, d.effects().get(0), d.effects().toString());
        assertTrue(down.why().contains("the lease ends within the self-fence margin"), down.why());
        assertEquals(VipState.Held.RELEASING, d.next().vips().held());
    }

    @Test
    void theVipsGoFirstWhenTheLeaderStepsDownBeforeTheFsync() {
        NodeState s = holding(NodeFixture.primaryLeader(off()));
        NodeDecision d = Node.decide(N1, s, new Input.Received(NOW + 10, "n3", new Message.Stale(9)));
        assertInstanceOf(Effect.VipDown.class, d.effects().get(0), d.effects().toString());
        assertTrue(indexOf(d, Effect.Persist.class) > 0, "not behind the fsync of the new term: " + d.effects());
    }

    @Test
    void aFollowerNeverClaims() {
        NodeState s = NodeFixture.node(follower("n1", "n2", 6, primaryIs("n2")), NodeFixture.seeing(NodeFixture.primary()), off());
        NodeDecision d = Node.decide(N1, s, new Input.Tick(NOW));
        assertEquals(List.of(), effectsOf(d, Effect.VipUp.class));
        assertEquals(List.of(), effectsOf(d, Effect.VipCheck.class));
    }

    @Test
    void aPlannedStopReleasesTheVipsBeforeItCompletes() {
        NodeState s = holding(NodeFixture.primaryLeader(off()));
        NodeDecision stop = Node.decide(N1, s, new Input.Shutdown(NOW));
        assertInstanceOf(Effect.VipDown.class, stop.effects().get(0), stop.effects().toString());
        assertTrue(indexOf(stop, Effect.VipDown.class) < indexOf(stop, Effect.Start.class), "before PostgreSQL stops: "
                + stop.effects());
        long id = effectsOf(stop, Effect.Start.class).get(0).id();
        NodeState stopped = Node.decide(N1, stop.next(), new Input.ActionEnded(NOW + 50, id, Outcome.OK)).next();
        NodeDecision probed = Node.decide(N1, stopped, new Input.Probed(NOW + 60, NodeFixture.stopped()));
        assertFalse(probed.next().halted(), "no halt while a VIP may still be held");
        NodeDecision released = Node.decide(N1, probed.next(), new Input.VipReleased(NOW + 70, true, ""));
        assertTrue(released.next().halted(), released.effects().toString());
    }

    @Test
    void aFailedReleaseIsTriedAgain() {
        NodeState releasing = Node.decide(N1, holding(NodeFixture.primaryLeader(off())),
                new Input.Tick(LEASE_UNTIL - MARGIN)).next();
        NodeState failed = Node.decide(N1, releasing, new Input.VipReleased(LEASE_UNTIL - MARGIN + 5, false, "exit 2"))
                .next();
        assertEquals(VipState.Held.UP, failed.vips().held());
        NodeDecision again = Node.decide(N1, failed, new Input.Tick(LEASE_UNTIL - MARGIN + 5 + VipPlacement.RETRY_MS));
        assertEquals(1, effectsOf(again, Effect.VipDown.class).size());
    }

    @Test
    void withoutVipsConfiguredNothingIsPlaced() {
        NodeDecision d = Node.decide(NodeFixture.config("n1", WatchdogConfig.OFF), NodeFixture.primaryLeader(off()),
                new Input.Tick(NOW));
        assertEquals(List.of(), effectsOf(d, Effect.VipUp.class));
    }

    @Test
    void aStopOfThePrimaryIsPrecededByTheRelease() {
        // A demotion or restart of the primary: any non-writable action under way means no VIP.
        NodeState s = holding(NodeFixture.primaryLeader(off()));
        Executor x = new Executor(7, new Executor.Running(7, new PgAction.StopFast(), NOW, NOW + 5_000, true), null,
                s.executor().guardAt());
        NodeState stopping = new NodeState(s.election(), s.supervisor(), x, s.watchdog(), false, false, s.vips());
        NodeDecision d = Node.decide(N1, stopping, new Input.Tick(NOW));
        assertEquals(1, effectsOf(d, Effect.VipDown.class).size(), d.effects().toString());
    }

    @Test
    void aPrimaryNotProbedSinceItsLastActionKeepsItsVips() {
        // The promotion (or a reload) just ended: the view is UNKNOWN until the probe asked for at once answers.
        NodeState s = holding(NodeFixture.primaryLeader(off()));
        NodeState unknown = Node.decide(N1, s, new Input.Probed(NOW, vigil.core.ha.PgView.UNKNOWN)).next();
        NodeDecision d = Node.decide(N1, unknown, new Input.Tick(NOW + 10));
        assertEquals(List.of(), effectsOf(d, Effect.VipDown.class), d.notes().toString());
        assertEquals(VipState.Held.UP, d.next().vips().held());
        // (A stopped one would be restarted in place, which keeps them: RestartInPlaceVipsTest.)
        NodeDecision failing = Node.decide(N1, d.next(), new Input.Probed(NOW + 20, vigil.core.ha.PgView.failing()));
        assertEquals(1, effectsOf(failing, Effect.VipDown.class).size(), "a probe that tells releases them");
    }
}
