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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import vigil.core.election.Durable;
import vigil.core.election.Electorate;
import vigil.core.election.Timing;
import vigil.core.election.Voter;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.protocol.peer.PeerCodec;

/** Three real loops on real threads and the real clock, wired by an in-memory network. */
class NodeLoopTest {
    static final List<Voter> VOTERS = List.of(Voter.data("n1"), Voter.data("n2"), Voter.data("n3"));
    static final Timing TIMING = Timing.of(50, 500, 0.01);
    final Map<String, NodeLoop> loops = new ConcurrentHashMap<>();
    final Map<String, Durable> disks = new ConcurrentHashMap<>();
    final Set<String> cut = ConcurrentHashMap.newKeySet();
    final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    final List<Thread> threads = new ArrayList<>();

    void start(String name) {
        PeerCodec codec = new PeerCodec("00".repeat(32));
        Log log = new Log(name, new PrintStream(logs, true, StandardCharsets.UTF_8), Priority.INFO);
        NodeLoop loop = new NodeLoop(new Electorate(name, VOTERS, TIMING), "test", disks.getOrDefault(name, Durable.INITIAL),
                d -> disks.put(name, d), (to, frame) -> {
                    NodeLoop peer = loops.get(to);
                    if (peer != null && !cut.contains(name) && !cut.contains(to)) peer.onFrame(name, frame);
                }, codec, log, () -> System.nanoTime() / 1_000_000);
        loops.put(name, loop);
        Thread t = new Thread(loop, "loop-" + name);
        threads.add(t);
        t.start();
    }

    String awaitSingleLeader(long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            List<String> holders = new ArrayList<>();
            for (var e : loops.entrySet()) {
                if (!cut.contains(e.getKey()) && e.getValue().status().get(1, TimeUnit.SECONDS).leaseRemainingMs() > 0) {
                    holders.add(e.getKey());
                }
            }
            if (holders.size() == 1) return holders.get(0);
            Thread.sleep(20);
        }
        throw new AssertionError("no single leader within " + timeoutMs + " ms\n" + logs);
    }

    @AfterEach
    void stop() throws Exception {
        for (NodeLoop l : loops.values()) l.stop("test over").get(2, TimeUnit.SECONDS);
        for (Thread t : threads) t.join(2000);
    }

    @Test
    void electsOneLeaderPersistsTermsAndFailsOverWhenTheLeaderIsCut() throws Exception {
        for (String n : List.of("n1", "n2", "n3")) start(n);
        String first = awaitSingleLeader(5000);
        vigil.protocol.admin.StatusView s = loops.get(first).status().get(1, TimeUnit.SECONDS);
        assertEquals("leader", s.role());
        assertTrue(disks.get(first).term() >= 1);
        cut.add(first);
        String second = awaitSingleLeader(5000);
        assertTrue(!second.equals(first));
        assertTrue(disks.get(second).term() > disks.get(first).term());
        String text = logs.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("<4>node=" + first + " event=role role=leader→follower"), text);
        assertTrue(text.contains("reason=LEASE_EXPIRED"), text);
    }

    @Test
    void aStoppingLeaderResignsSoAnotherStandsWithoutWaitingOutTheLease() throws Exception {
        for (String n : List.of("n1", "n2", "n3")) start(n);
        String first = awaitSingleLeader(5000);
        long t0 = System.nanoTime();
        loops.get(first).stop("test").get(2, TimeUnit.SECONDS);
        loops.remove(first);
        awaitSingleLeader(5000);
        assertTrue(logs.toString(StandardCharsets.UTF_8).contains("reason=RESIGNED"));
        assertTrue(System.nanoTime() - t0 > 0);
    }

    @Test
    void anythingThrownInsideTheLoopHaltsItSoTheDaemonExitsNonZero() throws Exception {
        Log log = new Log("n1", new PrintStream(logs, true, StandardCharsets.UTF_8), Priority.INFO);
        NodeLoop loop = new NodeLoop(new Electorate("n1", VOTERS, TIMING), "test", Durable.INITIAL, d -> { },
                (to, frame) -> { throw new LinkageError("simulated class mismatch"); },
                new PeerCodec("00".repeat(32)), log, () -> System.nanoTime() / 1_000_000);
        Thread t = new Thread(loop, "loop-broken");
        t.start();
        t.join(10_000); // it stands after one lease, sends a pre-vote, and the send throws
        assertTrue(!t.isAlive() && loop.halted(), "the loop must halt");
        assertTrue(logs.toString(StandardCharsets.UTF_8).contains("event=halted reason=INTERNAL_ERROR"), logs.toString());
    }
}
