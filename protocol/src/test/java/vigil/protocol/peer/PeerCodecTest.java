package vigil.protocol.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import vigil.core.election.Candidacy;
import vigil.core.election.ClusterRecord;
import vigil.core.election.Message;
import vigil.core.election.PgRecord;
import vigil.core.election.Report;

class PeerCodecTest {
    static final String HASH = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    final PeerCodec codec = new PeerCodec(HASH);

    @Test
    void everyMessageRoundTrips() throws Exception {
        Candidacy c = new Candidacy(true, 3, 0x1_0000_2000L);
        Candidacy unknown = new Candidacy(false, 2, 77, false);
        ClusterRecord full = new ClusterRecord(7, 2, "n1", new PgRecord("n1", 7_300_000_000_000_000_001L, 3,
                new PgRecord.Fork(2, 0x3000060L), List.of("n2", "n3"), "n2",
                new PgRecord.Confirmed("n2", 7, "alice", "2026-12-01T02:40:00Z"),
                new PgRecord.Paused("bob", "2026-12-01T22:00:00Z", 7), List.of("n3", "n2")), Map.of("n1", 7L, "n2", 5L),
                Map.of("n2", 5L));
        Report armed = new Report(1050, Report.PgSafety.MAY_WRITE, Report.Tracked.HOLDING);
        Report stopped = new Report(0, Report.PgSafety.STOPPED);
        List<Message> all = List.of(
                new Message.Heartbeat(7, 42, full, Map.of("n2", c, "n3", Candidacy.INELIGIBLE, "n4", unknown),
                        Map.of("n1", new Report.Heard(7, armed), "n2", new Report.Heard(6, stopped, true))),
                new Message.Heartbeat(7, 42, new ClusterRecord(7, 2, "n1", "n1", 3, List.of("n2", "n3")), Map.of("n2", c)),
                new Message.Heartbeat(1, 1, ClusterRecord.NONE, Map.of()),
                new Message.Heartbeat(7, 43, full, Map.of(), Map.of(), new vigil.core.election.VipGrant("n2", 41, 1_450)),
                new Message.HeartbeatAck(7, 42, c, stopped), new Message.Stale(9),
                new Message.PreVoteRequest(8, c, full), new Message.PreVoteReply(8, true, 0),
                new Message.PreVoteReply(8, false, 7, full),
                new Message.VoteRequest(8, unknown, full), new Message.VoteReply(8, false), new Message.Resign(7, stopped),
                new Message.Resign(7, stopped, "n2"),
                new Message.PreVoteRequest(8, c, full, new vigil.core.election.FailoverOrder("alice on n1", true)),
                new Message.VoteRequest(8, c, full, new vigil.core.election.FailoverOrder("bob", false)));
        for (Message m : all) assertEquals(m, codec.decode(codec.encode(m)));
    }

    /**
     * A switchover's successor is appended to a resignation only when there is one: a resignation without it is the
     * frame every earlier build of the same wire version wrote and reads, byte for byte.
     */
    @Test
    void aResignationNamesItsSuccessorOnlyWhenThereIsOne() throws BadFrameException {
        Report stopped = new Report(0, Report.PgSafety.STOPPED);
        byte[] plain = codec.encode(new Message.Resign(7, stopped));
        byte[] named = codec.encode(new Message.Resign(7, stopped, "n2"));
        assertEquals(plain.length + 1 + 2 + 2, named.length); // present flag, UTF length, "n2"
        assertEquals(null, ((Message.Resign) codec.decode(plain)).successor());
        assertEquals("n2", ((Message.Resign) codec.decode(named)).successor());
    }

