package vigil.daemon.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import vigil.core.ha.HaDurable;
import vigil.core.node.NodeConfig;
import vigil.core.node.NodeState;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.protocol.peer.PeerCodec;

/** Three real loops on real threads and the real clock, wired by an in-memory network. */
class NodeLoopTest {
    static final List<Voter> VOTERS = List.of(Voter.data("n1"), Voter.data("n2"), Voter.data("n3"));
    static final Timing TIMING = Timing.of(50, 500, 0.01);
    final Map<String, NodeLoop> loops = new ConcurrentHashMap<>();
    final Map<String, Durable> disks = new ConcurrentHashMap<>();
    Timing timing = TIMING;
    final Set<String> cut = ConcurrentHashMap.newKeySet();
    final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    final List<Thread> threads = new ArrayList<>();
    /** Every frame a loop handed to its peers, in the order sent. */
    final java.util.Queue<Sent> sent = new java.util.concurrent.ConcurrentLinkedQueue<>();

    record Sent(String from, String to, byte[] frame) {}

    static NodeLoop loop(String name, Timing timing, Durable disk, Drivers.Disk save, Drivers.Peers peers, Log log) {
        NodeConfig config = new NodeConfig(new Electorate(name, VOTERS, timing), null, null, null);
        long now = System.nanoTime() / 1_000_000;
        return new NodeLoop(config, "test", NodeState.boot(config, disk, HaDurable.INITIAL, now, "boot"), save, peers,
                null, null, new PeerCodec("00".repeat(32)), log, () -> System.nanoTime() / 1_000_000);
    }

