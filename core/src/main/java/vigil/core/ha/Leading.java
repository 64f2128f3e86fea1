package vigil.core.ha;

import vigil.core.election.Candidacy;
import vigil.core.election.Observation;
import vigil.core.election.PgRecord;
import vigil.core.ha.SupervisorState.PeerProbe;

/**
 * The leader's rules: make this node's PostgreSQL the primary. Record first, then act: this node becomes the
 * recorded primary (a record a majority must acknowledge) before it promotes or starts a primary, so no promotion can
 * ever be unknown to a later leader.
 */
final class Leading {
    /** A direct probe of the former primary counts as the re-check before pg_promote for this long. */
    static final long RECHECK_MS = 1000;

    private Leading() {}

    static void lead(HaStep s) {
        int before = s.electionInputs.size();
        steer(s);
        PgRecord.Confirmed oath = s.pg.confirmedDown();
        boolean recorded = s.electionInputs.subList(before, s.electionInputs.size()).stream()
                .anyMatch(o -> o instanceof Observation.RecordUpdate);
        if (oath != null && s.freshlyAcked(oath.node()) && !recorded) {
            // Heard from again: it was not off, or it is back. The oath is void; its own report is what counts now.
            // (A record written this step still carries it; the next step drops it, and FailOver ignores it meanwhile.)
            record(s, s.pg.withConfirmedDown(null), new Why(HaReason.CONFIRMATION_VOID, oath.node(),
                    "heard from since it was " + oath));
        }
    }

    private static void steer(HaStep s) {
        PgRecord pg = s.pg;
        PgView view = s.view;
        if (s.me.equals(pg.primary())) {
            keepPrimary(s);
        } else if (view.writable()) {
            s.fence(HaReason.SELF_FENCE, "writable, but the record names " + pg.primary() + " as primary");
        } else if (pg.primary() == null) {
            if (view.isStandby() || view.health() == PgView.Health.STOPPED) {
                long timeline = view.isStandby() ? view.timeline() : Math.max(1, view.timeline());
                record(s, new PgRecord(s.me, view.disk().systemId(), timeline, null,
                        SyncSet.othersIfSynchronous(s), null), Why.of(HaReason.BOOTSTRAP_PRIMARY));
            }
        } else if (view.isStandby()) {
            FailOver.failOver(s, pg.primary());
        } else if (view.health() != PgView.Health.UNKNOWN) {
            s.standDown(HaReason.NOT_ELIGIBLE, "PostgreSQL is " + view.health() + ", not a running standby");
        }
    }

    static void record(HaStep s, PgRecord next, Why why) {
        s.electionInputs.add(new Observation.RecordUpdate(s.now, next));
        s.why = why;
    }

    private static void keepPrimary(HaStep s) {
        PgRecord pg = s.pg;
        PgView view = s.view;
        if (Switchover.lead(s)) return;
        if (view.writable()) {
            long systemId = view.disk().systemId();
            if (pg.systemId() == 0 && systemId != 0) {
                // An adopted primary that was already running when its record was written.
                record(s, pg.withSystemId(systemId), new Why(HaReason.SYSTEM_RECORDED, null,
                        "system " + Long.toUnsignedString(systemId)));
            } else if (view.timeline() != pg.timeline() || pg.formerPrimary() != null) {
                record(s, pg.withTimeline(view.timeline(), view.replication().fork()).withPrimary(s.me, null),
                        new Why(HaReason.PROMOTED, pg.formerPrimary(), "timeline " + view.timeline()));
            } else if (pg.fork() == null && view.replication().fork() != null) {
                // The fork point was not known yet when the promotion was recorded (the history file is read by a
                // later probe): standbys decide exactly whether their history left ours only with it.
                record(s, pg.withTimeline(view.timeline(), view.replication().fork()), new Why(HaReason.PROMOTED, null,
                        "timeline " + view.timeline() + " forked at " + view.replication().fork()));
            } else if (s.checkpointPending) {
                s.act(new PgAction.Checkpoint(), HaReason.CHECKPOINT);
            } else if (!s.p.synchronous() || SyncSet.keep(s)) {
                s.why = Why.of(HaReason.PRIMARY_HEALTHY);
            }
        } else if (!s.e.recordCommitted()) {
            s.why = new Why(HaReason.WAITING, null, "the record naming this node primary is not yet committed");
        } else if (view.health() == PgView.Health.STOPPED) {
            startStopped(s);
        } else if (view.health() == PgView.Health.HUNG) {
            if (s.restarts.size() >= s.p.migrationThreshold()) {
                s.standDown(HaReason.MIGRATION_THRESHOLD_REACHED, s.restarts.size() + " restarts within failure_timeout");
                return;
            }
            s.restarts.add(s.now);
            s.fenceToRestart(HaReason.PRIMARY_CRASHED_RESTART, "PostgreSQL does not answer: killed, then restarted in place");
        } else if (view.health() == PgView.Health.FAILING) {
            s.why = new Why(HaReason.PRIMARY_FAILING, null, "PostgreSQL answers with errors");
        } else if (view.isStandby()) {
            promote(s);
        }
    }

