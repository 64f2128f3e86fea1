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
        byte[] answer = codec.encode(new vigil.protocol.peer.OperatorFrame(1, true,
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
}
