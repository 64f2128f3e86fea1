package vigil.core.node;

import vigil.core.election.ElectionState;
import vigil.core.election.Role;

/**
 * {@code vigilctl restart-daemon}: vigild ends and systemd starts it again while PostgreSQL keeps serving, so that an
 * upgrade or a configuration change costs no failover. The restarted process finds its PostgreSQL running and takes
 * leadership back (the reclaim window of a restarted primary; a standby is simply a standby).
 *
 * <p>The hazard is the watchdog proof ({@link vigil.core.ha.FailOver}): a leader's reports announce its armed watchdog,
 * and a later leader may promote on that announcement alone once this lease has ended, trusting that this node's
 * vigild fenced PostgreSQL or the watchdog reset the host. A daemon that ends on purpose does neither: it closes the
 * watchdog and leaves PostgreSQL writing. So, before it ends, the leader withdraws the announcement: its reports say
 * "no watchdog" from then on, and it writes into the cluster record that none of its announcements of this term counts
 * ({@link vigil.core.election.ClusterRecord#unwatched}). Only once a majority acknowledged that record (every later
 * leader has it: no voter elects a candidate with an older record) is the watchdog closed and the process halted,
 * without stopping PostgreSQL or resigning. A next leader elected meanwhile finds PostgreSQL answering as writable and
 * never promotes over it ({@code OLD_PRIMARY_STILL_SERVING}), or needs another proof (its fence agents, an operator's
 * oath). The reports alone would not do: they are memory, and a node that missed the withdrawal (cut off, or a copy of
 * an older heartbeat reaching a vigild restarted since) holds the announcement still. If the record is not committed
 * within {@link #WITHDRAW_MS} the restart is abandoned, the announcement made again and, while this node still leads,
 * restored in the record (the watchdog stayed armed and kept alive throughout).
 *
 * @param operator  who asked, for the log
 * @param since     when it was asked (own clock)
 * @param withdraws a leader with an armed watchdog: the restart waits for the withdrawal to be committed (false: not
 *                  leading with a watchdog, nothing to withdraw)
 * @param led       this node led when asked (with or without a watchdog)
 */
public record DaemonRestart(String operator, long since, boolean withdraws, boolean led) {
    /** How long a leader waits for the withdrawal to be committed before it gives the restart up. */
    public static final long WITHDRAW_MS = 2_000;

    /**
     * A node that did not lead when asked was elected while it waited (for an action, for its VIPs placed by checks to
     * go): it never withdrew an announcement nor resigned, so it must not end now; the restart is given up at once.
     */
    static final String GIVE_UP_NOW = "this node was elected leader while it waited";

    /** Why this node would not restart its vigild now, or null. */
    static String refusal(NodeConfig cfg, NodeState s, long now) {
        if (s.stopping() || s.halted()) return "vigild is stopping";
        if (s.restart() != null) return "a restart of vigild is under way (asked by " + s.restart().operator() + ")";
        String busy = busy(s);
        if (busy != null) return busy + ": try again once that is over";
        var sup = s.supervisor();
        ElectionState e = s.election();
        if (s.watchdog().armed() && e.role() != Role.LEADER) {
            return "the watchdog is armed but this node no longer leads: it is fencing or stopping PostgreSQL; try again"
                    + " in a moment";
        }
        if (sup != null && sup.reclaiming(cfg.electorate().self(), e.durable().record().pg().primary(), now,
                cfg.policy().selfFenceMarginMs())) {
            return "this vigild restarted " + (now - sup.boot().at()) / 1000 + " s ago and has not led since: its PostgreSQL"
                    + " is kept serving only for the rest of one reclaim window, which a second restart would not renew;"
                    + " wait until it leads again";
        }
        return null;
    }

    /**
     * The restart asked for at {@code now}: a leader with an armed watchdog withdraws it (a watchdog that is not armed
     * was never announced in this term: nothing to withdraw).
     */
    static DaemonRestart begin(NodeState s, String operator, long now) {
        ElectionState e = s.election();
        boolean leads = e.role() == Role.LEADER && e.leadership() != null;
        return new DaemonRestart(operator, now, s.watchdog().armed() && leads, leads);
    }

    /** The record withdrawing this leader's announcements of its term is committed (nothing to wait for if none). */
    boolean withdrawn(NodeConfig cfg, ElectionState e) {
        if (!withdraws) return true;
        if (e.role() != Role.LEADER || e.leadership() == null) return false; // lost leadership meanwhile: cannot tell
        return e.durable().record().unwatched(cfg.electorate().self()) == e.term() && e.recordCommitted();
    }

    /**
     * What the restart still waits for before the process may end, or null: the withdrawal committed; the watchdog's
     * arming answered; no action, fence, switchover or failover order under way (begun since it was asked: ending now
     * would cut it off half-way); no VIP placed by checks still on this host.
     */
    static String waitingFor(NodeConfig cfg, NodeState s) {
        DaemonRestart r = s.restart();
        if (!r.led && s.election().role() == Role.LEADER) return GIVE_UP_NOW;
        if (!r.withdrawn(cfg, s.election())) {
            return s.election().role() == Role.LEADER
                    ? "no majority acknowledged the record saying that the watchdog stops covering PostgreSQL here"
                    : "this node lost leadership before a majority acknowledged that its watchdog stops covering PostgreSQL";
        }
        String busy = busy(s);
        if (busy != null) return busy;
        if (cfg.tracked() && s.tracked().held().mayBeHeld()) return "the VIPs placed by checks are still on this host";
        return null;
    }

    /** What under way a restart must not cut off (refused before it, waited for after it was asked), or null. */
    private static String busy(NodeState s) {
        if (s.watchdog().status() == WatchdogState.Status.ARMING) return "the watchdog is being armed";
        if (s.executor().fence() != null) return "PostgreSQL is being fenced";
        if (s.executor().running() != null) return "a PostgreSQL action is under way (" + s.executor().running().action().kind() + ")";
        var sup = s.supervisor();
        if (sup != null && sup.handover() != null) return "a switchover to " + sup.handover().target() + " is under way";
        if (sup != null && sup.order() != null) return "this node holds a failover order (vigilctl failover)";
        return null;
    }

    boolean expired(long now) {
        return now - since >= WITHDRAW_MS;
    }
}
