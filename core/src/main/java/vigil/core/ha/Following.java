package vigil.core.ha;

import vigil.core.election.PgRecord;

/**
 * Everyone but the leader: follow the recorded primary. A node whose history may have forked from the primary's
 * (it was writable, its control file says it last ran as a primary, or it is on another timeline) rewinds before it
 * runs as a standby, so it never serves reads of commits the cluster lost; a transient pg_rewind failure is retried.
 * Only two things lead to a re-clone: a divergence pg_rewind proved it cannot repair, and the primary's own answer
 * that it removed WAL a standby that does not stream needs (then only a copy of it lets that standby follow it).
 */
final class Following {
    private Following() {}

    static void follow(HaStep s) {
        PgRecord pg = s.pg;
        PgView view = s.view;
        String primary = pg.primary();
        if (view.writable()) {
            s.why = new Why(HaReason.RECLAIMING, null, "PostgreSQL kept serving while vigild restarted");
            return;
        }
        if (primary != null && primary.equals(s.me) && s.pg.systemId() != 0 && view.emptyDataDir()) {
            // The record names this node primary, but what it wrote is gone: it cannot lead, and says so while a
            // new leader promotes a standby (with the proof that this PostgreSQL is stopped).
            s.why = new Why(HaReason.RECORDED_PRIMARY_DATA_MISSING, null, "the data directory is empty; the cluster's "
                    + "system " + s.pg.systemId() + " is not initialised again: it rejoins as a copy of the next primary");
            return;
        }
        if (primary == null || primary.equals(s.me)) return; // nobody to follow yet, or waiting to lead
        if (primary.equals(s.refusedFor)) {
            s.why = new Why(HaReason.SYSTEM_ID_MISMATCH, primary, "a copy from it was refused: another system");
            return;
        }
        if (Fitness.foreign(s)) {
            s.why = new Why(HaReason.SYSTEM_ID_MISMATCH, null, Fitness.foreignDetail(s));
            return;
        }
        if (s.p.synchronous() && view.isStandby() && view.upstream() != null && !leaderStreamedFrom(s)) {
            s.act(new PgAction.Repoint(null), new Why(HaReason.DETACHED, view.upstream(),
                    "it no longer leads: this standby acknowledges nothing more to it"));
            return;
        }
        if (s.pg.formerPrimary() != null && view.health() != PgView.Health.HUNG) {
            // The recorded primary is not promoted yet: where its timeline forks (and so whether this node's history
            // left it) is known only once it is. Until then nothing is re-pointed, started or rewound.
            s.why = new Why(HaReason.FOLLOW_PRIMARY, primary, "waiting for " + primary + "'s promotion");
            return;
        }
        switch (view.health()) {
            case STOPPED -> startFromStopped(s, primary);
            case HUNG -> s.fence(HaReason.FOLLOW_PRIMARY, "the standby does not answer: killed, then started again");
            case FAILING -> failing(s, primary);
            case UP -> keepFollowing(s, primary);
            case UNKNOWN -> { }
        }
    }

    private static void startFromStopped(HaStep s, String primary) {
        PgView view = s.view;
        if (!primaryLeads(s, primary)) {
            // Only the record of a live leader that is the primary itself says where the cluster's history goes now:
            // a node that starts from what it remembers (or while a failover is under way) could serve, as a hot
            // standby, commits that the failover abandons.
            s.why = new Why(HaReason.WAITING, primary, "PostgreSQL stays stopped until " + primary + " leads");
            return;
        }
        if (s.pg.systemId() == 0) {
            // Nothing is copied or started before the primary's system identifier is recorded: every copy is then
            // checked against it, and a node whose record lacks it provably holds nothing this cluster acknowledged.
            s.why = new Why(HaReason.WAITING, primary, "its system identifier is not recorded yet");
            return;
        }
        if (view.emptyDataDir()) {
            s.act(new PgAction.Clone(primary, s.pg.systemId()), HaReason.CLONE);
        } else if (view.disk().data() == PgView.Disk.Data.FOREIGN) {
            s.why = new Why(HaReason.SYSTEM_ID_MISMATCH, null, "the data directory holds files but no PostgreSQL cluster");
        } else if (s.reclone != null && s.reclone.concerns(primary)) {
            s.act(new PgAction.Clone(primary, s.pg.systemId()), new Why(HaReason.RECLONE, primary,
                    s.reclone.why() + "; the old data directory is kept aside"));
        } else if (mustRewind(s)) {
            rewind(s, primary);
        } else if (heldByPrimary(s, view)) {
            // Nothing here left the primary's history (a switchover's old primary, stopped cleanly after the new one
            // received everything): it starts as a standby as it is, and no longer needs a rewind.
            if (s.durable.needsRewind()) s.durable = s.durable.withNeedsRewind(false);
            s.act(new PgAction.StartStandby(primary), new Why(HaReason.FOLLOW_PRIMARY, primary,
                    "its WAL ends at " + Switchover.lsn(view.lsn()) + ", where " + primary + "'s timeline "
                            + s.pg.timeline() + " forked or before: no rewind needed"));
        } else if (view.timelineUnread()) {
            // Right after a fence the view says only that nothing runs: the timeline the data directory is on, and so
            // whether its history left the primary's, is read by the probe that follows. Started before that, a
            // standby past the fork would serve, as a hot standby, commits the cluster lost.
            s.why = new Why(HaReason.WAITING, primary, "the stopped cluster's timeline is not read yet");
        } else {
            s.act(new PgAction.StartStandby(primary), HaReason.FOLLOW_PRIMARY);
        }
    }

