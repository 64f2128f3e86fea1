package vigil.daemon.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import vigil.core.election.Durable;
import vigil.core.election.Electorate;
import vigil.core.election.Timing;
import vigil.core.election.Voter;
import vigil.core.ha.HaObservation;
import vigil.core.ha.HaPolicy;
import vigil.core.ha.PeerPg;
import vigil.core.ha.PgAction;
import vigil.core.ha.PgView;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.protocol.peer.PeerCodec;

/**
 * The loop with the supervisor wired in: three loops on real threads, each with an in-memory stand-in for its
 * PostgreSQL driver (actions take a few milliseconds and change a role; probes report it). Checks the wiring, not
 * PostgreSQL: bootstrap makes the leader the primary, the others follow it; a leader cut off from the others fences
 * its PostgreSQL and another node promotes.
 */
class NodeLoopSupervisionTest {
    static final List<Voter> VOTERS = List.of(Voter.data("n1"), Voter.data("n2"), Voter.data("n3"));
    static final Timing TIMING = Timing.of(50, 500, 0.01);
    static final HaPolicy POLICY = new HaPolicy(1L << 30, false, 3, 60_000, false, 150, 1500, 5000);
    final Map<String, NodeLoop> loops = new ConcurrentHashMap<>();
    final Map<String, FakePg> pgs = new ConcurrentHashMap<>();
    final Set<String> cut = ConcurrentHashMap.newKeySet();
    final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    final ScheduledExecutorService driver = Executors.newScheduledThreadPool(2);
    final List<Thread> threads = new ArrayList<>();

    /** The stand-in: role and timeline only. */
    final class FakePg {
        volatile PgView view = PgView.down();
        final List<PgAction> done = new java.util.concurrent.CopyOnWriteArrayList<>();

        void execute(String node, PgAction a) {
            if (a instanceof PgAction.ProbePeer p) {
                boolean reachable = !cut.contains(node) && !cut.contains(p.node());
                PeerPg result = !reachable ? PeerPg.UNREACHABLE : pgs.get(p.node()).view.writable() ? PeerPg.WRITABLE : PeerPg.NOT_WRITABLE;
                driver.schedule(() -> loops.get(node).onHa(new HaObservation.PeerProbed(now(), p.node(), result)), 2, TimeUnit.MILLISECONDS);
                return;
            }
            driver.schedule(() -> {
                if (a instanceof PgAction.Stop) view = PgView.down();
                else if (a instanceof PgAction.StartPrimary) view = PgView.primary(1, 100);
                else if (a instanceof PgAction.StartStandby s) view = PgView.standby(view.timeline() == 0 ? 1 : view.timeline(), 50, true, s.upstream());
                else if (a instanceof PgAction.Promote) view = PgView.primary(view.timeline() + 1, 100);
                else if (a instanceof PgAction.Rewind r) view = PgView.standby(2, 40, true, r.source());
                done.add(a);
                loops.get(node).onHa(new HaObservation.ActionDone(now(), a, true, ""));
            }, 5, TimeUnit.MILLISECONDS);
        }
    }

    static long now() {
        return System.nanoTime() / 1_000_000;
    }

    void start(String name) {
        FakePg pg = new FakePg();
        pgs.put(name, pg);
        Log log = new Log(name, new PrintStream(logs, true, StandardCharsets.UTF_8), Priority.INFO);
        NodeLoop loop = new NodeLoop(new Electorate(name, VOTERS, TIMING), "test", Durable.INITIAL, d -> { },
                (to, frame) -> {
                    NodeLoop peer = loops.get(to);
                    if (peer != null && !cut.contains(name) && !cut.contains(to)) peer.onFrame(name, frame);
                }, new PeerCodec("00".repeat(32)), log, NodeLoopSupervisionTest::now,
                new NodeLoop.Supervision(POLICY, a -> pg.execute(name, a)));
        loops.put(name, loop);
        driver.scheduleWithFixedDelay(() -> loop.onHa(new HaObservation.Probed(now(), pg.view)), 0, 20, TimeUnit.MILLISECONDS);
        Thread t = new Thread(loop, "loop-" + name);
        threads.add(t);
        t.start();
    }

    String awaitServingPrimary(Set<String> among, long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            List<String> writable = new ArrayList<>();
            for (String n : among) if (pgs.get(n).view.writable()) writable.add(n);
            if (writable.size() == 1) {
                String n = writable.get(0);
                if ("leader".equals(loops.get(n).status().get(1, TimeUnit.SECONDS).role())) return n;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no single serving primary among " + among + "\n" + logs);
    }

    @AfterEach
    void stop() throws Exception {
        for (NodeLoop l : loops.values()) l.stop("test over").get(2, TimeUnit.SECONDS);
        for (Thread t : threads) t.join(2000);
        driver.shutdownNow();
    }

    @Test
    void theLeaderBecomesThePrimaryAndACutOffPrimaryIsFencedAndReplaced() throws Exception {
        for (String n : List.of("n1", "n2", "n3")) start(n);
        String first = awaitServingPrimary(Set.of("n1", "n2", "n3"), 8000);
        // After an action the supervisor waits for the next probe before it trusts the role again: poll.
        String shown = null;
        for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2); System.nanoTime() < until; Thread.sleep(10)) {
            var status = loops.get(first).status().get(1, TimeUnit.SECONDS);
            assertEquals(first, status.postgres().primary());
            shown = status.nodes().stream().filter(n -> n.self()).findFirst().orElseThrow().postgres().role();
            if ("primary".equals(shown)) break;
        }
        assertEquals("primary", shown);
        for (String n : List.of("n1", "n2", "n3")) {
            if (!n.equals(first)) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!pgs.get(n).view.isStandby() && System.nanoTime() < deadline) Thread.sleep(10);
                assertEquals(first, pgs.get(n).view.upstream(), n + " follows the primary");
            }
        }
        cut.add(first);
        Set<String> rest = new java.util.HashSet<>(Set.of("n1", "n2", "n3"));
        rest.remove(first);
        // The cut-off primary fences itself; the others cannot reach it (UNREACHABLE) and no fencing is configured:
        // they must NOT promote. Then the operator's equivalent of a fence: its host answers again with PostgreSQL down.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (pgs.get(first).view.writable() && System.nanoTime() < deadline) Thread.sleep(10);
        assertTrue(!pgs.get(first).view.writable(), "the cut-off primary fenced itself\n" + logs);
        // A new leader must be elected, find the old primary unreachable, and wait: nobody may promote meanwhile.
        long fencingDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!logs.toString(StandardCharsets.UTF_8).contains("reason=FENCING_REQUIRED")
                && System.nanoTime() < fencingDeadline) {
            assertTrue(rest.stream().noneMatch(n -> pgs.get(n).view.writable()), "no promotion without proof\n" + logs);
            Thread.sleep(10);
        }
        assertTrue(logs.toString(StandardCharsets.UTF_8).contains("reason=FENCING_REQUIRED"), logs.toString());
        assertTrue(rest.stream().noneMatch(n -> pgs.get(n).view.writable()), "no promotion without proof\n" + logs);
        cut.remove(first);
        String second = awaitServingPrimary(Set.of("n1", "n2", "n3"), 8000);
        for (String n : Set.of("n1", "n2", "n3")) {
            if (n.equals(second)) continue;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!(pgs.get(n).view.isStandby() && second.equals(pgs.get(n).view.upstream())) && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertEquals(second, pgs.get(n).view.upstream(), n + " follows the new primary\n" + logs);
        }
    }
}
