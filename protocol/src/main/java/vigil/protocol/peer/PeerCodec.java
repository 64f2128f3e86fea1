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

/**
 * Binary encoding of election messages between daemons. Every frame starts with the wire version and a
 * fingerprint of the cluster section of the sender's config: a node whose cluster section differs (other voters,
 * other timing) computes quorums and leases differently, so its messages are refused instead of trusted.
 *
 * <pre>frame = version:u8 fingerprint:i64 type:u8 term:i64 body</pre>
 */
public final class PeerCodec {
    public static final int WIRE_VERSION = 1;
    static final int MAX_FRAME = 64 * 1024;

    private final long fingerprint;

    /** @param clusterHash hex SHA-256 of the cluster section; its first 16 hex digits become the fingerprint */
    public PeerCodec(String clusterHash) {
        this.fingerprint = Long.parseUnsignedLong(clusterHash.substring(0, 16), 16);
    }

    public byte[] encode(Message m) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(WIRE_VERSION);
            out.writeLong(fingerprint);
            out.writeByte(Type.of(m).ordinal());
            out.writeLong(m.term());
            if (m instanceof Message.Heartbeat h) {
                out.writeLong(h.seq());
                writeRecord(out, h.record());
                out.writeShort(h.candidacies().size());
                for (Map.Entry<String, Candidacy> e : h.candidacies().entrySet()) {
                    out.writeUTF(e.getKey());
                    writeCandidacy(out, e.getValue());
                }
            } else if (m instanceof Message.HeartbeatAck a) {
                out.writeLong(a.seq());
                writeCandidacy(out, a.candidacy());
            } else if (m instanceof Message.PreVoteRequest p) {
                writeCandidacy(out, p.candidacy());
                out.writeLong(p.recordTerm());
            } else if (m instanceof Message.VoteRequest v) {
                writeCandidacy(out, v.candidacy());
                out.writeLong(v.recordTerm());
            } else if (m instanceof Message.PreVoteReply p) {
                out.writeBoolean(p.granted());
            } else if (m instanceof Message.VoteReply v) {
                out.writeBoolean(v.granted());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** @throws BadFrameException for a truncated or unknown frame, another wire version or another cluster config */
    public Message decode(byte[] frame) throws BadFrameException {
        if (frame.length > MAX_FRAME) throw new BadFrameException("frame of " + frame.length + " bytes is too large");
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(frame))) {
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
            int typeIndex = in.readUnsignedByte();
            if (typeIndex >= Type.values().length) throw new BadFrameException("unknown message type " + typeIndex);
            long term = in.readLong();
            Message m = switch (Type.values()[typeIndex]) {
                case HEARTBEAT -> {
                    long seq = in.readLong();
                    ClusterRecord record = readRecord(in);
                    int n = in.readUnsignedShort();
                    Map<String, Candidacy> table = new HashMap<>();
                    for (int i = 0; i < n; i++) table.put(in.readUTF(), readCandidacy(in));
                    yield new Message.Heartbeat(term, seq, record, table);
                }
                case ACK -> new Message.HeartbeatAck(term, in.readLong(), readCandidacy(in));
                case STALE -> new Message.Stale(term);
                case PRE_VOTE_REQUEST -> new Message.PreVoteRequest(term, readCandidacy(in), in.readLong());
                case PRE_VOTE_REPLY -> new Message.PreVoteReply(term, in.readBoolean());
                case VOTE_REQUEST -> new Message.VoteRequest(term, readCandidacy(in), in.readLong());
                case VOTE_REPLY -> new Message.VoteReply(term, in.readBoolean());
                case RESIGN -> new Message.Resign(term);
            };
            if (in.available() > 0) throw new BadFrameException(in.available() + " trailing bytes");
            return m;
        } catch (IOException | RuntimeException e) {
            throw new BadFrameException("truncated or malformed frame: " + e);
        }
    }

    private static void writeRecord(DataOutputStream out, ClusterRecord r) throws IOException {
        out.writeLong(r.term());
        out.writeBoolean(r.leader() != null);
        if (r.leader() != null) out.writeUTF(r.leader());
    }

    private static ClusterRecord readRecord(DataInputStream in) throws IOException {
        long term = in.readLong();
        return new ClusterRecord(term, in.readBoolean() ? in.readUTF() : null);
    }

    private static void writeCandidacy(DataOutputStream out, Candidacy c) throws IOException {
        out.writeBoolean(c.eligible());
        out.writeLong(c.timeline());
        out.writeLong(c.lsn());
    }

    private static Candidacy readCandidacy(DataInputStream in) throws IOException {
        return new Candidacy(in.readBoolean(), in.readLong(), in.readLong());
    }

    /** Wire type numbers: append only, never reorder. */
    enum Type {
        HEARTBEAT, ACK, STALE, PRE_VOTE_REQUEST, PRE_VOTE_REPLY, VOTE_REQUEST, VOTE_REPLY, RESIGN;

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
