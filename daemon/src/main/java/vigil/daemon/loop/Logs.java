package vigil.daemon.loop;

import java.util.ArrayList;
import java.util.List;
import vigil.core.election.Event;
import vigil.core.election.Role;
import vigil.core.ha.HaReason;
import vigil.core.ha.Why;
import vigil.core.node.Effect;
import vigil.core.node.NodeDecision;
import vigil.core.node.NodeState;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;

/** One log line per decision: role changes and leases as they happen; the supervisor's reason when it changes, with its cause and the actions it took. */
final class Logs {
    private Logs() {}

    static void event(Log log, Event e) {
        if (e instanceof Event.LeaseAcquired l) {
            log.event(Priority.NOTICE, "lease_acquired", "term", l.term(), "lease_start_mono_ms", l.start(),
                    "lease_until_mono_ms", l.until());
        } else if (e instanceof Event.VoteRefused v) {
            log.event(Priority.NOTICE, "vote_refused", "term", v.term(), "candidate", v.candidate(), "cause", v.why());
        } else if (e instanceof Event.RoleChanged rc) {
            if (rc.from() == rc.to()) {
                log.event(Priority.INFO, "leader", "leader", rc.leader(), "term", rc.term(), "reason", rc.reason());
                return;
            }
            boolean lostLeadership = rc.from() == Role.LEADER;
            Object[] kv = rc.leaseEndedAt() >= 0
                    ? new Object[] {"role", rc.from().label() + "→" + rc.to().label(), "term", rc.term(),
                            "leader", rc.leader(), "reason", rc.reason(), "lease_ended_mono_ms", rc.leaseEndedAt()}
                    : new Object[] {"role", rc.from().label() + "→" + rc.to().label(), "term", rc.term(),
                            "leader", rc.leader(), "reason", rc.reason()};
            log.event(lostLeadership ? Priority.WARNING : Priority.NOTICE, "role", kv);
        }
    }

    /**
     * The supervisor's reason when it changed, or any action taken even for the same reason; nothing otherwise. The
     * decision that records this node as the primary in place of another also names why ({@code promotion}).
     */
    static void decision(Log log, NodeDecision d, NodeState s) {
        List<String> actions = new ArrayList<>();
        for (Effect e : d.effects()) {
            if (e instanceof Effect.Start st) actions.add(st.action() + "#" + st.id());
            else if (e instanceof Effect.Fence f) actions.add("Fence#" + f.id());
            else if (e instanceof Effect.Cancel c) actions.add("Cancel#" + c.id() + "(" + c.why() + ")");
            else if (e instanceof Effect.Freeze f) actions.add(f.frozen() ? "Freeze" : "Thaw");
        }
        if (d.why() == null && actions.isEmpty()) return;
        Why why = d.why() != null ? d.why() : s.supervisor() == null ? null : s.supervisor().why();
        HaReason reason = why == null ? null : why.reason();
        boolean warn = reason == HaReason.SELF_FENCE || reason == HaReason.FENCE_NOT_VERIFIED
                || reason == HaReason.FENCING_REQUIRED || reason == HaReason.SYSTEM_ID_MISMATCH
                || reason == HaReason.RECORDED_PRIMARY_DATA_MISSING || reason == HaReason.OLD_PRIMARY_STILL_SERVING
                || reason == HaReason.LEASE_IN_DOUBT;
        List<Object> kv = new ArrayList<>(java.util.Arrays.asList("reason", reason, "peer", why == null ? null : why.peer(),
                "cause", why == null || why.detail().isEmpty() ? null : why.detail(),
                "role", s.election().role().label(), "term", s.election().term(),
                "primary", s.election().durable().record().primary(), "actions", actions.isEmpty() ? null : actions));
        // Only on the decision that records a promotion, not on the lines of its later actions (counted once: Metrics),
        // and absent elsewhere rather than "-" on every line.
        if (d.why() != null && d.why().promotion() != null) kv.addAll(List.of("promotion", d.why().promotion().word()));
        log.event(warn ? Priority.WARNING : Priority.NOTICE, "pg", kv.toArray());
    }
}
