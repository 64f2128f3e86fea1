package vigil.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.AdminCommand;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.AdminRequest;
import vigil.protocol.admin.ErrorCode;
import vigil.protocol.peer.PeerCodec;

/**
 * Two nodes' forwarding wired back to back (the peer channel replaced by a direct call): a request given on n2 is
 * carried out by n1 and n1's answer is n2's; what n1 must not take from a peer it refuses, and a request nobody answers
 * fails saying that it may or may not have been carried out.
 */
class ForwardingTest {
    static final String HASH = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final Log log = new Log("n2", new PrintStream(logged, true, StandardCharsets.UTF_8), Priority.INFO);
    private final PeerCodec codec = new PeerCodec(HASH, KEY);
    private final List<AdminRequest> carriedOut = new CopyOnWriteArrayList<>();
    /** n1 answers every request it is given with the operator it saw. */
    private final Forwarding n1 = new Forwarding("n1", codec, (to, frame) -> n2().onFrame("n1", frame), log);
    private Forwarding n2;

    private Forwarding n2() {
        return n2;
    }

    ForwardingTest() {
        n2 = new Forwarding("n2", codec, (to, frame) -> n1.onFrame("n2", frame), log);
        n1.serve(r -> {
            carriedOut.add(r);
            return CompletableFuture.completedFuture(AdminReply.success(Map.of("detail", "done by n1 for "
                    + r.args().get("operator"))));
        });
    }

    @Test
    void aRequestIsCarriedOutByTheOtherNodeAndItsAnswerComesBack() {
        AdminReply r = n2.ask("n1", AdminRequest.of(AdminCommand.PAUSE, Map.of("operator", "alice"))).join();
        assertTrue(r.ok(), String.valueOf(r.error()));
        assertEquals("done by n1 for alice", r.result().path("detail").asText());
        assertEquals(1, carriedOut.size());
        AdminRequest seen = carriedOut.get(0);
        assertEquals("pause", seen.command());
        assertEquals("n2", seen.args().get(Forwarding.FORWARDED_BY), "the copy names where it was given");
        assertTrue(Forwarding.forwarded(seen), "so that n1 never forwards it again");
        assertFalse(Forwarding.forwarded(AdminRequest.of(AdminCommand.PAUSE, Map.of("operator", "alice"))));
        assertTrue(logged.toString(StandardCharsets.UTF_8).contains("event=forwarded"), logged.toString(StandardCharsets.UTF_8));
    }

    /** Before the join nothing can reach the peer: refused at once, saying nothing was sent (not timed out). */
    @Test
    void beforeItHasJoinedItsPeersARequestIsRefusedAtOnce() {
        n2.joinedWhen(() -> false);
        AdminReply r = n2.ask("n1", AdminRequest.of(AdminCommand.PAUSE, Map.of("operator", "alice"))).join();
        assertFalse(r.ok());
        assertEquals(ErrorCode.REFUSED, r.error().code());
        assertEquals("this node has not joined its peers yet (vigild is starting): nothing was sent to n1; ask again in"
                + " a moment", r.error().message());
        assertEquals(List.of(), carriedOut);
        n2.joinedWhen(() -> true);
        assertTrue(n2.ask("n1", AdminRequest.of(AdminCommand.PAUSE, Map.of("operator", "alice"))).join().ok());
    }

    @Test
    void onlyTheCommandsANodeCarriesOutForOthersAreTaken() {
        for (AdminCommand c : AdminCommand.values()) {
            AdminReply r = n2.ask("n1", AdminRequest.of(c, Map.of("node", "n3", "action", "off"))).join();
            if (Forwarding.CARRIED.contains(c)) {
                assertTrue(r.ok(), c + ": " + r.error());
            } else {
                assertFalse(r.ok(), c + " must not be carried out for a peer");
                assertEquals(ErrorCode.REFUSED, r.error().code());
                assertEquals("n1 does not carry out " + c.wireName() + " for another node", r.error().message());
            }
        }
        assertFalse(carriedOut.stream().anyMatch(r -> r.command().equals("fence")), "a fence never runs for a peer");
    }

    @Test
    void aForwardedRequestMustComeFromTheNodeItNames() {
        List<AdminReply> answers = new CopyOnWriteArrayList<>();
        Forwarding relay = new Forwarding("n2", codec, (to, frame) -> n1Answering(answers).onFrame("n3", frame), log);
        relay.ask("n1", AdminRequest.of(AdminCommand.PAUSE, Map.of("operator", "mallory")));
        assertEquals(1, answers.size());
        assertEquals(ErrorCode.BAD_REQUEST, answers.get(0).error().code());
        assertTrue(answers.get(0).error().message().contains("must name its sender n3"), answers.get(0).error().message());
        assertTrue(carriedOut.isEmpty());
    }

