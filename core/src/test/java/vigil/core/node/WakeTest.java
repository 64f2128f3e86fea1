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
            long next = Math.max(Wake.after(c, s, d, t, true), t + Wake.MIN_TICK_MS);
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
            if (Wake.after(c, s, d, t, true) > t) return d;
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
}