    void start(String name) {
        Log log = new Log(name, new PrintStream(logs, true, StandardCharsets.UTF_8), Priority.INFO);
        NodeLoop loop = loop(name, timing, disks.getOrDefault(name, Durable.INITIAL), (d, ha) -> disks.put(name, d),
                (to, frame) -> {
                    sent.add(new Sent(name, to, frame));
                    NodeLoop peer = loops.get(to);
                    if (peer != null && !cut.contains(name) && !cut.contains(to)) peer.onFrame(name, frame);
                }, log);
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
        for (NodeLoop l : loops.values()) l.shutdown().get(2, TimeUnit.SECONDS);
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

    /**
     * A steady leader reads its acknowledgements when it wakes to send the next heartbeat, not one wake each
     * ({@code AckDeferral}): with 50 ms heartbeats and two followers that is 20 turns of its loop a second instead of
     * 60, and the lease is renewed all along (the same leader, its lease never lapsing, while 40 acknowledgements a
     * second arrive).
     */
    @Test
    void aSteadyLeaderReadsItsAcknowledgementsWhenItWakesToSendTheNextHeartbeat() throws Exception {
        for (String n : List.of("n1", "n2", "n3")) start(n);
        String leader = awaitSingleLeader(5000);
        NodeLoop l = loops.get(leader);
        long turns0 = l.turns();
        long waited0 = l.acksWaited();
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(2);
        long minLease = Long.MAX_VALUE;
        while (System.nanoTime() < deadline) {
            minLease = Math.min(minLease, l.snapshot().leaseRemainingMs()); // read without waking the loop
            Thread.sleep(20);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long waited = l.acksWaited() - waited0;
        double turnsPerSecond = (l.turns() - turns0) / seconds;
        assertEquals(leader, awaitSingleLeader(1000), "leadership changed");
        assertTrue(minLease > timing.leaseMs() / 2, "the lease ran down to " + minLease + " ms\n" + logs);
        assertTrue(turnsPerSecond < 45, turnsPerSecond + " turns a second: the loop woke for acknowledgements");
        assertTrue(waited >= 40 * seconds / 2, "only " + waited + " acknowledgements waited in " + seconds + " s");
    }

    /**
     * A leader sends each heartbeat to its followers as one frame, encoded and authenticated once (the core gives one
     * message for all, {@code Actuators} encodes it once): the very same bytes go to both. Encoded once per follower,
     * each heartbeat cost a steady leader an extra encode and HMAC.
     */
    @Test
    void aLeaderEncodesEachHeartbeatOnceForAllItsFollowers() throws Exception {
        for (String n : List.of("n1", "n2", "n3")) start(n);
        String leader = awaitSingleLeader(5000);
        sent.clear();
        PeerCodec codec = new PeerCodec("00".repeat(32));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Map<String, List<Sent>> beats = new java.util.TreeMap<>(); // by term and sequence number: a new term restarts them
        long pairs = 0;
        while (pairs < 10 && System.nanoTime() < deadline) {
            Sent s;
            while ((s = sent.poll()) != null) {
                if (s.from().equals(leader) && codec.decode(s.frame()) instanceof vigil.core.election.Message.Heartbeat h) {
                    beats.computeIfAbsent(h.term() + "/" + h.seq(), k -> new ArrayList<>()).add(s);
                }
            }
            pairs = beats.values().stream().filter(l -> l.size() == 2).count();
            Thread.sleep(10);
        }
        assertTrue(pairs >= 10, "only " + pairs + " heartbeats went to both followers in 5 s\n" + logs);
        for (var e : beats.entrySet()) {
            List<Sent> l = e.getValue();
            if (l.size() < 2) continue;
            assertEquals(2, l.size(), "heartbeat " + e.getKey() + " sent " + l.size() + " times");
            assertFalse(l.get(0).to().equals(l.get(1).to()), "heartbeat " + e.getKey() + " went twice to " + l.get(0).to());
            org.junit.jupiter.api.Assertions.assertSame(l.get(0).frame(), l.get(1).frame(),
                    "heartbeat " + e.getKey() + " was encoded once per follower");
        }
    }

    /**
     * With a 4 s lease, a leader that vanished is replaced only after its followers' 4 s no-vote window; one that
     * resigns frees them at once. The new leader must be there well before the window could have ended (3.5 s: a
     * loaded 2-core machine once took 2.1 s; waiting out the window takes 4 s plus an election).
     */
    @Test
    void aStoppingLeaderResignsSoAnotherStandsWithoutWaitingOutTheLease() throws Exception {
        timing = Timing.of(50, 4000, 0.01);
        for (String n : List.of("n1", "n2", "n3")) start(n);
        String first = awaitSingleLeader(15_000);
        loops.get(first).shutdown().get(2, TimeUnit.SECONDS);
        long stoppedAt = System.nanoTime();
        loops.remove(first);
        String second = awaitSingleLeader(15_000);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt);
        assertTrue(!second.equals(first));
        assertTrue(logs.toString(StandardCharsets.UTF_8).contains("reason=RESIGNED"), logs.toString());
        assertTrue(tookMs < 3500, "a new leader " + tookMs + " ms after the resignation: it waited out the lease\n" + logs);
    }

    /**
     * Heartbeats and acknowledgements go by both paths (JGroups and a datagram), everything else by JGroups only; a
     * follower that receives both copies of a heartbeat acknowledges it once (the second copy is dropped before the
     * node step), so a grant counted from that acknowledgement has one start.
     */
    @Test
    void heartbeatsTravelTwiceButAreAcknowledgedOnce() throws Exception {
        Map<String, Integer> acks = new ConcurrentHashMap<>();
        Set<String> byDatagram = ConcurrentHashMap.newKeySet();
        startThreeOverTwoPaths(new Paths() {
            @Override public void tcp(String from, String to, vigil.core.election.Message m) {
                if (m instanceof vigil.core.election.Message.HeartbeatAck a) {
                    acks.merge(from + ">" + to + " t" + a.term() + " #" + a.seq(), 1, Integer::sum);
                }
            }

            @Override public boolean datagram(String from, String to, vigil.core.election.Message m) {
                byDatagram.add(m.getClass().getSimpleName());
                return false; // the peer has not said it hears every datagram: the TCP copy goes too
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (acks.size() < 20 && System.nanoTime() < deadline) Thread.sleep(20);
        assertTrue(acks.size() >= 20, "acknowledgements seen: " + acks);
        assertEquals(Set.of(1), Set.copyOf(acks.values()), "a heartbeat acknowledged more than once: " + acks);
        assertEquals(Set.of("Heartbeat", "HeartbeatAck"), byDatagram, "only heartbeats and acknowledgements by datagram"
                + " (and resignations, none here)");
    }

    /** A peer that hears every datagram gets heartbeats and acknowledgements by datagram alone; the rest goes by TCP. */
    @Test
    void aPeerThatHearsEveryDatagramGetsNoSecondCopy() throws Exception {
        Set<String> byTcp = ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger acksByDatagram = new java.util.concurrent.atomic.AtomicInteger();
        startThreeOverTwoPaths(new Paths() {
            @Override public void tcp(String from, String to, vigil.core.election.Message m) {
                byTcp.add(m.getClass().getSimpleName());
            }

            @Override public boolean datagram(String from, String to, vigil.core.election.Message m) {
                if (m instanceof vigil.core.election.Message.HeartbeatAck) acksByDatagram.incrementAndGet();
                return true;
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (acksByDatagram.get() < 20 && System.nanoTime() < deadline) Thread.sleep(20);
        assertTrue(acksByDatagram.get() >= 20, "acknowledgements by datagram: " + acksByDatagram);
        assertTrue(byTcp.contains("VoteRequest"), "the election still goes by TCP: " + byTcp);
        assertFalse(byTcp.contains("Heartbeat") || byTcp.contains("HeartbeatAck"), "no second copy: " + byTcp);
    }

    /**
     * A peer outside the JGroups view (a vigild that restarted, before it rejoins) gets every election message by
     * datagram too: JGroups would drop it, and a resignation handing leadership back was lost that way.
     */
    @Test
    void aPeerOutsideTheViewGetsEveryMessageByDatagramToo() throws Exception {
        Set<String> byDatagram = ConcurrentHashMap.newKeySet();
        startThreeOverTwoPaths(new Paths() {
            @Override public void tcp(String from, String to, vigil.core.election.Message m) {
            }

            @Override public boolean datagram(String from, String to, vigil.core.election.Message m) {
                byDatagram.add(m.getClass().getSimpleName());
                return false;
            }

            @Override public Set<String> view() {
                return Set.of(); // no view yet: no peer is a member
            }
        });
        assertTrue(byDatagram.contains("VoteRequest") && byDatagram.contains("VoteReply"),
                "the election by datagram as well: " + byDatagram);
    }

    /**
     * A resignation goes by datagram to every peer, members of the view too: the successor's pre-vote (by datagram
     * while it is outside the view) must not overtake the resignation that frees the voters' votes.
     */
    @Test
    void aResignationGoesByDatagramToEveryPeer() throws Exception {
        Map<String, Set<String>> resignedTo = new ConcurrentHashMap<>();
        startThreeOverTwoPaths(new Paths() {
            @Override public void tcp(String from, String to, vigil.core.election.Message m) {
            }

            @Override public boolean datagram(String from, String to, vigil.core.election.Message m) {
                if (m instanceof vigil.core.election.Message.Resign) {
                    resignedTo.computeIfAbsent(from, k -> ConcurrentHashMap.newKeySet()).add(to);
                }
                return false;
            }
        });
        String leader = awaitSingleLeader(5000);
        loops.get(leader).shutdown().get(2, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (resignedTo.getOrDefault(leader, Set.of()).size() < 2 && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(2, resignedTo.getOrDefault(leader, Set.of()).size(), "resigned by datagram to both peers: " + resignedTo);
    }

    /** What the test transport's two paths carry; every frame is delivered to the loop it is addressed to. */
    interface Paths {
        void tcp(String from, String to, vigil.core.election.Message m);

        /** Returns what {@link Drivers.Peers#sendDatagram} returns: the peer hears every datagram (no TCP copy). */
        boolean datagram(String from, String to, vigil.core.election.Message m);

        /** The JGroups view every loop is given before it starts. */
        default Set<String> view() {
            return Set.of("n1", "n2", "n3");
        }
    }

    /** Three loops n1..n3 over both paths; returns once one of them leads. */
    private void startThreeOverTwoPaths(Paths paths) throws Exception {
        PeerCodec codec = new PeerCodec("00".repeat(32));
        for (String n : List.of("n1", "n2", "n3")) {
            Log log = new Log(n, new PrintStream(logs, true, StandardCharsets.UTF_8), Priority.INFO);
            NodeLoop loop = loop(n, timing, Durable.INITIAL, (d, ha) -> disks.put(n, d), new Drivers.Peers() {
                @Override
                public void send(String to, byte[] frame) {
                    paths.tcp(n, to, decode(codec, frame));
                    NodeLoop peer = loops.get(to);
                    if (peer != null) peer.onFrame(n, frame);
                }

                @Override
                public boolean sendDatagram(String to, byte[] frame) {
                    boolean alone = paths.datagram(n, to, decode(codec, frame));
                    NodeLoop peer = loops.get(to);
                    if (peer != null) peer.onFrame(n, frame);
                    return alone;
                }
            }, log);
            loop.onView(paths.view());
            loops.put(n, loop);
            Thread t = new Thread(loop, "loop-" + n);
            threads.add(t);
            t.start();
        }
        awaitSingleLeader(5000);
    }

    static vigil.core.election.Message decode(PeerCodec codec, byte[] frame) {
        try {
            return codec.decode(frame);
        } catch (vigil.protocol.peer.BadFrameException e) {
            throw new AssertionError("a loop sent a bad frame", e);
        }
    }

    /** n1's disk fails: it may ask for pre-votes (they change no term), but must halt before any vote request. */
    /**
     * A vote request that arrives twice (by JGroups and by datagram, from a peer outside the view) is refused twice:
     * one {@code vote_refused} line, not two; the same candidate's request in its next term is logged again.
     */
    @Test
    void aRefusalRepeatedByTheSecondPathIsLoggedOnce() throws Exception {
        start("n1");
        PeerCodec codec = new PeerCodec("00".repeat(32));
        byte[] ineligible = codec.encode(new vigil.core.election.Message.VoteRequest(5,
                vigil.core.election.Candidacy.INELIGIBLE, vigil.core.election.ClusterRecord.NONE));
        NodeLoop n1 = loops.get("n1");
        n1.onFrame("n2", ineligible);
        n1.onFrame("n2", ineligible);
        n1.onFrame("n2", codec.encode(new vigil.core.election.Message.VoteRequest(6,
                vigil.core.election.Candidacy.INELIGIBLE, vigil.core.election.ClusterRecord.NONE)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!logs.toString(StandardCharsets.UTF_8).contains("term=6") && System.nanoTime() < deadline) Thread.sleep(20);
        n1.status().get(1, TimeUnit.SECONDS); // every frame before it decided
        List<String> refused = logs.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("event=vote_refused")).toList();
        assertEquals(2, refused.size(), String.join("\n", refused));
        assertTrue(refused.get(0).contains("term=5") && refused.get(1).contains("term=6"), String.join("\n", refused));
        var window = new vigil.core.election.Event.VoteRefused(7, "n2", "inside our no-vote window: a leader heard 84 ms ago, lease 500 ms");
        assertTrue(NodeLoop.sameRefusal(new vigil.core.election.Event.VoteRefused(7, "n2",
                "inside our no-vote window: a leader heard 91 ms ago, lease 500 ms"), window), "the second copy, 7 ms later");
        assertFalse(NodeLoop.sameRefusal(new vigil.core.election.Event.VoteRefused(7, "n2", "it reports itself ineligible"),
                window), "the window ended between the copies: the real cause is logged");
    }

    @Test
    void aFailedFsyncHaltsTheLoopBeforeAnyVoteRequestLeaves() throws Exception {
        start("n2");
        start("n3");
        PeerCodec codec = new PeerCodec("00".repeat(32));
        List<vigil.core.election.Message> fromN1 = new java.util.concurrent.CopyOnWriteArrayList<>();
        Log log = new Log("n1", new PrintStream(logs, true, StandardCharsets.UTF_8), Priority.INFO);
        NodeLoop n1 = loop("n1", TIMING, Durable.INITIAL, (d, ha) -> {
            throw new vigil.daemon.state.StateException("disk full");
        }, (to, frame) -> {
            try {
                fromN1.add(codec.decode(frame));
            } catch (vigil.protocol.peer.BadFrameException e) {
                throw new AssertionError(e);
            }
            NodeLoop peer = loops.get(to);
            if (peer != null) peer.onFrame("n1", frame);
        }, log);
        loops.put("n1", n1);
        Thread t = new Thread(n1, "loop-n1");
        threads.add(t);
        t.start();
        t.join(10_000); // whichever comes first: n1's own term, or the term of a vote it grants, must be saved
        assertTrue(!t.isAlive() && n1.halted(), "the loop must halt\n" + logs);
        loops.remove("n1");
        assertTrue(logs.toString(StandardCharsets.UTF_8).contains("<3>node=n1 event=halted reason=STATE_NOT_SAVED"), logs.toString());
        assertTrue(fromN1.stream().noneMatch(m -> m instanceof vigil.core.election.Message.VoteRequest
                || m instanceof vigil.core.election.Message.VoteReply v && v.granted()
                || m instanceof vigil.core.election.Message.HeartbeatAck),
                "nothing that needs a saved term left n1: " + fromN1);
    }

    @Test
    void anythingThrownInsideTheLoopHaltsItSoTheDaemonExitsNonZero() throws Exception {
        Log log = new Log("n1", new PrintStream(logs, true, StandardCharsets.UTF_8), Priority.INFO);
        NodeLoop loop = loop("n1", TIMING, Durable.INITIAL, (d, ha) -> { },
                (to, frame) -> { throw new LinkageError("simulated class mismatch"); }, log);
        Thread t = new Thread(loop, "loop-broken");
        t.start();
        t.join(10_000); // it stands after one lease, sends a pre-vote, and the send throws
        assertTrue(!t.isAlive() && loop.halted(), "the loop must halt");
        assertTrue(logs.toString(StandardCharsets.UTF_8).contains("event=halted reason=INTERNAL_ERROR"), logs.toString());
    }
}
