package vigil.core.node;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import vigil.core.election.ElectionState;
import vigil.core.election.ElectionWake;
import vigil.core.election.Report;
import vigil.core.election.Role;
import vigil.core.election.VipGrant;
import vigil.core.node.TrackedState.Grantee;
import vigil.core.node.TrackedState.Grantor;
import vigil.core.node.TrackedState.HeardAck;
import vigil.core.node.TrackedState.SentAck;

/**
 * Where the VIPs placed by checks go ({@link VipGroup#TRACKED}): on one data node whose tracked checks pass, chosen
 * by the leader, held under the leader's grant ({@link VipGrant}). Invariants, and why:
 * <ul>
 * <li>A node holds them only while its checks pass and, as a follower, its grant lasts beyond the self-fence margin
 *     (counted from its own acknowledgement, so it ends before the leader's account of it), or, as the leader, its
 *     own lease does. A holder cut off from the leader therefore drops them before anybody else is granted them.</li>
 * <li>The leader grants them to one node at a time, and names another only once the last grant to the previous one
 *     has run out on its own clock (its own hold: once its release is reported). A grant never reaches past the
 *     leader's lease; but a leader may resign before its lease ends, and its voters then elect another at once. So a
 *     new leader grants only once a lease has passed since its election ({@link #predecessorsOver}), except to
 *     itself when it holds them under a grant still valid (only one grant is valid at a time).</li>
 * <li>The holder stays while it remains a candidate (checks pass, heard from within half a lease): a node whose
 *     checks come back does not take the VIPs back. A new leader prefers a node that says it holds them.</li>
 * <li>A node whose checks fail drops them and voids its grants so far: it takes them again only on a grant counted
 *     from a later acknowledgement.</li>
 * </ul>
 */
final class TrackedPlacement {
    /** Acknowledgements remembered: a grant names one sent within the last few seconds. */
    static final int KEEP_SENT = 64;

    private TrackedPlacement() {}

    static Grantee sent(Grantee g, long term, long seq, long now) {
        List<SentAck> sent = new ArrayList<>(g.sent());
        sent.add(new SentAck(term, seq, now));
        if (sent.size() > KEEP_SENT) sent.remove(0);
        return new Grantee(sent, g.until(), g.voidBefore(), g.holder());
    }

    /** The leader heard acknowledgement {@code seq} of its term {@code term} from {@code from}. */
    static Grantor heard(Grantor g, long term, String from, long seq, long now) {
        Grantor a = g.term() == term ? g : new Grantor(term, null, Long.MIN_VALUE, Map.of());
        Map<String, HeardAck> acks = new HashMap<>(a.acks());
        acks.put(from, new HeardAck(seq, now));
        return new Grantor(term, a.holder(), a.holderUntil(), acks);
    }

    /** A heartbeat of the current leader, in its term: who holds them, and this node's grant if it is the holder. */
    static Grantee granted(Grantee g, String self, long term, VipGrant grant, double drift) {
        String holder = grant == null ? null : grant.holder();
        long until = g.until();
        if (grant != null && holder.equals(self) && grant.validMs() > 0) {
            for (SentAck s : g.sent()) {
                // The earliest copy (a duplicated heartbeat is acknowledged twice): the leader may count from it.
                if (s.term() == term && s.seq() == grant.ackSeq()) {
                    if (s.at() >= g.voidBefore()) {
                        until = Math.max(until, s.at() + (long) Math.floor(grant.validMs() * (1 - 2 * drift)));
                    }
                    break;
                }
            }
        }
        return new Grantee(g.sent(), until, g.voidBefore(), holder);
    }

    /** This node's checks failed: it drops them, and no grant counted from an earlier acknowledgement counts. */
    static Grantee voided(Grantee g, long now) {
        return new Grantee(g.sent(), Long.MIN_VALUE, now, g.holder());
    }

    /** What the leader's heartbeats carry now, and its account after sending it. */
    record Grant(VipGrant grant, Grantor next) {}