    /** An answer counts only from the node that was asked: another peer cannot complete someone else's request. */
    @Test
    void anAnswerFromAnotherNodeIsIgnored() {
        List<byte[]> sent = new CopyOnWriteArrayList<>();
        Forwarding asker = new Forwarding("n2", codec, (to, frame) -> sent.add(frame), log, Duration.ofMillis(300));
        CompletableFuture<AdminReply> reply = asker.ask("n1", AdminRequest.of(AdminCommand.PAUSE, Map.of("operator", "a")));
        long id = decode(sent.get(0)).id();
        byte[] answer = codec.encode(new vigil.protocol.peer.OperatorFrame(id, true,
                AdminCodec.encodeReply(AdminReply.success(Map.of("detail", "forged")))));
        asker.onFrame("n3", answer);
        assertFalse(reply.isDone(), "n3 was not asked");
        asker.onFrame("n1", answer);
        assertEquals("forged", reply.join().result().path("detail").asText(), "n1's answer completes it");
    }

    /** A reply too large for one peer frame (a long history) is answered with a refusal that says so, not dropped. */
    @Test
    void anAnswerTooLargeForTheChannelSaysSo() {
        n1.serve(r -> CompletableFuture.completedFuture(AdminReply.success(Map.of("entries", "x".repeat(70_000)))));
        AdminReply r = n2.ask("n1", AdminRequest.of(AdminCommand.HISTORY, Map.of("limit", 500))).join();
        assertFalse(r.ok());
        assertEquals(ErrorCode.REFUSED, r.error().code());
        assertTrue(r.error().message().startsWith("n1's answer (") && r.error().message().contains("too large for the peer"
                + " channel: ask for less"), r.error().message());
    }

    /** An n1 whose answers are decoded into {@code answers} instead of being sent back. */
    private Forwarding n1Answering(List<AdminReply> answers) {
        Forwarding f = new Forwarding("n1", codec, (to, frame) -> {
            try {
                answers.add(AdminCodec.decodeReply(codec.decodeOperator(frame).json()).value());
            } catch (vigil.protocol.peer.BadFrameException e) {
                throw new AssertionError(e);
            }
        }, log);
        f.serve(r -> {
            carriedOut.add(r);
            return CompletableFuture.completedFuture(AdminReply.success(Map.of()));
        });
        return f;
    }

    @Test
    void aRequestNobodyAnswersFailsSayingItMayHaveBeenCarriedOut() {
        Forwarding lost = new Forwarding("n2", codec, (to, frame) -> { }, log, Duration.ofMillis(50));
        AdminReply r = lost.ask("n1", AdminRequest.of(AdminCommand.SWITCHOVER, Map.of("operator", "alice"))).join();
        assertFalse(r.ok());
        assertEquals(ErrorCode.INTERNAL, r.error().code());
        assertEquals("n1 did not answer switchover within 0.05 s: it may or may not have carried it out (see vigilctl "
                + "status)", r.error().message());
        AdminReply read = lost.ask("n1", AdminRequest.of(AdminCommand.STATUS, Map.of("node", "n1"))).join();
        assertEquals("n1 did not answer status within 0.05 s (unreachable, or built before forwarding)",
                read.error().message(), "a read changes nothing: no 'may or may not'");
    }