    /**
     * An operator's order is appended to a (pre-)vote request only when there is one: a request without it is the frame
     * every earlier build of the same wire version wrote and reads, byte for byte.
     */
    @Test
    void aVoteRequestCarriesAnOrderOnlyWhenThereIsOne() throws BadFrameException {
        Candidacy c = new Candidacy(true, 3, 900);
        var order = new vigil.core.election.FailoverOrder("alice on n1", true);
        byte[] plain = codec.encode(new Message.VoteRequest(8, c, ClusterRecord.NONE));
        byte[] ordered = codec.encode(new Message.VoteRequest(8, c, ClusterRecord.NONE, order));
        assertEquals(plain.length + 2 + "alice on n1".length() + 1, ordered.length); // UTF length, operator, waiver
        assertEquals(null, ((Message.VoteRequest) codec.decode(plain)).order());
        assertEquals(order, ((Message.VoteRequest) codec.decode(ordered)).order());
        byte[] pre = codec.encode(new Message.PreVoteRequest(8, c, ClusterRecord.NONE, order));
        assertEquals(order, ((Message.PreVoteRequest) codec.decode(pre)).order());
    }

    @Test
    void anotherClusterConfigIsRefused() {
        byte[] frame = new PeerCodec("f" + HASH.substring(1)).encode(new Message.Stale(1));
        BadFrameException e = assertThrows(BadFrameException.class, () -> codec.decode(frame));
        assertTrue(e.getMessage().contains("cluster section differs"), e.getMessage());
    }

    @Test
    void truncatedUnknownAndForeignFramesAreRefused() {
        byte[] good = codec.encode(new Message.VoteRequest(8, Candidacy.ELIGIBLE, rec(7, 0)));
        for (int len = 0; len < good.length; len++) {
            byte[] cut = Arrays.copyOf(good, len);
            assertThrows(BadFrameException.class, () -> codec.decode(cut), "prefix of " + len + " bytes");
        }
        byte[] unknownType = good.clone();
        unknownType[9] = 99;
        assertThrows(BadFrameException.class, () -> codec.decode(unknownType));
        byte[] otherVersion = good.clone();
        otherVersion[0] = 1;
        assertTrue(assertThrows(BadFrameException.class, () -> codec.decode(otherVersion)).getMessage().contains("wire version 1"));
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThrows(BadFrameException.class, () -> codec.decode(trailing));
    }

    @Test
    void withAKeyFramesAreAuthenticatedAndForgeriesRefused() throws Exception {
        byte[] key = new byte[32];
        key[0] = 7;
        PeerCodec keyed = new PeerCodec(HASH, key);
        Message vote = new Message.VoteReply(9, true);
        byte[] frame = keyed.encode(vote);
        assertEquals(vote, keyed.decode(frame));
        byte[] otherKey = key.clone();
        otherKey[1] = 1;
        BadFrameException forged = assertThrows(BadFrameException.class, () -> keyed.decode(new PeerCodec(HASH, otherKey).encode(vote)));
        assertTrue(forged.getMessage().contains("authentication code does not match"), forged.getMessage());
        assertThrows(BadFrameException.class, () -> keyed.decode(codec.encode(vote)), "an unauthenticated frame");
        for (int i = 0; i < frame.length; i++) {
            byte[] flipped = frame.clone();
            flipped[i] ^= 1;
            assertThrows(BadFrameException.class, () -> keyed.decode(flipped), "bit flip at byte " + i);
        }
    }

    /** A candidate's record of (term, version): the same as, older or newer than the voter's by those alone. */
    static vigil.core.election.ClusterRecord rec(long term, long version) {
        return new vigil.core.election.ClusterRecord(term, version, null, vigil.core.election.PgRecord.NONE, java.util.Map.of());
    }

