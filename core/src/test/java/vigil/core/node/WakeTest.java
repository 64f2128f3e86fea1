package vigil.core.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.node.NodeFixture.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Wake}: the loop sleeps until the instant the step asks for. Driven here as the daemon drives it — a tick at
 * each wake and nowhere else — the rules that matter most still act at their instant. (The simulator checks, on every
 * schedule, that a tick before a wake would have decided nothing.)
 */
class WakeTest {

    /** Ticks {@code s} at its wakes only, from {@code from} until the step fences or {@code until}; what it did. */
    private record Run(List<Long> kicks, long fenceAt, int wakes) {}

    private static Run driveAtWakes(NodeConfig c, NodeState s, long from, long until) {
        List<Long> kicks = new ArrayList<>();
        long t = from;
        int wakes = 0;
        while (t < until) {
            NodeDecision d = Node.decide(c, s, new Input.Tick(t));
            wakes++;
            if (!effectsOf(d, Effect.KickWatchdog.class).isEmpty()) kicks.add(t);
            if (!effectsOf(d, Effect.Fence.class).isEmpty()) return new Run(kicks, t, wakes);
            long next = Math.max(Wake.after(c, s, d, new Input.Tick(t), t), t + Wake.MIN_TICK_MS);
            s = d.next();
            t = next;
        }
        return new Run(kicks, -1, wakes);
    }

    /**
     * A leader cut off from its peers, woken only at its wakes: its watchdog is kept alive at least every 250 ms, the
     * last keep-alive the lease allows comes within 10 ms of its bound (the early reach assumes no more), and the
     * self-fence starts exactly at the margin before the lease's end — with a few dozen wakes instead of a tick
     * every 10 ms.
     */
    @Test
    void anIsolatedLeaderWokenOnlyAtItsWakesKeepsItsWatchdogAndFencesOnTime() {
        NodeConfig c = config("n1", WATCHDOG);
        NodeState s = withExecutor(primaryLeader(armed(NOW - 100)), Executor.IDLE);
        Run r = driveAtWakes(c, s, NOW, LEASE_UNTIL);
        long bound = LEASE_UNTIL - WATCHDOG.effectiveMs() - Node.KICK_GUARD_MS;
        assertTrue(!r.kicks().isEmpty(), "kept alive");
        long last = r.kicks().get(r.kicks().size() - 1);
        assertTrue(last <= bound && last >= bound - Node.KICK_EVERY_MS,
                "the last keep-alive at " + last + " must fall within " + Node.KICK_EVERY_MS + " ms of its bound " + bound);
        long previous = NOW - 100;
        for (long k : r.kicks()) {
            assertTrue(k - previous <= Node.KICK_PERIOD_MS, "keep-alives " + (k - previous) + " ms apart: " + r.kicks());
            previous = k;
        }
        assertEquals(LEASE_UNTIL - c.policy().selfFenceMarginMs(), r.fenceAt(), "the self-fence at its margin");
        assertTrue(r.wakes() < 30, r.wakes() + " wakes for " + (LEASE_UNTIL - NOW) + " ms");
    }

    /** The fixture's state after the step has had its say at {@code t} (a fixture state is not a settled one). */
    private static NodeDecision settled(NodeConfig c, NodeState s, long t) {
        for (int i = 0; i < 5; i++) {
            NodeDecision d = Node.decide(c, s, new Input.Tick(t));
            if (Wake.after(c, s, d, new Input.Tick(t), t) > t) return d;
            s = d.next();
        }
        throw new AssertionError("no settled state at " + t);
    }

    /** A follower that just heard its leader sleeps until its no-vote window and its rank's stagger are over. */
    @Test
    void aFollowerSleepsUntilItsNoVoteWindowEndsUnlessAHeartbeatComes() {
        NodeConfig c = config("n3", WatchdogConfig.OFF);
        NodeDecision d = settled(c, healthyStandby(disarmed()), NOW);
        long wake = Wake.at(c, d.next(), NOW, true);
        var e = d.next().election();
        assertTrue(wake > NOW + 100, "no tick every 10 ms: next at " + (wake - NOW) + " ms");
        assertTrue(wake <= e.noVoteUntil() || wake <= NOW + Wake.MAX_SLEEP_MS,
                "at the latest when the no-vote window ends (" + (e.noVoteUntil() - NOW) + " ms) or after a second");
    }

    /** A leader wakes for its next heartbeat, one interval after the last. */
    @Test
    void aLeaderWakesForItsNextHeartbeat() {
        NodeConfig c = config("n1", WatchdogConfig.OFF);
        NodeDecision d = settled(c, primaryLeader(disarmed()), NOW);
        long sent = d.next().election().leadership().lastSentAt();
        assertEquals(sent + TIMING.heartbeatMs(), Wake.at(c, d.next(), NOW, true));
    }