    @Test
    void aFrameUnderAnotherKeyIsDroppedAndLogged() {
        PeerCodec stranger = new PeerCodec(HASH, "another cluster's key, 32 bytes!".getBytes(StandardCharsets.UTF_8));
        n1.onFrame("n9", stranger.encode(new vigil.protocol.peer.OperatorFrame(1, false,
                AdminCodec.encodeRequest(AdminRequest.of(AdminCommand.PAUSE, Map.of(Forwarding.FORWARDED_BY, "n9"))))));
        assertTrue(carriedOut.isEmpty());
        String out = logged.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("event=bad_frame") && out.contains("authentication code"), out);
    }

    private vigil.protocol.peer.OperatorFrame decode(byte[] frame) {
        try {
            return codec.decodeOperator(frame);
        } catch (vigil.protocol.peer.BadFrameException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * One node's paths to its peer: whether its JGroups view holds the peer, whether JGroups delivers (its connection
     * may be cut while the view still holds the peer), and what went which way. Datagrams always arrive.
     */
    private static final class Link implements Forwarding.Paths {
        final String self;
        final boolean inView;
        final boolean jgroupsDelivers;
        final List<byte[]> jgroups = new CopyOnWriteArrayList<>();
        final List<byte[]> datagrams = new CopyOnWriteArrayList<>();
        Forwarding peer;

        Link(String self, boolean inView, boolean jgroupsDelivers) {
            this.self = self;
            this.inView = inView;
            this.jgroupsDelivers = jgroupsDelivers;
        }

        @Override public boolean inView(String node) { return inView; }
        @Override public void reliable(String node, byte[] frame) {
            jgroups.add(frame);
            if (inView && jgroupsDelivers) peer.onFrame(self, frame, false);
        }
        @Override public boolean datagram(String node, byte[] frame) {
            datagrams.add(frame);
            peer.onFrame(self, frame, true);
            return true;
        }
    }

    private static java.time.Clock at(long ms) {
        return java.time.Clock.fixed(java.time.Instant.ofEpochMilli(ms), java.time.ZoneOffset.UTC);
    }

    private static final long NOW = 1_764_000_000_000L;

    /** n2 asking n1 over {@code toN1}, n1 answering over {@code toN2}; n1 records what it carries out. */
    private Forwarding ask(Link toN1, Link toN2, AdminCommand command) {
        Forwarding leader = new Forwarding("n1", codec, toN2, log, Duration.ofSeconds(3), at(NOW));
        Forwarding asker = new Forwarding("n2", codec, toN1, log, Duration.ofSeconds(3), at(NOW + 2_000)); // 2 s ahead
        toN1.peer = leader;
        toN2.peer = asker;
        leader.serve(r -> {
            carriedOut.add(r);
            return CompletableFuture.completedFuture(AdminReply.success(Map.of("detail", "done")));
        });
        AdminReply r = asker.ask("n1", AdminRequest.of(command, Map.of("node", "n3"))).join();
        assertTrue(r.ok(), String.valueOf(r.error()));
        assertEquals("done", r.result().path("detail").asText());
        return leader;
    }

    /**
     * Live nodes whose JGroups views are apart (a restarted node that started alone, a merge pending) while the
     * election, by datagram, names the leader: JGroups drops the request, its datagram copy is carried out, and the
     * answer comes back the same way.
     */
    @Test
    void aPeerOutsideTheViewIsAskedAndAnswersByDatagram() {
        Link toN1 = new Link("n2", false, false);
        Link toN2 = new Link("n1", false, false);
        Forwarding leader = ask(toN1, toN2, AdminCommand.CONFIRM_DOWN);
        assertEquals(1, carriedOut.size());
        assertEquals(NOW + 2_000, ((Number) carriedOut.get(0).args().get(Forwarding.FORWARDED_AT)).longValue(),
                "the request says when it was sent");
        assertEquals(1, toN2.datagrams.size(), "the answer came back by datagram");
        assertTrue(logged.toString(StandardCharsets.UTF_8).contains("path=datagram"), logged.toString(StandardCharsets.UTF_8));

        // The same datagram again (a replay on the LAN), or a late copy by JGroups: not carried out twice, not answered.
        leader.onFrame("n2", toN1.datagrams.get(0), true);
        leader.onFrame("n2", toN1.jgroups.get(0), false);
        assertEquals(1, carriedOut.size(), "a request is carried out once");
        assertEquals(1, toN2.datagrams.size(), "and answered once");
    }

    /**
     * The views disagree (the CI failure of FenceIT, reproduced in LeaderElectionIT): the asker's view lacks the leader,
     * the leader's still holds the asker but its JGroups connection is cut. The answer must not go by JGroups alone.
     */
    @Test
    void anAnswerReachesAnAskerWhoseViewHasMovedOn() {
        ask(new Link("n2", false, false), new Link("n1", true, false), AdminCommand.PAUSE);
        assertEquals(1, carriedOut.size());
    }

    /** On a healthy link both copies arrive: the first is carried out, the second dropped without a word. */
    @Test
    void aRequestThatArrivesBothWaysIsCarriedOutOnce() {
        ask(new Link("n2", true, true), new Link("n1", true, true), AdminCommand.SWITCHOVER);
        assertEquals(1, carriedOut.size());
        String out = logged.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("path=both") && !out.contains("bad_frame"), out);
    }

    /** A request by datagram that does not say when it was sent, or was sent too long ago, is a replay to drop. */
    @Test
    void aStaleOrUndatedRequestByDatagramIsNotCarriedOut() {
        long now = 1_764_000_000_000L;
        Hands clock = new Hands(now - 60_000); // started a minute ago
        Forwarding leader = new Forwarding("n1", codec, new Sent(new CopyOnWriteArrayList<>()), log, Duration.ofSeconds(3),
                clock);
        clock.ms = now;
        leader.serve(r -> {
            carriedOut.add(r);
            return CompletableFuture.completedFuture(AdminReply.success(Map.of()));
        });
        java.util.function.Function<Map<String, Object>, byte[]> ask = args -> codec.encode(
                new vigil.protocol.peer.OperatorFrame(args.hashCode(), false, AdminCodec.encodeRequest(
                        AdminRequest.of(AdminCommand.PAUSE, args))));
        long stale = now - Forwarding.FRESH.toMillis() - 1;
        leader.onFrame("n2", ask.apply(Map.of(Forwarding.FORWARDED_BY, "n2", Forwarding.FORWARDED_AT, stale)), true);
        leader.onFrame("n2", ask.apply(Map.of(Forwarding.FORWARDED_BY, "n2", Forwarding.FORWARDED_AT,
                now + Forwarding.FRESH.toMillis() + 1)), true);
        leader.onFrame("n2", ask.apply(Map.of(Forwarding.FORWARDED_BY, "n2")), true);
        assertEquals(List.of(), carriedOut);
        String out = logged.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("event=bad_frame") && out.contains("not carried out: sent 30001 ms ago by n2's clock"), out);
        leader.onFrame("n2", ask.apply(Map.of(Forwarding.FORWARDED_BY, "n2", Forwarding.FORWARDED_AT, stale + 1)), true);
        assertEquals(1, carriedOut.size(), "within the window it is taken");
        leader.onFrame("n2", ask.apply(Map.of(Forwarding.FORWARDED_BY, "n2")), false);
        assertEquals(2, carriedOut.size(), "by JGroups an undated request (a vigild not yet upgraded) is taken");
    }

    /** A wall clock the test moves. */
    private static final class Hands extends java.time.Clock {
        volatile long ms;

        Hands(long ms) {
            this.ms = ms;
        }

        @Override public java.time.ZoneId getZone() { return java.time.ZoneOffset.UTC; }
        @Override public java.time.Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public java.time.Instant instant() { return java.time.Instant.ofEpochMilli(ms); }
    }

    /**
     * A copy that JGroups delivers late (TCP in back-off, a merge resending) finds its request remembered as taken for
     * {@link Forwarding#TAKEN_FOR}; after that it is too old to be carried out at all.
     */
    @Test
    void aLateCopyIsNeverCarriedOutASecondTime() {
        Hands clock = new Hands(NOW);
        Forwarding leader = new Forwarding("n1", codec, new Sent(new CopyOnWriteArrayList<>()), log, Duration.ofSeconds(3),
                clock);
        leader.serve(r -> {
            carriedOut.add(r);
            return CompletableFuture.completedFuture(AdminReply.success(Map.of()));
        });
        clock.ms = NOW + 1_000;
        byte[] request = codec.encode(new vigil.protocol.peer.OperatorFrame(7, false, AdminCodec.encodeRequest(
                AdminRequest.of(AdminCommand.SWITCHOVER, Map.of(Forwarding.FORWARDED_BY, "n2",
                        Forwarding.FORWARDED_AT, NOW + 1_000)))));
        leader.onFrame("n2", request, true);
        assertEquals(1, carriedOut.size());
        clock.ms = NOW + Forwarding.TAKEN_FOR.toMillis() - 1;
        leader.onFrame("n2", request, false);
        assertEquals(1, carriedOut.size(), "remembered as taken");
        clock.ms = NOW + Forwarding.TAKEN_FOR.toMillis() + 2_000;
        leader.onFrame("n2", request, false);
        assertEquals(1, carriedOut.size(), "forgotten, but too old");
        assertTrue(logged.toString(StandardCharsets.UTF_8).contains("a request by JGroups (id 7) not carried out: sent "
                + (Forwarding.TAKEN_FOR.toMillis() + 1_000) + " ms ago"), logged.toString(StandardCharsets.UTF_8));
    }

    /** After a restart nothing is remembered: a request by datagram dated before this vigild started is a replay. */
    @Test
    void aDatagramFromBeforeThisVigildStartedIsAReplay() {
        Forwarding leader = new Forwarding("n1", codec, new Sent(new CopyOnWriteArrayList<>()), log, Duration.ofSeconds(3),
                at(NOW));
        leader.serve(r -> {
            carriedOut.add(r);
            return CompletableFuture.completedFuture(AdminReply.success(Map.of()));
        });
        leader.onFrame("n2", codec.encode(new vigil.protocol.peer.OperatorFrame(8, false, AdminCodec.encodeRequest(
                AdminRequest.of(AdminCommand.CONFIRM_DOWN, Map.of(Forwarding.FORWARDED_BY, "n2",
                        Forwarding.FORWARDED_AT, NOW - 1))))), true);
        assertEquals(List.of(), carriedOut);
        assertTrue(logged.toString(StandardCharsets.UTF_8).contains("sent before this vigild started (a replay)"),
                logged.toString(StandardCharsets.UTF_8));
    }

    /**
     * What reads the datagram socket: an operator frame sealed under the cluster key is opened and carried out (off the
     * reading thread); one in clear, in a cluster with a key, is refused and logged; anything else is the election's.
     */
    @Test
    void aSealedRequestByDatagramIsCarriedOutAndAClearOneRefused() throws InterruptedException {
        OperatorSeal seal = new OperatorSeal(KEY);
        Forwarding leader = new Forwarding("n1", codec, new Sent(new CopyOnWriteArrayList<>()), log, Duration.ofSeconds(3),
                java.time.Clock.systemUTC());
        leader.serve(r -> {
            carriedOut.add(r);
            return CompletableFuture.completedFuture(AdminReply.success(Map.of()));
        });
        List<String> election = new CopyOnWriteArrayList<>();
        var reader = leader.datagramsOr(seal, (from, frame) -> election.add(new String(frame, StandardCharsets.ISO_8859_1)));
        java.util.function.LongFunction<byte[]> request = id -> codec.encode(new vigil.protocol.peer.OperatorFrame(id,
                false, AdminCodec.encodeRequest(AdminRequest.of(AdminCommand.PAUSE, Map.of(Forwarding.FORWARDED_BY,
                        "n2", Forwarding.FORWARDED_AT, System.currentTimeMillis())))));
        byte[] heartbeat = {(byte) PeerCodec.WIRE_VERSION, 1, 2, 3, 4, 5, 6, 7, 8, 0, 'h', 'b'}; // byte 9: no operator type
        reader.onDatagram("n2", request.apply(1));                 // in clear: refused
        reader.onDatagram("n2", heartbeat);
        reader.onDatagram("n2", new byte[] {OperatorSeal.MARK, 1, 2, 3}); // claims to be sealed, does not open
        reader.onDatagram("n2", seal.seal(request.apply(2)));       // sealed: carried out, after the clear one
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (carriedOut.isEmpty() && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(1, carriedOut.size(), "the sealed request only");
        assertEquals(1, election.size(), "the heartbeat, and only it, went to the election");
        assertTrue(java.util.Arrays.equals(heartbeat, election.get(0).getBytes(StandardCharsets.ISO_8859_1)));
        String out = logged.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("an operator datagram that does not open under this cluster's key"), out);
    }

    /** A request that could go neither way says so in the log: no answer is to be expected. */
    @Test
    void aRequestThatCouldGoNowhereSaysSo() {
        Forwarding asker = new Forwarding("n2", codec, new Forwarding.Paths() {
            @Override public boolean inView(String node) { return false; }
            @Override public void reliable(String node, byte[] frame) { }
            @Override public boolean datagram(String node, byte[] frame) { return false; }
        }, log, Duration.ofMillis(50), at(NOW));
        assertFalse(asker.ask("n1", AdminRequest.of(AdminCommand.PAUSE, Map.of())).join().ok());
        assertTrue(logged.toString(StandardCharsets.UTF_8).contains("path=none"), logged.toString(StandardCharsets.UTF_8));
    }

    /** Ids start from the wall clock: an answer to an earlier incarnation's request can never complete a new one. */
    @Test
    void aRestartedNodeNeverReusesAnId() {
        List<byte[]> before = new CopyOnWriteArrayList<>();
        List<byte[]> after = new CopyOnWriteArrayList<>();
        Forwarding first = new Forwarding("n2", codec, new Sent(before), log, Duration.ofMillis(50), at(1_000_000));
        for (int i = 0; i < 5; i++) first.ask("n1", AdminRequest.of(AdminCommand.PAUSE, Map.of()));
        Forwarding second = new Forwarding("n2", codec, new Sent(after), log, Duration.ofMillis(50), at(1_000_001));
        second.ask("n1", AdminRequest.of(AdminCommand.PAUSE, Map.of()));
        long newest = before.stream().mapToLong(f -> decode(f).id()).max().orElseThrow();
        assertTrue(decode(after.get(0)).id() > newest, decode(after.get(0)).id() + " after " + newest);
    }

    private record Sent(List<byte[]> frames) implements Forwarding.Paths {
        @Override public boolean inView(String node) { return true; }
        @Override public void reliable(String node, byte[] frame) { frames.add(frame); }
        @Override public boolean datagram(String node, byte[] frame) { return false; }
    }
}
