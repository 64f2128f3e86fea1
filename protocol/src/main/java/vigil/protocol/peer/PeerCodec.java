package vigil.protocol.peer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import vigil.core.election.Candidacy;
import vigil.core.election.ClusterRecord;
import vigil.core.election.Message;
import vigil.core.election.PgRecord;
import vigil.core.election.Report;
import vigil.core.election.VipGrant;

/**
 * Binary encoding of election messages between daemons. Every frame starts with the wire version and a
 * fingerprint of the cluster section of the sender's config: a node whose cluster section differs (other voters,
 * other timing) computes quorums and leases differently, so its messages are refused instead of trusted.
 *
 * <p>With a shared key every frame also ends in an HMAC-SHA256 over everything before it, under a key derived from
 * the cluster key: JGroups' SYM_ENCRYPT (AES/CBC) hides the bytes but does not prove who wrote them, and a vote or a
 * heartbeat must never be forged.
 *
 * <pre>frame = version:u8 fingerprint:i64 type:u8 term:varint body [hmac:32]</pre>
 *
 * <p>Version 2 added node reports (watchdog, PostgreSQL safety) to heartbeats, acknowledgements and resignations, the
 * record's PostgreSQL part (system identifier, fork, former primary) and {@code ledIn}, the candidacy's {@code known}
 * flag and the record catch-up in pre-vote replies. Version 3 added the grant of the VIPs placed by checks to
 * heartbeats, each node's standing for them to reports, and an operator's confirm-down to the record. Nodes of different wire versions refuse each other's frames:
 * upgrade every node of a cluster together (a rolling upgrade across wire versions is not supported).
 *
 * Version 4 added maintenance mode ({@code paused}) to the record, version 5 the banned nodes, version 6 the watchdog
 * announcements withdrawn before a restart of vigild ({@code unwatched}). Version 7 writes every number of an election
 * message as a varint ({@link VarLong}) instead of eight bytes: the leader's steady heartbeat in a three-node cluster
 * went from 296 to 149 bytes (plus 32 of authentication code), sent every heartbeat to every follower. The
 * fingerprint, and an operator frame's id, stay eight bytes.
 *
 * <p>Since version 3, a resignation may end with the name of the successor a switchover hands leadership to. It is
 * written only when there is one, so nothing else changed on the wire; a node built before it refuses that one frame
 * ("trailing bytes") and so only waits out its no-vote window, as if the resignation had been lost.
 *
 * <p>Likewise a (pre-)vote request may end with the operator's order the candidate stands under
 * ({@code vigilctl failover --to}): its operator and whether data loss was accepted. A node built before it refuses
 * that request as it would any bad frame, so a candidate under an order wins only the votes of nodes that know orders.
 *
 * <p>Two more frame types carry no election message: an operator's admin request forwarded to the node that carries
 * it out (the leader, or the node a {@code cleanup} names) and that node's reply, each as the admin protocol's JSON
 * ({@link OperatorFrame}), under the same version, fingerprint and authentication code. They were added without a new
 * wire version: a node built before them logs the frame as bad and the request times out at its sender.
 */
public final class PeerCodec {
    public static final int WIRE_VERSION = 7;

    /** Optional, last, written only when there is one (see the class comment): its operator, then the waiver. */
    private static void writeOrder(DataOutputStream out, vigil.core.election.FailoverOrder order) throws IOException {
        if (order == null) return;
        out.writeUTF(order.operator());
        out.writeBoolean(order.acceptDataLoss());
    }

    private static vigil.core.election.FailoverOrder readOrder(DataInputStream in) throws IOException {
        if (in.available() == 0) return null;
        return new vigil.core.election.FailoverOrder(in.readUTF(), in.readBoolean());
    }
    static final int MAX_FRAME = 64 * 1024;

    static final int MAC_BYTES = 32;
    private final long fingerprint;
    private final javax.crypto.spec.SecretKeySpec macKey;

