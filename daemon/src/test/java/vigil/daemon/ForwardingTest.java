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
        Forwarding n3 = new Forwarding("n3", codec, (to, frame) -> { }, log);
        Forwarding relay = new Forwarding("n2", codec, (to, frame) -> n1Answering(answers).onFrame("n3", frame), log);
        relay.ask("n1", AdminRequest.of(AdminCommand.PAUSE, Map.of("operator", "mallory")));
        assertEquals(1, answers.size());
        assertEquals(ErrorCode.BAD_REQUEST, answers.get(0).error().code());
        assertTrue(answers.get(0).error().message().contains("must name its sender n3"), answers.get(0).error().message());
        assertTrue(carriedOut.isEmpty());
        assertTrue(n3 != null);
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