    /**
     * An operator's forwarded request travels under the same header and authentication code as a vote, is told apart
     * before it reaches the election, and is never taken for an election message (nor a message for it).
     */
    @Test
    void anOperatorFrameRoundTripsAuthenticatedAndIsNeverAnElectionMessage() throws BadFrameException {
        byte[] key = "0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        PeerCodec keyed = new PeerCodec(HASH, key);
        OperatorFrame ask = new OperatorFrame(7, false, "{\"version\":1,\"command\":\"pause\",\"args\":{\"operator\":\"é\"}}");
        OperatorFrame answer = new OperatorFrame(7, true, "{\"version\":1,\"ok\":true,\"result\":{}}");
        for (OperatorFrame f : List.of(ask, answer)) {
            byte[] frame = keyed.encode(f);
            assertTrue(PeerCodec.carriesOperator(frame));
            assertEquals(f, keyed.decodeOperator(frame));
            BadFrameException e = assertThrows(BadFrameException.class, () -> keyed.decode(frame));
            assertTrue(e.getMessage().contains("operator frame"), e.getMessage());
            byte[] forged = new PeerCodec(HASH, "another cluster's key, 32 bytes!".getBytes(java.nio.charset.StandardCharsets.UTF_8)).encode(f);
            e = assertThrows(BadFrameException.class, () -> keyed.decodeOperator(forged));
            assertTrue(e.getMessage().contains("authentication code"), e.getMessage());
            byte[] altered = frame.clone();
            altered[20] ^= 1;
            assertThrows(BadFrameException.class, () -> keyed.decodeOperator(altered));
        }
        byte[] vote = keyed.encode(new Message.VoteReply(8, true));
        assertTrue(!PeerCodec.carriesOperator(vote));
        assertThrows(BadFrameException.class, () -> keyed.decodeOperator(vote));
        assertTrue(!PeerCodec.carriesOperator(new byte[3]), "too short to say");
    }
    /**
     * The leader's steady heartbeat in a three-node cluster with PostgreSQL, its VIP grant and every node's report, as
     * it goes out every heartbeat interval to every follower: every number a varint since wire version 7. With
     * eight-byte numbers (wire version 6) the same heartbeat took 296 bytes unauthenticated; it takes 149 now.
     */
    @Test
    void aSteadyHeartbeatIsSmall() throws BadFrameException {
        ClusterRecord record = new ClusterRecord(12, 40, "n1", new PgRecord("n1", 7_715_525_310_445_651_202L, 3,
                new PgRecord.Fork(2, 0x5029338L), List.of(), "n2", null, null, List.of()),
                Map.of("n1", 12L, "n2", 9L, "n3", 5L), Map.of());
        Report primary = new Report(1000, Report.PgSafety.MAY_WRITE, Report.Tracked.HOLDING);
        Report standby = new Report(1000, Report.PgSafety.values()[2], Report.Tracked.values()[1]);
        Message.Heartbeat h = new Message.Heartbeat(12, 576_000, record,
                Map.of("n1", new Candidacy(true, 3, 0x7A1_2000L), "n2", new Candidacy(true, 3, 0x7A1_1F00L),
                        "n3", new Candidacy(true, 3, 0x7A0_0000L)),
                Map.of("n1", new Report.Heard(12, primary), "n2", new Report.Heard(12, standby),
                        "n3", new Report.Heard(12, standby)),
                new vigil.core.election.VipGrant("n1", 575_990, 1_450));
        byte[] frame = codec.encode(h);
        System.out.printf("[measure] steady heartbeat of three nodes: %d bytes (+%d with a key)%n", frame.length,
                PeerCodec.MAC_BYTES);
        assertEquals(h, codec.decode(frame));
        assertTrue(frame.length <= 200, frame.length + " bytes");
    }

    @Test
    void varintsRoundTripEveryLongAndRefuseOverlongOnes() throws Exception {
        for (long v : new long[] {0, 1, 127, 128, 16_383, 16_384, 7_715_525_310_445_651_202L, Long.MAX_VALUE, -1,
                Long.MIN_VALUE}) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            VarLong.write(new java.io.DataOutputStream(bytes), v);
            byte[] b = bytes.toByteArray();
            assertEquals(v, VarLong.read(new java.io.DataInputStream(new java.io.ByteArrayInputStream(b))), Long.toString(v));
            assertTrue(b.length <= 10 && (v < 0 || v >= 128 || b.length == 1), v + " took " + b.length + " bytes");
        }
        byte[] eleven = new byte[11];
        Arrays.fill(eleven, (byte) 0x80);
        assertThrows(java.io.IOException.class,
                () -> VarLong.read(new java.io.DataInputStream(new java.io.ByteArrayInputStream(eleven))));
        byte[] tooBig = {-1, -1, -1, -1, -1, -1, -1, -1, -1, 0x02}; // a 65th bit
        assertThrows(java.io.IOException.class,
                () -> VarLong.read(new java.io.DataInputStream(new java.io.ByteArrayInputStream(tooBig))));
    }
}