    /**
     * The acknowledgement that renews a leader's lease moves its lease guard ({@link Effect.FenceAt}) and, once the loop
     * has ticked since everything before was due, asks for no tick at once: the daemon's loop then skips the tick after
     * it, and decides each acknowledgement once. The skipped tick would indeed decide nothing (the simulator checks that
     * on every skip). Without the loop's last tick (an input's decision that knows of none), every instant already past
     * counts as due, and a tick follows.
     */
    @Test
    void anAcknowledgementThatRenewsTheLeaseAsksForNoTickAtOnceAfterATick() {
        NodeConfig c = config("n1", WatchdogConfig.OFF);
        long sendAt = NOW - 70 + TIMING.heartbeatMs();
        NodeDecision sent = settled(c, primaryLeader(off()), sendAt);
        NodeState s = sent.next();
        long seq = s.election().leadership().seq();
        assertEquals(51, seq, "the heartbeat after the fixture's 50 went");
        long at = sendAt + 5;
        NodeDecision d = Node.decide(c, s, new Input.Received(at, "n2",
                new vigil.core.election.Message.HeartbeatAck(5, seq, s.election().own())));
        assertTrue(d.next().election().leadership().leaseUntil() > s.election().leadership().leaseUntil(), "renewed");
        assertEquals(1, effectsOf(d, Effect.FenceAt.class).size(), "the guard moved: " + d.effects());
        Input ack = new Input.Received(at, "n2", new vigil.core.election.Message.HeartbeatAck(5, seq, s.election().own()));
        assertTrue(Wake.after(c, s, d, ack, sendAt) > at, "no tick at once after " + d.effects());
        assertTrue(Wake.after(c, s, d, ack, Long.MIN_VALUE) <= at, "without a tick to go by, what is past is due");
        NodeDecision tick = Node.decide(c, d.next(), new Input.Tick(at));
        assertTrue(tick.effects().isEmpty() && tick.next().equals(d.next()) && tick.why() == null
                && tick.events().isEmpty() && tick.notes().isEmpty(), "a tick then decides nothing: " + tick.effects());
    }

    /**
     * A message within a heartbeat of the next keep-alive brings it forward (the loop is awake anyway: an idle leader's
     * acknowledgements then carry its keep-alives, which need no wake of their own); a tick at the same instant keeps
     * the keep-alive's own instant, the one {@link Wake} gives; a probe's answer (stamped on another thread) never
     * brings it forward, nor a message within {@link Node#KICK_EVERY_MS} of the last one.
     */
    @Test
    void anInputWithinAHeartbeatOfTheNextKeepAliveBringsItForwardATickDoesNot() {
        NodeConfig c = config("n1", WATCHDOG);
        NodeState s = primaryLeader(armed(NOW - 120));
        long next = Wake.nextKick(c, s.election(), s.watchdog());
        assertTrue(next > NOW && next - NOW <= TIMING.heartbeatMs(), "the next keep-alive " + (next - NOW) + " ms ahead");
        NodeDecision tick = Node.decide(c, s, new Input.Tick(NOW));
        assertTrue(effectsOf(tick, Effect.KickWatchdog.class).isEmpty(), "a tick waits: " + tick.effects());
        NodeDecision ack = Node.decide(c, s, new Input.Received(NOW, "n2",
                new vigil.core.election.Message.HeartbeatAck(5, 50, s.election().own())));
        assertEquals(1, effectsOf(ack, Effect.KickWatchdog.class).size(), "an acknowledgement kicks: " + ack.effects());
        assertEquals(NOW, ack.next().watchdog().lastKick());
        // A probe's answer is stamped on the probe thread and may be decided after a later tick: never early.
        NodeDecision probed = Node.decide(c, s, new Input.Probed(NOW, primary()));
        assertTrue(effectsOf(probed, Effect.KickWatchdog.class).isEmpty(), "a probe waits: " + probed.effects());
        // Nor a message within KICK_EVERY_MS of the last keep-alive (the recorded last keep-alive never goes back).
        NodeState justKicked = primaryLeader(armed(NOW - Node.KICK_EVERY_MS + 1));
        NodeDecision soon = Node.decide(c, justKicked, new Input.Received(NOW, "n2",
                new vigil.core.election.Message.HeartbeatAck(5, 50, s.election().own())));
        assertTrue(effectsOf(soon, Effect.KickWatchdog.class).isEmpty(), "too soon: " + soon.effects());
    }

    /** A follower that hears its leader's heartbeat after a tick asks for no tick at once: it decides each one once. */
    @Test
    void aFollowersHeartbeatAfterATickAsksForNoTickAtOnce() {
        NodeConfig c = config("n3", WatchdogConfig.OFF);
        NodeState s = settled(c, healthyStandby(disarmed()), NOW).next();
        long at = NOW + 100;
        vigil.core.election.ClusterRecord record = s.election().durable().record();
        Input hb = new Input.Received(at, "n2", new vigil.core.election.Message.Heartbeat(6, 900, record,
                java.util.Map.of(), java.util.Map.of()));
        NodeDecision d = Node.decide(c, s, hb);
        assertEquals(1, effectsOf(d, Effect.Send.class).size(), "acknowledged: " + d.effects());
        long wake = Wake.after(c, s, d, hb, NOW);
        assertTrue(wake > at, "no tick at once: wake " + (wake - at) + " ms, why " + d.why() + ", effects " + d.effects()
                + ", own " + s.election().own() + " -> " + d.next().election().own() + ", report " + s.election().ownReport()
                + " -> " + d.next().election().ownReport() + ", record same " + record.equals(d.next().election().durable().record()));
    }
}
