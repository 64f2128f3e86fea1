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
import vigil.core.ha.HaDurable;
import vigil.core.ha.HaPolicy;
import vigil.core.ha.Outcome;
import vigil.core.ha.PeerPg;
import vigil.core.ha.PgAction;
import vigil.core.ha.PgView;
import vigil.core.node.Input;
import vigil.core.node.NodeConfig;
import vigil.core.node.NodeState;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.protocol.peer.PeerCodec;

/**
 * The loop with a PostgreSQL driver wired in: three loops on real threads, each with an in-memory stand-in for its
 * driver (actions take a few milliseconds and change a role; probes report it; the fence stops it). Checks the wiring
 * of effects and inputs, not PostgreSQL: bootstrap makes the leader the primary, the others follow it; a leader cut
 * off from the others fences its PostgreSQL; nobody promotes without a proof; once the old primary's vigild reports
 * its PostgreSQL stopped, another node promotes.
 */
class NodeLoopSupervisionTest {
    static final List<Voter> VOTERS = List.of(Voter.data("n1"), Voter.data("n2"), Voter.data("n3"));
    static final Timing TIMING = Timing.of(50, 500, 0.01);
    static final HaPolicy POLICY = new HaPolicy(1L << 30, false, 3, 60_000, false, 50, 1500, 5000);
    final Map<String, NodeLoop> loops = new ConcurrentHashMap<>();
    final Map<String, FakePg> pgs = new ConcurrentHashMap<>();
    final Set<String> cut = ConcurrentHashMap.newKeySet();
    final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    final ScheduledExecutorService driver = Executors.newScheduledThreadPool(2);
    final List<Thread> threads = new ArrayList<>();

    /** The stand-in: role and timeline only. */
    final class FakePg implements Drivers.Pg {
        final String node;
        volatile PgView view = PgView.empty();

        FakePg(String node) {
            this.node = node;
        }

        @Override
        public void start(long id, PgAction a) {
            driver.schedule(() -> {
                // A stopped cluster's view carries its control file's timeline, as the driver's does.
                if (a instanceof PgAction.StopFast) view = stopped(Math.max(1, view.timeline()));
                else if (a instanceof PgAction.Initialise) view = stopped(1);
                else if (a instanceof PgAction.StartPrimary) view = PgView.primary(1, 100).withSystemId(7);
                else if (a instanceof PgAction.Clone c) view = stopped(primaryTimeline()); // a copy ends stopped
                else if (a instanceof PgAction.StartStandby s) view = PgView.standby(Math.max(1, view.timeline()), 50, true, s.upstream()).withSystemId(7);
                else if (a instanceof PgAction.Promote) view = PgView.primary(view.timeline() + 1, 100).withSystemId(7);
                else if (a instanceof PgAction.Rewind r) view = stopped(primaryTimeline());
                loops.get(node).onInput(new Input.ActionEnded(now(), id, Outcome.OK));
            }, 5, TimeUnit.MILLISECONDS);
        }

        private static PgView stopped(long timeline) {
            return PgView.stopped().withSystemId(7).withPosition(new PgView.Position(timeline, 50, false));
        }

        /** The timeline of whichever fake PostgreSQL is a primary now (1 when none is). */
        private long primaryTimeline() {
            return pgs.values().stream().map(p -> p.view).filter(PgView::writable).mapToLong(PgView::timeline).max().orElse(1);
        }

        @Override
        public void cancel(long id) {}

        @Override
        public void freeze(boolean frozen) {
            driver.schedule(() -> loops.get(node).onInput(new Input.Frozen(now(), frozen, true, "fake")), 1,
                    TimeUnit.MILLISECONDS);
        }

        @Override
        public void fence(long id, long deadlineAt) {
            view = stopped(Math.max(1, view.timeline())); // what the probe after the fence reads
            loops.get(node).onInput(new Input.ActionEnded(now(), id, Outcome.OK));
        }

        @Override
        public void guard(long at) {}

        @Override
        public void probePeer(String peer, long deadlineMs) {
            boolean reachable = !cut.contains(node) && !cut.contains(peer);
            PeerPg result = !reachable ? PeerPg.UNKNOWN : pgs.get(peer).view.writable() ? PeerPg.WRITABLE
                    : pgs.get(peer).view.isStandby() ? PeerPg.IN_RECOVERY : PeerPg.UNKNOWN;
            long started = now();
            driver.schedule(() -> loops.get(node).onInput(new Input.PeerProbed(now(), peer, result, started, result.name())),
                    reachable ? 2 : deadlineMs, TimeUnit.MILLISECONDS);
        }
    }