    static Grant grant(Grantor g, TrackedState own, ElectionState e, boolean stopping, long now, long margin) {
        if (e.role() != Role.LEADER || g.term() != e.term() || g.holder() == null || !e.holdsLease(now)) {
            return new Grant(null, g);
        }
        String h = g.holder();
        if (h.equals(e.electorate().self())) return new Grant(new VipGrant(h, 0, 0), g);
        HeardAck ack = g.acks().get(h);
        long valid = 0;
        if (ack != null && whyNot(h, g, own, e, stopping, now, margin) == null) {
            valid = Math.max(0, Math.min(e.electorate().timing().leaseMs(), e.leadership().leaseUntil() - ack.at()));
        }
        if (valid == 0) return new Grant(new VipGrant(h, ack == null ? 0 : ack.seq(), 0), g);
        Grantor next = new Grantor(g.term(), h, Math.max(g.holderUntil(), ack.at() + valid), g.acks());
        return new Grant(new VipGrant(h, ack.seq(), valid), next);
    }

    /** The leader's choice of holder, and the note to log when it changes. */
    record Chosen(Grantor next, String note) {}

    static Chosen choose(Grantor g, TrackedState own, ElectionState e, boolean stopping, long now, long margin) {
        if (e.role() != Role.LEADER) return new Chosen(g, null);
        Grantor a = g.term() == e.term() ? g : new Grantor(e.term(), null, Long.MIN_VALUE, Map.of());
        String self = e.electorate().self();
        String h = a.holder();
        String dropped = null;
        if (h != null) {
            String why = whyNot(h, a, own, e, stopping, now, margin);
            if (why == null) return new Chosen(a, null);
            boolean over = h.equals(self) ? !own.held().mayBeHeld() : now >= a.holderUntil();
            if (!over) return new Chosen(a, null); // its grant runs out first
            dropped = h + " no longer holds them (" + why + ")";
            a = new Grantor(a.term(), null, Long.MIN_VALUE, a.acks());
        }
        if (!e.holdsLease(now)) return new Chosen(a, dropped == null ? null : "VIPs placed by checks: " + dropped);
        String pick = null;
        if (!predecessorsOver(e, now)) {
            // A predecessor that resigned may have granted them to a node not heard from yet (or heard from while its
            // claim was failing, to be retried): nobody gets them before that grant is surely over, except this node
            // if it holds them now under a grant still valid, since only one grant is valid at a time.
            boolean selfHolds = own.held().held() == VipState.Held.UP && granted(own.grantee(), now, margin);
            if (!selfHolds || whyNot(self, a, own, e, stopping, now, margin) != null) {
                return new Chosen(a, dropped == null ? null : "VIPs placed by checks: " + dropped);
            }
            pick = self;
        }
        for (var v : e.electorate().voters()) {
            if (pick != null) break;
            String n = v.name();
            if (whyNot(n, a, own, e, stopping, now, margin) != null) continue;
            if (holdingOf(n, self, own, e)) pick = n;
        }
        for (var v : e.electorate().voters()) {
            if (pick != null) break;
            if (whyNot(v.name(), a, own, e, stopping, now, margin) == null) pick = v.name();
        }
        if (pick == null) {
            return new Chosen(a, dropped == null ? null : "VIPs placed by checks: " + dropped + "; no other candidate");
        }
        Grantor next = new Grantor(a.term(), pick, Long.MIN_VALUE, a.acks());
        return new Chosen(next, "VIPs placed by checks go to " + pick + ": its tracked checks pass"
                + (dropped == null ? "" : "; " + dropped));
    }

    private static boolean holdingOf(String n, String self, TrackedState own, ElectionState e) {
        return n.equals(self) ? own.held().mayBeHeld()
                : e.reportOf(n).term() == e.term() && e.reportOf(n).report().tracked() == Report.Tracked.HOLDING;
    }

    /**
     * Every grant of an earlier leader is over: one lease (on the holder's clock, from an acknowledgement sent before
     * that leader's last heartbeat) has passed since this leadership began, counted on this clock with the drift
     * bound. A leader that lost its lease granted nothing past it, but one that resigned may have.
     */
    static boolean predecessorsOver(ElectionState e, long now) {
        var t = e.electorate().timing();
        return now >= e.leadership().electedAt() + (long) Math.ceil(t.leaseMs() * (1 + t.drift()));
    }

