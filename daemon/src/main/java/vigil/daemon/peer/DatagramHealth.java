package vigil.daemon.peer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether each peer hears this node's datagrams cleanly, from what the peer's own datagrams say; it decides whether a
 * heartbeat or acknowledgement also needs its JGroups (TCP) copy.
 *
 * <p>Every datagram carries a sequence number (per sender and receiver) and a flag, {@link #HEARS_YOU}: "your
 * datagrams reach me, every one of them lately". A node sets it for a peer when a datagram from that peer came within
 * {@code freshMs} and no number of that peer's was missing for {@code cleanMs} (nor is it newly seen). A peer is
 * {@link #hearsMe} while its newest datagram (a copy or a late one counts for nothing), no older than {@code freshMs},
 * said so.
 *
 * <p>Why: the TCP copy was half of an idle daemon's peer work (its send, its receive, JGroups' own acknowledgement
 * and retransmission bookkeeping), and on a clean link it only ever arrived second. It goes again as soon as there is
 * doubt: a lost datagram either way (a missing number, or the flag not coming back) or silence brings it back within
 * {@code freshMs}, so a link that loses packets, a firewall that drops UDP one way, or a peer that does not speak this
 * format (an older vigild) gets both copies, as before.
 */
final class DatagramHealth {
    /** The flag bit: the sender hears the receiver's datagrams cleanly. */
    static final int HEARS_YOU = 1;
    /** A number this far below the last one is a restarted sender (it starts anywhere), not a late datagram. */
    private static final int RESTART_BELOW = 1000;

    private final long freshMs;
    private final long cleanMs;
    private final Map<String, Peer> peers = new ConcurrentHashMap<>();

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private static final class Peer {
        /** Starts anywhere, so that a restarted sender's numbers do not look like late copies of its old ones. */
        int nextOut = RANDOM.nextInt(1 << 30);
        boolean seen;
        int lastIn;
        long heardAt = Long.MIN_VALUE / 2;
        long gapAt = Long.MIN_VALUE / 2;
        long hearsMeAt = Long.MIN_VALUE / 2;
    }

    /**
     * @param freshMs how long a peer's datagram counts (one and a half heartbeats)
     * @param cleanMs how long after a missing number both copies go again
     */
    DatagramHealth(long freshMs, long cleanMs) {
        this.freshMs = freshMs;
        this.cleanMs = cleanMs;
    }

    private Peer peer(String node) {
        return peers.computeIfAbsent(node, n -> new Peer());
    }

    /** The sequence number of the next datagram to {@code node}. */
    int nextSeq(String node) {
        Peer p = peer(node);
        synchronized (p) {
            return p.nextOut++;
        }
    }

    /**
     * The number of the last datagram counted to {@code node}, for one outside the count (an operator's request or
     * answer, sent from another thread than the heartbeats): the receiver takes it as a copy, so it neither opens a
     * gap when it overtakes a heartbeat or is too large to go, nor stands for one.
     */
    int lastSeq(String node) {
        Peer p = peer(node);
        synchronized (p) {
            return p.nextOut - 1;
        }
    }

    /** The flags of a datagram to {@code node} sent at {@code now}. */
    int flagsFor(String node, long now) {
        Peer p = peer(node);
        synchronized (p) {
            return now - p.heardAt <= freshMs && now - p.gapAt >= cleanMs ? HEARS_YOU : 0;
        }
    }

    /** A datagram from {@code node} passed the checks: its number and flags. */
    void received(String node, int seq, int flags, long now) {
        Peer p = peer(node);
        synchronized (p) {
            if (!p.seen || seq < p.lastIn - RESTART_BELOW) {
                p.gapAt = now; // new, or a restarted sender: what it sent before is unknown
                p.seen = true;
                p.lastIn = seq;
            } else if (seq > p.lastIn) {
                if (seq != p.lastIn + 1) p.gapAt = now;
                p.lastIn = seq;
            } else {
                return; // a copy or a late one: nothing missing, and its flag is older than what we know
            }
            p.heardAt = now;
            if ((flags & HEARS_YOU) != 0) {
                p.hearsMeAt = now;
            } else {
                p.hearsMeAt = Long.MIN_VALUE / 2;
            }
        }
    }

    /** An old-format datagram (no number, no flags): the peer cannot say it hears us. */
    void receivedLegacy(String node, long now) {
        Peer p = peer(node);
        synchronized (p) {
            p.heardAt = now;
            p.gapAt = now;
            p.hearsMeAt = Long.MIN_VALUE / 2;
        }
    }

    /** Whether {@code node} said, within {@code freshMs}, that it hears every datagram of ours. */
    boolean hearsMe(String node, long now) {
        Peer p = peer(node);
        synchronized (p) {
            return now - p.hearsMeAt <= freshMs;
        }
    }
}