    private static void rewind(HaStep s, String primary) {
        s.act(new PgAction.Rewind(primary, s.pg.systemId()), s.rewindRetries > 0
                ? new Why(HaReason.REWIND_RETRY, primary, "attempt " + (s.rewindRetries + 1))
                : new Why(HaReason.REWIND, primary, rewindCause(s)));
    }

    private static String rewindCause(HaStep s) {
        if (s.durable.needsRewind()) return "it was writable";
        if (s.view.disk().lastRanAsPrimary()) return "its control file says it last ran as a primary";
        return "on timeline " + s.view.timeline() + ", the primary on " + s.pg.timeline();
    }

    /**
     * A stopped node may start as a standby only when nothing says its history left the primary's. Another timeline
     * says so until a clone or pg_rewind from the primary on its current timeline succeeded: pg_rewind checks exactly
     * that (and changes nothing when the copy stopped before the fork, so the control file keeps the old timeline).
     */
    private static boolean mustRewind(HaStep s) {
        PgView view = s.view;
        if (heldByPrimary(s, view)) return false;
        boolean otherTimeline = view.timeline() > 0 && s.pg.timeline() > 0 && view.timeline() != s.pg.timeline();
        return s.durable.needsRewind() || view.disk().lastRanAsPrimary()
                || (otherTimeline && s.rejoinedOn != s.pg.timeline());
    }

    private static void keepFollowing(HaStep s, String primary) {
        PgView view = s.view;
        if (view.upstream() == null && s.p.synchronous()) {
            // Detached: attach to the recorded primary once it leads (and its promotion, if any, is done).
            if (primaryLeads(s, primary) && !diverged(s)) {
                s.act(new PgAction.Repoint(primary), HaReason.FOLLOW_PRIMARY);
            } else {
                s.why = new Why(HaReason.DETACHED, null, "waiting for the primary to lead");
            }
            return;
        }
        if (!primary.equals(view.upstream()) || view.timeline() != s.pg.timeline()) {
            if (diverged(s)) {
                s.durable = s.durable.withNeedsRewind(true);
                s.act(new PgAction.StopFast(), new Why(HaReason.REWIND, primary, "on timeline " + view.timeline()
                        + " past the fork of the primary's timeline " + s.pg.timeline()));
            } else if (!primary.equals(view.upstream())) {
                if (primaryLeads(s, primary)) {
                    s.act(new PgAction.Repoint(primary), HaReason.FOLLOW_PRIMARY); // a reload: no restart of the standby
                } else {
                    s.why = new Why(HaReason.FOLLOW_PRIMARY, primary, "waiting for " + primary + " to lead");
                }
            } else {
                s.why = new Why(HaReason.FOLLOW_PRIMARY, primary, "catching up to timeline " + s.pg.timeline());
            }
        } else if (walGoneFor(s, primary)) {
            // The primary answered that it removed the WAL this standby needs: streaming cannot resume, whatever the
            // wait, and a rewind cannot bring it back (so this comes before the rewind below).
            reclone(s, primary, "not streaming");
        } else if (s.stalledSince >= 0 && s.now - s.stalledSince >= s.p.standbyStallMs() && primaryLeads(s, primary)
                && s.pg.fork() == null && s.pg.timeline() > 1) {
            // Not streaming although the primary leads (so it runs), and the record cannot tell where its timeline
            // forked: our history may have left its. (With the fork known, divergence is decided exactly above; a
            // standby on the primary's own timeline cannot be ahead of it, and is only cut off.)
            s.durable = s.durable.withNeedsRewind(true);
            s.stalledSince = -1;
            s.act(new PgAction.StopFast(), new Why(HaReason.REWIND, primary, "not streaming from the primary for "
                    + s.p.standbyStallMs() + " ms"));
        } else if (s.stalledSince >= 0 && s.now - s.stalledSince >= s.p.standbyStallMs()) {
            s.why = new Why(HaReason.STANDBY_STALLED, primary, "not streaming for " + s.p.standbyStallMs() + " ms or more"
                    + (view.replication().walGone() == null ? "" : "; " + primary + " removed WAL it needs: "
                    + view.replication().walGone()));
        } else if (view.disk().setAside() && view.streaming()) {
            s.act(new PgAction.DiscardSetAside(), HaReason.DISCARD_SET_ASIDE);
        } else {
            s.why = Why.of(HaReason.STANDBY_HEALTHY);
        }
    }