    /** An unauthenticated codec, for {@code insecure: true} clusters only. */
    public PeerCodec(String clusterHash) {
        this(clusterHash, null);
    }

    /**
     * @param clusterHash hex SHA-256 of the cluster section; its first 16 hex digits become the fingerprint
     * @param sharedKey   the cluster key, or null when peer traffic is insecure by configuration
     */
    public PeerCodec(String clusterHash, byte[] sharedKey) {
        this.fingerprint = Long.parseUnsignedLong(clusterHash.substring(0, 16), 16);
        this.macKey = sharedKey == null ? null : deriveMacKey(sharedKey);
    }

    private static javax.crypto.spec.SecretKeySpec deriveMacKey(byte[] sharedKey) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(sharedKey, "HmacSHA256"));
            byte[] derived = mac.doFinal("vigil peer message authentication v1".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return new javax.crypto.spec.SecretKeySpec(derived, "HmacSHA256");
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** One keyed Mac per thread, reused: looking the algorithm up and keying it for every frame cost more than the MAC. */
    private final ThreadLocal<javax.crypto.Mac> macs = ThreadLocal.withInitial(this::keyedMac);

    private javax.crypto.Mac keyedMac() {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(macKey);
            return mac;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private byte[] mac(byte[] data, int length) {
        javax.crypto.Mac mac = macs.get();
        mac.update(data, 0, length);
        return mac.doFinal(); // and resets it for the next frame
    }

    public byte[] encode(Message m) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(WIRE_VERSION);
            out.writeLong(fingerprint);
            out.writeByte(Type.of(m).ordinal());
            VarLong.write(out, m.term());
            if (m instanceof Message.Heartbeat h) {
                VarLong.write(out, h.seq());
                writeRecord(out, h.record());
                out.writeShort(h.candidacies().size());
                for (Map.Entry<String, Candidacy> e : h.candidacies().entrySet()) {
                    out.writeUTF(e.getKey());
                    writeCandidacy(out, e.getValue());
                }
                out.writeShort(h.reports().size());
                for (Map.Entry<String, Report.Heard> e : h.reports().entrySet()) {
                    out.writeUTF(e.getKey());
                    VarLong.write(out, e.getValue().term());
                    writeReport(out, e.getValue().report());
                    out.writeBoolean(e.getValue().farewell());
                }
                out.writeBoolean(h.grant() != null);
                if (h.grant() != null) {
                    out.writeUTF(h.grant().holder());
                    VarLong.write(out, h.grant().ackSeq());
                    VarLong.write(out, h.grant().validMs());
                }
            } else if (m instanceof Message.HeartbeatAck a) {
                VarLong.write(out, a.seq());
                writeCandidacy(out, a.candidacy());
                writeReport(out, a.report());
            } else if (m instanceof Message.PreVoteRequest p) {
                writeCandidacy(out, p.candidacy());
                writeRecord(out, p.record());
                writeOrder(out, p.order());
            } else if (m instanceof Message.VoteRequest v) {
                writeCandidacy(out, v.candidacy());
                writeRecord(out, v.record());
                writeOrder(out, v.order());
            } else if (m instanceof Message.PreVoteReply p) {
                out.writeBoolean(p.granted());
                VarLong.write(out, p.voterTerm());
                out.writeBoolean(p.record() != null);
                if (p.record() != null) writeRecord(out, p.record());
            } else if (m instanceof Message.VoteReply v) {
                out.writeBoolean(v.granted());
            } else if (m instanceof Message.Resign r) {
                writeReport(out, r.report());
                if (r.successor() != null) writeName(out, r.successor()); // optional, last: see the class comment
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sealed(bytes.toByteArray());
    }

    /** {@code body} followed by its authentication code (as it is without a key). */
    private byte[] sealed(byte[] body) {
        if (macKey == null) return body;
        byte[] framed = java.util.Arrays.copyOf(body, body.length + MAC_BYTES);
        System.arraycopy(mac(body, body.length), 0, framed, body.length, MAC_BYTES);
        return framed;
    }

    /** @throws BadFrameException for a truncated or unknown frame, another wire version or another cluster config */
    public Message decode(byte[] frame) throws BadFrameException {
        try (DataInputStream in = open(frame)) {
            int typeIndex = in.readUnsignedByte();
            if (typeIndex >= TYPES.length) throw new BadFrameException("unknown message type " + typeIndex);
            long term = VarLong.read(in);
            Message m = switch (TYPES[typeIndex]) {
                case HEARTBEAT -> {
                    long seq = VarLong.read(in);
                    ClusterRecord record = readRecord(in);
                    int n = in.readUnsignedShort();
                    Map<String, Candidacy> table = new HashMap<>();
                    for (int i = 0; i < n; i++) table.put(in.readUTF(), readCandidacy(in));
                    int r = in.readUnsignedShort();
                    Map<String, Report.Heard> reports = new HashMap<>();
                    for (int i = 0; i < r; i++) {
                        String name = in.readUTF();
                        long heardIn = VarLong.read(in);
                        Report report = readReport(in);
                        reports.put(name, new Report.Heard(heardIn, report, in.readBoolean()));
                    }
                    VipGrant grant = in.readBoolean() ? new VipGrant(in.readUTF(), VarLong.read(in), VarLong.read(in)) : null;
                    yield new Message.Heartbeat(term, seq, record, table, reports, grant);
                }
                case ACK -> new Message.HeartbeatAck(term, VarLong.read(in), readCandidacy(in), readReport(in));
                case STALE -> new Message.Stale(term);
                case PRE_VOTE_REQUEST -> new Message.PreVoteRequest(term, readCandidacy(in), readRecord(in), readOrder(in));
                case PRE_VOTE_REPLY -> new Message.PreVoteReply(term, in.readBoolean(), VarLong.read(in),
                        in.readBoolean() ? readRecord(in) : null);
                case VOTE_REQUEST -> new Message.VoteRequest(term, readCandidacy(in), readRecord(in), readOrder(in));
                case VOTE_REPLY -> new Message.VoteReply(term, in.readBoolean());
                case RESIGN -> new Message.Resign(term, readReport(in), in.available() > 0 ? readName(in) : null);
                case OPERATOR_ASK, OPERATOR_ANSWER -> throw new BadFrameException("an operator frame, not an election message");
            };
            if (in.available() > 0) throw new BadFrameException(in.available() + " trailing bytes");
            return m;
        } catch (IOException | RuntimeException e) {
            throw new BadFrameException("truncated or malformed frame: " + e);
        }
    }

    /**
     * Checks the authentication code, the wire version and the cluster fingerprint of {@code frame}, and returns a
     * stream of what follows them (type, term, body; the code left out).
     */
    private DataInputStream open(byte[] frame) throws BadFrameException {
        if (frame.length > MAX_FRAME) throw new BadFrameException("frame of " + frame.length + " bytes is too large");
        int length = frame.length;
        if (macKey != null) {
            if (length < MAC_BYTES) throw new BadFrameException("frame too short to carry its authentication code");
            length -= MAC_BYTES;
            byte[] expected = mac(frame, length);
            byte[] got = java.util.Arrays.copyOfRange(frame, length, frame.length);
            if (!java.security.MessageDigest.isEqual(expected, got)) {
                throw new BadFrameException("authentication code does not match: the sender does not hold this "
                        + "cluster's key (or the frame was altered)");
            }
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(frame, 0, length));
        try {
            int version = in.readUnsignedByte();
            if (version != WIRE_VERSION) {
                throw new BadFrameException("wire version " + version + ", this node speaks " + WIRE_VERSION);
            }
            long theirs = in.readLong();
            if (theirs != fingerprint) {
                throw new BadFrameException(String.format(
                        "cluster section differs (fingerprint %016x, ours %016x): make the cluster section of every "
                                + "node's config identical", theirs, fingerprint));
            }
        } catch (IOException e) {
            throw new BadFrameException("truncated or malformed frame: " + e);
        }
        return in;
    }

    /** Whether {@code frame} (not yet authenticated) claims to carry an {@link OperatorFrame} rather than a message. */
    public static boolean carriesOperator(byte[] frame) {
        if (frame.length < 10) return false;
        int type = frame[9] & 0xff;
        return type == Type.OPERATOR_ASK.ordinal() || type == Type.OPERATOR_ANSWER.ordinal();
    }

    /** Frames an operator's request forwarded to another node, or its answer; authenticated like every frame. */
    public byte[] encode(OperatorFrame f) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(WIRE_VERSION);
            out.writeLong(fingerprint);
            out.writeByte((f.answer() ? Type.OPERATOR_ANSWER : Type.OPERATOR_ASK).ordinal());
            out.writeLong(f.id());
            byte[] json = f.json().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.writeInt(json.length);
            out.write(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] body = bytes.toByteArray();
        if (body.length + MAC_BYTES > MAX_FRAME) {
            throw new IllegalArgumentException("operator frame of " + body.length + " bytes is too large");
        }
        return sealed(body);
    }

    /** @throws BadFrameException when {@code frame} is not an authentic operator frame of this cluster */
    public OperatorFrame decodeOperator(byte[] frame) throws BadFrameException {
        try (DataInputStream in = open(frame)) {
            int type = in.readUnsignedByte();
            if (type != Type.OPERATOR_ASK.ordinal() && type != Type.OPERATOR_ANSWER.ordinal()) {
                throw new BadFrameException("not an operator frame (type " + type + ")");
            }
            long id = in.readLong();
            int n = in.readInt();
            if (n < 0 || n != in.available()) throw new BadFrameException("operator frame body of " + n + " bytes does not fit");
            byte[] json = in.readNBytes(n);
            return new OperatorFrame(id, type == Type.OPERATOR_ANSWER.ordinal(),
                    new String(json, java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new BadFrameException("truncated or malformed frame: " + e);
        }
    }

    private static void writeRecord(DataOutputStream out, ClusterRecord r) throws IOException {
        VarLong.write(out, r.term());
        VarLong.write(out, r.version());
        writeName(out, r.leader());
        PgRecord pg = r.pg();
        writeName(out, pg.primary());
        VarLong.write(out, pg.systemId());
        VarLong.write(out, pg.timeline());
        out.writeBoolean(pg.fork() != null);
        if (pg.fork() != null) {
            VarLong.write(out, pg.fork().parentTimeline());
            VarLong.write(out, pg.fork().lsn());
        }
        out.writeShort(pg.sync().size());
        for (String s : pg.sync()) out.writeUTF(s);
        writeName(out, pg.formerPrimary());
        PgRecord.Confirmed oath = pg.confirmedDown();
        out.writeBoolean(oath != null);
        if (oath != null) {
            out.writeUTF(oath.node());
            VarLong.write(out, oath.term());
            out.writeUTF(oath.operator());
            out.writeUTF(oath.at());
        }
        PgRecord.Paused paused = pg.paused();
        out.writeBoolean(paused != null);
        if (paused != null) {
            out.writeUTF(paused.operator());
            out.writeUTF(paused.at());
            VarLong.write(out, paused.term());
        }
        out.writeShort(pg.banned().size());
        for (String b : pg.banned()) out.writeUTF(b);
        writeTerms(out, r.ledIn());
        writeTerms(out, r.unwatched());
    }

    private static void writeTerms(DataOutputStream out, Map<String, Long> terms) throws IOException {
        out.writeShort(terms.size());
        for (Map.Entry<String, Long> e : terms.entrySet()) {
            out.writeUTF(e.getKey());
            VarLong.write(out, e.getValue());
        }
    }

    private static Map<String, Long> readTerms(DataInputStream in) throws IOException {
        int n = in.readUnsignedShort();
        Map<String, Long> terms = new HashMap<>();
        for (int i = 0; i < n; i++) terms.put(in.readUTF(), VarLong.read(in));
        return terms;
    }

    private static ClusterRecord readRecord(DataInputStream in) throws IOException {
        long term = VarLong.read(in);
        long version = VarLong.read(in);
        String leader = readName(in);
        String primary = readName(in);
        long systemId = VarLong.read(in);
        long timeline = VarLong.read(in);
        PgRecord.Fork fork = in.readBoolean() ? new PgRecord.Fork(VarLong.read(in), VarLong.read(in)) : null;
        int n = in.readUnsignedShort();
        java.util.List<String> sync = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) sync.add(in.readUTF());
        String former = readName(in);
        PgRecord.Confirmed oath = in.readBoolean()
                ? new PgRecord.Confirmed(in.readUTF(), VarLong.read(in), in.readUTF(), in.readUTF()) : null;
        PgRecord.Paused paused = in.readBoolean() ? new PgRecord.Paused(in.readUTF(), in.readUTF(), VarLong.read(in)) : null;
        int nb = in.readUnsignedShort();
        java.util.List<String> banned = new java.util.ArrayList<>();
        for (int i = 0; i < nb; i++) banned.add(in.readUTF());
        Map<String, Long> ledIn = readTerms(in);
        Map<String, Long> unwatched = readTerms(in);
        return new ClusterRecord(term, version, leader, new PgRecord(primary, systemId, timeline, fork, sync, former, oath, paused, banned),
                ledIn, unwatched);
    }

    private static void writeReport(DataOutputStream out, Report r) throws IOException {
        VarLong.write(out, r.watchdogMs());
        out.writeByte(r.pg().ordinal());
        out.writeByte(r.tracked().ordinal());
    }

    private static Report readReport(DataInputStream in) throws IOException {
        long watchdogMs = VarLong.read(in);
        int safety = in.readUnsignedByte();
        int tracked = in.readUnsignedByte();
        if (watchdogMs < 0 || safety >= Report.PgSafety.values().length || tracked >= Report.Tracked.values().length) {
            throw new IOException("bad report");
        }
        return new Report(watchdogMs, Report.PgSafety.values()[safety], Report.Tracked.values()[tracked]);
    }

    private static void writeName(DataOutputStream out, String name) throws IOException {
        out.writeBoolean(name != null);
        if (name != null) out.writeUTF(name);
    }

    private static String readName(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private static void writeCandidacy(DataOutputStream out, Candidacy c) throws IOException {
        out.writeBoolean(c.eligible());
        VarLong.write(out, c.timeline());
        VarLong.write(out, c.lsn());
        out.writeBoolean(c.known());
    }

    private static Candidacy readCandidacy(DataInputStream in) throws IOException {
        return new Candidacy(in.readBoolean(), VarLong.read(in), VarLong.read(in), in.readBoolean());
    }

    /** The types by wire index, copied once: {@code Type.values()} clones its array at every call. */
    private static final Type[] TYPES = Type.values();

    /** Wire type numbers: append only, never reorder. */
    enum Type {
        HEARTBEAT, ACK, STALE, PRE_VOTE_REQUEST, PRE_VOTE_REPLY, VOTE_REQUEST, VOTE_REPLY, RESIGN,
        /** Not election messages: an operator's request forwarded to the node that carries it out, and its answer. */
        OPERATOR_ASK, OPERATOR_ANSWER;

        static Type of(Message m) {
            if (m instanceof Message.Heartbeat) return HEARTBEAT;
            if (m instanceof Message.HeartbeatAck) return ACK;
            if (m instanceof Message.Stale) return STALE;
            if (m instanceof Message.PreVoteRequest) return PRE_VOTE_REQUEST;
            if (m instanceof Message.PreVoteReply) return PRE_VOTE_REPLY;
            if (m instanceof Message.VoteRequest) return VOTE_REQUEST;
            if (m instanceof Message.VoteReply) return VOTE_REPLY;
            return RESIGN;
        }
    }
}