    /** Why {@code node} cannot hold them now, or null when it can. */
    static String whyNot(String node, Grantor g, TrackedState own, ElectionState e, boolean stopping, long now,
                         long margin) {
        if (node.equals(e.electorate().self())) {
            if (stopping) return "vigild is stopping";
            if (!own.checks().pass()) return "its tracked checks fail: " + own.checks().detail();
            if (!e.holdsLease(now + margin)) return "its lease ends within the self-fence margin of " + margin + " ms";
            return null;
        }
        Report.Heard r = e.reportOf(node);
        if (r.term() != e.term() || r.report().tracked() == Report.Tracked.NONE) return "not a candidate in this term";
        if (!r.report().tracked().candidate()) return "its tracked checks fail";
        HeardAck ack = g.acks().get(node);
        long recent = e.electorate().timing().leaseMs() / 2;
        if (ack == null || now - ack.at() > recent) return "not heard from within " + recent + " ms";
        return null;
    }

    /** Whether this node should hold them now, and if not, why. */
    static VipPlacement.Want want(TrackedState s, ElectionState e, boolean stopping, long now, long margin) {
        String why = null;
        boolean leaderHolds = e.role() == Role.LEADER && s.grantor().term() == e.term()
                && e.electorate().self().equals(s.grantor().holder()) && e.holdsLease(now + margin);
        if (stopping) why = "vigild is stopping";
        else if (!s.checks().pass()) why = "its tracked checks fail: " + s.checks().detail();
        else if (!leaderHolds && !granted(s.grantee(), now, margin)) {
            why = s.grantee().until() != Long.MIN_VALUE && s.grantee().until() > now - 10_000
                    ? "its grant from the leader ends within the self-fence margin of " + margin + " ms"
                    : "the leader grants them to " + (s.grantee().holder() == null ? "nobody" : s.grantee().holder());
        }
        return new VipPlacement.Want(why == null, false, why);
    }

    /**
     * When the release guard must remove them if the loop has not by then: the end of what this node holds them under
     * (its grant, or as the leader its lease), less the margin. None while they are surely not on this host.
     */
    static long guardAt(TrackedState s, ElectionState e, long margin) {
        if (!s.held().mayBeHeld()) return Long.MAX_VALUE;
        long until = s.grantee().until();
        if (e.role() == Role.LEADER && s.grantor().term() == e.term() && e.electorate().self().equals(s.grantor().holder())
                && e.leadership() != null && e.leadership().leaseEstablished()) {
            until = Math.max(until, e.leadership().leaseUntil());
        }
        return until == Long.MIN_VALUE ? Long.MIN_VALUE : until - margin; // MIN_VALUE: at once
    }

    /** The grant lasts beyond the margin ({@code until} is Long.MIN_VALUE when there is none: no subtraction). */
    static boolean granted(Grantee g, long now, long margin) {
        return g.until() != Long.MIN_VALUE && now < g.until() - margin;
    }

    /** A stopping node says FAILING: the leader must not keep granting them to a node on its way out. */
    static Report.Tracked report(TrackedState s, boolean stopping) {
        if (s.held().mayBeHeld()) return Report.Tracked.HOLDING;
        return s.checks().pass() && !stopping ? Report.Tracked.PASSING : Report.Tracked.FAILING;
    }

    /**
     * The first instant after {@code after} at which time alone changes what {@link #choose}, {@link #want} or
     * {@link #whyNot} say ({@link Wake}): this node's grant running into the margin; for the leader, the end of the
     * holder's grant, the end of its predecessors' grants, and each acknowledgement growing too old to count. (The
     * lease's own instants are the election's and {@link Wake}'s.)
     */
    static long wakeAt(TrackedState t, ElectionState e, long margin, long after) {
        long at = Long.MAX_VALUE;
        if (t.grantee().until() != Long.MIN_VALUE) at = ElectionWake.first(at, t.grantee().until() - margin, after);
        if (e.role() == Role.LEADER && e.leadership() != null) {
            var timing = e.electorate().timing();
            Grantor g = t.grantor();
            if (g.holderUntil() != Long.MIN_VALUE) at = ElectionWake.first(at, g.holderUntil(), after);
            at = ElectionWake.first(at, e.leadership().electedAt() + (long) Math.ceil(timing.leaseMs() * (1 + timing.drift())),
                    after);
            long recent = timing.leaseMs() / 2;
            for (HeardAck a : g.acks().values()) at = ElectionWake.first(at, a.at() + recent + 1, after);
        }
        return at;
    }
}