    /**
     * A standby that is not yet consistent (PostgreSQL refuses connections: FAILING) and whose replay waits for a
     * segment from its upstream, as the driver saw it (where replay stands, and that upstream; it reports them only
     * then). Typically a rewound old primary, which must replay from before the fork; if its upstream removed that
     * WAL it never becomes consistent, and only a new copy brings it back.
     */
    static boolean waitingForWal(PgView v) {
        return v.health() == PgView.Health.FAILING && v.upstream() != null && v.position().lsn() != 0;
    }

    private static void failing(HaStep s, String primary) {
        PgView view = s.view;
        if (waitingForWal(view) && primary.equals(view.upstream()) && walGoneFor(s, primary)) {
            reclone(s, primary, "not yet consistent, its replay waiting for WAL,");
            return;
        }
        if (waitingForWal(view) && !primary.equals(view.upstream()) && s.stalledSince >= 0
                && s.now - s.stalledSince >= s.p.standbyStallMs() && primaryLeads(s, primary)) {
            // It waits for WAL from a node that is no longer the primary (a failover while it was being rewound). A
            // server that refuses connections cannot be re-pointed by a reload (pg_reload_conf needs one): stopped,
            // so that the stopped path rewinds, copies or starts it as the primary's standby.
            s.stalledSince = -1;
            s.act(new PgAction.StopFast(), new Why(HaReason.FOLLOW_PRIMARY, primary, "not yet consistent for "
                    + s.p.standbyStallMs() + " ms, its replay waiting for WAL from " + view.upstream()
                    + ", no longer the primary: stopped to follow " + primary));
            return;
        }
        s.why = view.replication().walGone() == null ? Why.of(HaReason.STANDBY_FAILING)
                : new Why(HaReason.STANDBY_FAILING, view.upstream(), view.upstream() + " removed WAL it needs: "
                        + view.replication().walGone());
    }

    /** Stalled for the whole stall time, and the leading primary answered that it removed the WAL this standby needs. */
    private static boolean walGoneFor(HaStep s, String primary) {
        return s.stalledSince >= 0 && s.now - s.stalledSince >= s.p.standbyStallMs()
                && s.view.replication().walGone() != null && primaryLeads(s, primary);
    }

    /** Stopped, and copied anew from {@code primary} once stopped (the old data directory kept aside). */
    private static void reclone(HaStep s, String primary, String how) {
        s.reclone = new SupervisorState.Reclone(primary, primary + " removed WAL this standby needs: "
                + s.view.replication().walGone());
        s.stalledSince = -1;
        s.act(new PgAction.StopFast(), new Why(HaReason.RECLONE, primary, how + " for " + s.p.standbyStallMs()
                + " ms and " + s.reclone.why() + "; stopped to be copied anew"));
    }

    /** The recorded primary leads, heard within a lease: its record is the cluster's, and no failover is under way. */
    static boolean primaryLeads(HaStep s, String primary) {
        return primary.equals(s.e.leader()) && s.now < s.e.noVoteUntil();
    }

    /** The node this standby streams from is the leader, heard within a lease: the one primary that may write. */
    static boolean leaderStreamedFrom(HaStep s) {
        String up = s.view.upstream();
        return up != null && up.equals(s.e.leader()) && s.now < s.e.noVoteUntil();
    }


    /**
     * The old primary of a switchover may start as a standby of its successor without pg_rewind: its WAL, read to its
     * end, lies on the timeline it was the recorded primary of when it handed over, which is the timeline the
     * primary's forked from, and ends at or before the fork. The successor received all of it before its timeline
     * began, so this node holds nothing the cluster lost, whatever its control file says it last ran as: pg_rewind's
     * own rule for "no rewind required". Only that node, and only while it remembers handing over: a timeline number
     * alone does not name one history (two promotions can both pick timeline 2 when the first one's history file was
     * never fetched), but the timeline a recorded primary wrote on is the cluster's.
     */
    static boolean heldByPrimary(HaStep s, PgView view) {
        SupervisorState.Handover h = s.handover;
        PgRecord.Fork fork = s.pg.fork();
        PgView.Position at = view.position();
        return h != null && h.resignedAt() != 0 && view.health() == PgView.Health.STOPPED && fork != null && at.known()
                && at.timeline() == h.timeline() && at.timeline() == fork.parentTimeline() && at.lsn() <= fork.lsn()
                && s.pg.timeline() > at.timeline();
    }

    /**
     * A running standby on another timeline than the primary's can follow it only if it is on the parent timeline at
     * or before the fork; anything else (a newer timeline, an older one, or no fork known) may hold commits the
     * cluster lost.
     */
    static boolean diverged(HaStep s) {
        long mine = s.view.timeline();
        long theirs = s.pg.timeline();
        if (mine == theirs) return false;
        // Streaming from the recorded primary onto a newer timeline: it promoted and the record says so next.
        if (mine > theirs && s.pg.primary().equals(s.view.upstream()) && s.view.streaming()) return false;
        PgRecord.Fork fork = s.pg.fork();
        return mine > theirs || fork == null || fork.parentTimeline() != mine || s.view.lsn() > fork.lsn();
    }
}