    static long now() {
        return System.nanoTime() / 1_000_000;
    }

    void start(String name) {
        FakePg pg = new FakePg(name);
        pgs.put(name, pg);
        Log log = new Log(name, new PrintStream(logs, true, StandardCharsets.UTF_8), Priority.INFO);
        NodeConfig config = new NodeConfig(new Electorate(name, VOTERS, TIMING), POLICY, null, null);
        NodeLoop loop = new NodeLoop(config, "test", NodeState.boot(config, Durable.INITIAL, HaDurable.INITIAL, now(), "b"),
                (d, ha) -> { }, (to, frame) -> {
                    NodeLoop peer = loops.get(to);
                    if (peer != null && !cut.contains(name) && !cut.contains(to)) peer.onFrame(name, frame);
                }, pg, null, new PeerCodec("00".repeat(32)), log, NodeLoopSupervisionTest::now);
        loops.put(name, loop);
        driver.scheduleWithFixedDelay(() -> loop.onInput(new Input.Probed(now(), pg.view)), 0, 20, TimeUnit.MILLISECONDS);
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
        for (NodeLoop l : loops.values()) l.shutdown().get(5, TimeUnit.SECONDS);
        for (Thread t : threads) t.join(2000);
        driver.shutdownNow();
    }

    @Test
    void theLeaderBecomesThePrimaryAndACutOffPrimaryIsFencedAndReplacedOnlyWithAProof() throws Exception {
        for (String n : List.of("n1", "n2", "n3")) start(n);
        String first = awaitServingPrimary(Set.of("n1", "n2", "n3"), 8000);
        var rows = loops.get(first).status().get(1, TimeUnit.SECONDS).nodes();
        for (var row : rows) { // no watchdog here: the status must not promise one
            assertEquals(row.self() ? "none" : null, row.postgres().proof(), row.toString());
            // no membership view was given: the others are out of reach, so no row calls them standbys
            if (!row.self()) assertEquals("unknown", row.postgres().role(), row.toString());
        }
        loops.get(first).onView(Set.of("n1", "n2", "n3"));
        long seen = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (loops.get(first).status().get(1, TimeUnit.SECONDS).nodes().stream()
                .anyMatch(r -> !r.self() && !"standby".equals(r.postgres().role()))) {
            if (System.nanoTime() > seen) throw new AssertionError("reachable followers are not shown as standbys: "
                    + loops.get(first).status().get(1, TimeUnit.SECONDS).nodes());
            Thread.sleep(10);
        }
        for (String n : List.of("n1", "n2", "n3")) {
            if (n.equals(first)) continue;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!pgs.get(n).view.isStandby() && System.nanoTime() < deadline) Thread.sleep(10);
            assertEquals(first, pgs.get(n).view.upstream(), n + " follows the primary\n" + logs);
        }
        cut.add(first);
        Set<String> rest = new java.util.HashSet<>(Set.of("n1", "n2", "n3"));
        rest.remove(first);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (pgs.get(first).view.writable() && System.nanoTime() < deadline) Thread.sleep(10);
        assertTrue(!pgs.get(first).view.writable(), "the cut-off primary fenced itself\n" + logs);
        // The new leader cannot reach the old primary and has no watchdog or report to rely on: it must wait.
        long fencingDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!logs.toString(StandardCharsets.UTF_8).contains("reason=FENCING_REQUIRED") && System.nanoTime() < fencingDeadline) {
            assertTrue(rest.stream().noneMatch(n -> pgs.get(n).view.writable()), "no promotion without proof\n" + logs);
            Thread.sleep(10);
        }
        assertTrue(logs.toString(StandardCharsets.UTF_8).contains("reason=FENCING_REQUIRED peer=" + first), logs.toString());
        assertTrue(rest.stream().noneMatch(n -> pgs.get(n).view.writable()), "no promotion without proof\n" + logs);
        // Its vigild is heard again, reporting PostgreSQL stopped (verified by its fence): that is the proof.
        cut.remove(first);
        String second = awaitServingPrimary(Set.of("n1", "n2", "n3"), 8000);
        assertTrue(logs.toString(StandardCharsets.UTF_8).contains("reported PostgreSQL STOPPED")
                || second.equals(first), "promoted on the report\n" + logs);
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