    private static void startStopped(HaStep s) {
        PgRecord pg = s.pg;
        PgView view = s.view;
        if (view.emptyDataDir()) {
            if (pg.systemId() == 0) {
                s.act(new PgAction.Initialise(), HaReason.BOOTSTRAP_PRIMARY);
            } else {
                s.standDown(HaReason.RECORDED_PRIMARY_DATA_MISSING, "the data directory is empty; the cluster's "
                        + "system " + pg.systemId() + " is not initialised again");
            }
        } else if (pg.systemId() == 0) {
            // Recorded before the first start: every commit this server will ever take belongs to a known system.
            if (view.disk().systemId() != 0) {
                record(s, pg.withSystemId(view.disk().systemId()),
                        new Why(HaReason.SYSTEM_RECORDED, null, "system " + Long.toUnsignedString(view.disk().systemId())));
            } else {
                s.why = new Why(HaReason.WAITING, null, "the data directory's system identifier cannot be read");
            }
        } else if (Fitness.foreign(s)) {
            s.standDown(HaReason.SYSTEM_ID_MISMATCH, Fitness.foreignDetail(s));
        } else if (pg.formerPrimary() != null && view.timelineUnread()) {
            // Right after a fence the view says only that nothing runs: whether the promotion ran before the server was
            // killed is read from the control file by the probe that follows (the driver probes at once).
            s.why = new Why(HaReason.PROMOTING, pg.formerPrimary(), "PostgreSQL was killed before its promotion was"
                    + " seen: reading its control file");
        } else {
            start(s);
        }
    }

    /**
     * Starts the stopped recorded primary: as a primary, or, recorded in place of the former primary but not promoted
     * yet (its server stopped while still a standby: it hung and was killed, or crashed), as a standby of nobody,
     * promoted from there with every check of a promotion. Started as a primary it would write on the timeline it
     * replays, without the new timeline a promotion begins: the former primary's WAL past this node's position would
     * lie on the same timeline, and neither pg_rewind nor a standby's timeline check could tell the two histories
     * apart. Either start counts toward migration_threshold alike: a crash when it is seen, a kill when decided.
     */
    private static void start(HaStep s) {
        boolean unpromoted = s.pg.formerPrimary() != null && !s.view.disk().lastRanAsPrimary();
        PgAction start = unpromoted ? new PgAction.StartStandby(null) : new PgAction.StartPrimary(SyncSet.atStart(s));
        java.util.function.Function<HaReason, Why> why = r -> !unpromoted ? Why.of(r) : new Why(HaReason.PROMOTING,
                s.pg.formerPrimary(), "PostgreSQL stopped before its promotion: started again as a standby of nobody,"
                + " to be promoted");
        if (s.startAfterFence) {
            s.startAfterFence = false; // the restart of a hung primary, counted when it was killed
            s.act(start, why.apply(HaReason.PRIMARY_CRASHED_RESTART));
        } else if (s.restarts.size() >= s.p.migrationThreshold()) {
            s.standDown(HaReason.MIGRATION_THRESHOLD_REACHED, s.restarts.size() + " restarts within failure_timeout");
        } else if (s.selfStopped || !s.seenUp) {
            // We stopped it, or it has not run since this process started: a start, not a crash restart.
            s.seenUp = false;
            s.act(start, why.apply(HaReason.START_PRIMARY));
        } else {
            s.restarts.add(s.now);
            s.seenUp = false;
            s.act(start, why.apply(HaReason.PRIMARY_CRASHED_RESTART));
        }
    }

    /** This node is the recorded primary and its PostgreSQL still a standby: promote, after the last checks. */
    private static void promote(HaStep s) {
        Candidacy mine = new Candidacy(true, s.view.timeline(), s.view.lsn());
        // The former primary is the one being replaced: waiting for its acknowledgement costs three heartbeats
        // whenever it is dead. But when its own vigild vouched that its PostgreSQL is stopped (a planned stop, a
        // restart), it is probably alive and may be ahead: then its position is awaited like any standby's.
        String former = s.pg.formerPrimary();
        boolean vouched = former != null && s.e.pgProvenSafe(former);
        if (!FailOver.positionsSettled(s, vouched ? null : former)) {
            s.why = new Why(HaReason.PROMOTING, null, "waiting for every standby's position");
            return;
        }
        String ahead = OrderedFailover.waivesPositions(s) ? null : FailOver.peerAhead(s, mine, null);
        if (ahead != null) {
            s.standDown(new Why(HaReason.PEER_AHEAD, ahead, FailOver.aheadBy(s, ahead, mine)));
            return;
        }
        if (former != null && !recheck(s, former)) return;
        s.act(new PgAction.Promote(s.p.synchronous() ? SyncSet.atPromotion(s) : null),
                new Why(HaReason.PROMOTING, former, former == null ? "" : "former primary re-checked"));
    }

    /**
     * Just before pg_promote: the former primary must not answer as writable now. A probe that proves nothing
     * (timeout, refused) does not stop a promotion that a proof already allowed; only a fresh answer is needed.
     */
    private static boolean recheck(HaStep s, String former) {
        PeerProbe answer = s.probes.get(former);
        boolean full = answer != null && !(answer.shortOfAFullCheck()
                && FailOver.checkDeadline(s, former) == PgAction.ProbePeer.DEADLINE_MS);
        if (answer != null && answer.startedAt() >= s.now - RECHECK_MS && full) {
            if (answer.result() != PeerPg.WRITABLE) return true;
            s.askPeerProbe(former, new Why(HaReason.OLD_PRIMARY_STILL_SERVING, former,
                    "answers as a writable primary at the re-check before pg_promote"));
            return false;
        }
        s.askPeerProbe(former, new Why(HaReason.PROBING_OLD_PRIMARY, former, "re-check before pg_promote"),
                FailOver.checkDeadline(s, former));
        return false;
    }
}
