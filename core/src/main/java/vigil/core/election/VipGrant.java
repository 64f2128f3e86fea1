package vigil.core.election;

/**
 * The leader's grant of the VIPs placed by checks, carried by its heartbeats. The holder counts the grant from the
 * moment it sent its acknowledgement {@code ackSeq} (of the heartbeat's term), for {@code validMs * (1 - 2 * drift)}
 * of its own clock; the leader counts it from the moment it received that acknowledgement, for {@code validMs} of its
 * own. The acknowledgement left the holder before it reached the leader, so with clock rates within {@code 1 ± drift}
 * the holder's grant ends, in real time, before the leader's account of it: the leader hands the VIPs to another node
 * only after that account has run out. {@code validMs} never reaches past the leader's own lease, so a new leader
 * (whose lease starts after the old one's ended) finds every grant of its predecessor over.
 *
 * @param holder  the node that may hold them
 * @param ackSeq  the holder's acknowledgement the grant counts from
 * @param validMs how long, from that acknowledgement; 0 names the holder without granting anything (the leader
 *                itself, or a holder whose grant is running out)
 */
public record VipGrant(String holder, long ackSeq, long validMs) {
    public VipGrant {
        if (holder == null || validMs < 0) throw new IllegalArgumentException("a grant names its holder");
    }
}
