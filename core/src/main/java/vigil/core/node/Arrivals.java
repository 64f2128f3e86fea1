package vigil.core.node;

import java.util.HashMap;
import java.util.Map;
import vigil.core.election.Message;

/**
 * Which heartbeats and acknowledgements reach the node step when they travel by two paths (JGroups and a datagram):
 * per sender and kind, only one newer than every one admitted before, by term then sequence number. The first copy of
 * each is admitted; the other copy, and anything older, is dropped. Every other message passes.
 *
 * <p>Why: each copy of a heartbeat would be acknowledged again, later, and an acknowledgement is what a grant of the
 * VIPs placed by checks counts from ({@link vigil.core.election.VipGrant}); the node step keeps the earliest, but its
 * memory of sent acknowledgements is short, and a copy that TCP delivers seconds late could outlive it. Dropping late
 * copies also keeps stale candidacies and reports of an old heartbeat from overwriting newer ones. Nothing is lost by
 * dropping them: a heartbeat carries the leader's whole current state, and the leader counts only the highest
 * acknowledged sequence number.
 *
 * <p>Not thread-safe: the loop thread owns it (it admits frames as it decodes them).
 */
public final class Arrivals {
    private record Key(String from, boolean ack) {
    }

    private record Stamp(long term, long seq) {
        boolean after(Stamp o) {
            return term > o.term || (term == o.term && seq > o.seq);
        }
    }

    private final Map<Key, Stamp> latest = new HashMap<>();

    /** Whether {@code m} from {@code from} goes on to the node step; remembers it if it does. */
    public boolean admit(String from, Message m) {
        Stamp s;
        boolean ack;
        if (m instanceof Message.Heartbeat h) {
            s = new Stamp(h.term(), h.seq());
            ack = false;
        } else if (m instanceof Message.HeartbeatAck a) {
            s = new Stamp(a.term(), a.seq());
            ack = true;
        } else {
            return true;
        }
        Key k = new Key(from, ack);
        Stamp before = latest.get(k);
        if (before != null && !s.after(before)) return false;
        latest.put(k, s);
        return true;
    }
}
