package vigil.core.ha;

import java.util.List;
import java.util.Map;
import vigil.core.election.Report.PgSafety;

/**
 * What the supervisor remembers between observations. Immutable, in named parts.
 *
 * @param local    the local PostgreSQL as last seen, and what is known about whether it may write
 * @param work     the action in flight, the fence, retries and restarts
 * @param rejoin   how rejoining the primary went so far
 * @param probes   the latest direct probe answer per peer
 * @param durable  the part kept on disk
 * @param boot     this process's start and whether it has led since
 * @param why      the last reason logged, so each change is logged once
 * @param freeze   whether the local PostgreSQL is (being) frozen while the lease is in doubt
 * @param handover the planned switchover this node carries out, or null ({@link Switchover})
 * @param order    the operator's order that this node take over, or null ({@link OrderedFailover})
 */
public record SupervisorState(Local local, Work work, Rejoin rejoin, Probes probes, HaDurable durable, Boot boot,
                              Why why, Freeze freeze, Handover handover, Order order) {
    public SupervisorState(Local local, Work work, Rejoin rejoin, Probes probes, HaDurable durable, Boot boot, Why why,
                           Freeze freeze, Handover handover) {
        this(local, work, rejoin, probes, durable, boot, why, freeze, handover, null);
    }

    /**
     * {@code vigilctl failover --to} this node, held in memory only (a restarted vigild has forgotten it): the node
     * stands first and, with {@code acceptDataLoss}, is a candidate despite lag, the synchronous set and a ban. It
     * lapses {@link OrderedFailover#ORDER_MS} after {@code since} unless the promotion was recorded by then.
     *
     * @param operator       who ordered it, for the log
     * @param acceptDataLoss {@code --accept-data-loss}
     * @param since          when it arrived (own clock)
     */
    public record Order(String operator, boolean acceptDataLoss, long since) {}

    public SupervisorState(Local local, Work work, Rejoin rejoin, Probes probes, HaDurable durable, Boot boot, Why why) {
        this(local, work, rejoin, probes, durable, boot, why, Freeze.NONE, null);
    }

    public SupervisorState(Local local, Work work, Rejoin rejoin, Probes probes, HaDurable durable, Boot boot, Why why,
                           Freeze freeze) {
        this(local, work, rejoin, probes, durable, boot, why, freeze, null);
    }

    /**
     * A planned switchover this node, the leader and primary, carries out ({@link Switchover}). Not kept on disk: a
     * vigild that restarts half-way forgets it, and the ordinary rules then restart PostgreSQL or fail over.
     *
     * @param target       the standby that takes over
     * @param since        when it was asked for (own clock)
     * @param operator     who asked, for the log
     * @param checkpointed the CHECKPOINT before the shutdown ran (so that the shutdown's own checkpoint is short)
     * @param stoppedAt    when PostgreSQL was seen stopped with the end of its WAL known (0: not yet)
     * @param releasingAt  when the target had everything and the VIPs were asked to go (0: not yet): until then they
     *                     stay on this node, whose stopped server refuses connections at once
     * @param vipsGone     no VIP that follows the primary is on this node any more (or none is configured)
     * @param resignedAt   when leadership was handed to {@code target} (0: not yet)
     * @param timeline     the timeline this node was the recorded primary of when it handed over (0: not yet)
     */
    public record Handover(String target, long since, String operator, boolean checkpointed, long stoppedAt,
                           long releasingAt, boolean vipsGone, long resignedAt, long timeline) {
        Handover withCheckpoint() {
            return new Handover(target, since, operator, true, stoppedAt, releasingAt, vipsGone, resignedAt, timeline);
        }

        Handover stopped(long at) {
            return new Handover(target, since, operator, checkpointed, at, releasingAt, vipsGone, resignedAt, timeline);
        }

        Handover releasing(long at) {
            return new Handover(target, since, operator, checkpointed, stoppedAt, at, vipsGone, resignedAt, timeline);
        }

        Handover withVipsGone() {
            return new Handover(target, since, operator, checkpointed, stoppedAt, releasingAt, true, resignedAt, timeline);
        }

        Handover resigned(long at, long onTimeline) {
            return new Handover(target, since, operator, checkpointed, stoppedAt, releasingAt, vipsGone, at, onTimeline);
        }

        /** The VIPs that follow the primary stay where they are: the switchover has begun and not yet let them go. */
        public boolean keepsVips() {
            return releasingAt == 0 && resignedAt == 0;
        }

        /** The VIPs that follow the primary were asked to go and may still be here. */
        public boolean awaitsVips() {
            return releasingAt != 0 && !vipsGone && resignedAt == 0;
        }
    }

    /**
     * The freezer's state. Invariant: a thaw is asked for only while the lease is valid beyond the fence margin and no
     * longer in doubt, or once PostgreSQL is known unable to write (verified stopped, or a standby); so freezing only
     * ever adds to the self-fence.
     *
     * @param asked       the last request was "freeze": the group is, or is becoming, frozen
     * @param pending     a request has not been answered yet (no other is sent meanwhile)
     * @param askedAt     when the current freeze was asked for
     * @param unavailable the driver could not freeze (no cgroup, a write error): not asked again until vigild restarts
     * @param thawFailed  a thaw could not be written: the server is restarted in place ({@link Freezing})
     */
    public record Freeze(boolean asked, boolean pending, long askedAt, boolean unavailable, boolean thawFailed) {
        public static final Freeze NONE = new Freeze(false, false, 0, false, false);
    }
    /**
     * @param knowledge    whether the local PostgreSQL may accept writes: MAY_WRITE until a probe or a verified
     *                     fence proves otherwise (at boot, after a promotion or primary start, when writable)
     * @param stalledSince since when a standby has not been streaming from the primary (-1: streaming)
     * @param seenUp       PostgreSQL answered since this process started it (or started): STOPPED now means a crash
     * @param selfStopped  the local PostgreSQL is stopped because this supervisor stopped it (not a crash)
     * @param probed       a probe has answered since this process started
     * @param lastPosition the newest position seen while PostgreSQL answered (it outlives a stop)
     * @param unsettled    a writable action (Promote, a primary start) failed or was cancelled and may still
     *                     complete (pg_promote only signals the postmaster): only a verified stop or fence proves
     *                     PostgreSQL cannot write, an in-recovery answer does not
     */
    public record Local(PgView view, PgSafety knowledge, long stalledSince, boolean seenUp, boolean selfStopped,
                        boolean probed, PgView.Position lastPosition, boolean unsettled) {
        public Local(PgView view, PgSafety knowledge, long stalledSince, boolean seenUp, boolean selfStopped,
                     boolean probed, PgView.Position lastPosition) {
            this(view, knowledge, stalledSince, seenUp, selfStopped, probed, lastPosition, false);
        }
    }

    /**
     * @param inFlight          the exclusive action being carried out, or null
     * @param fencing           a self-fence is under way (it preempted {@code inFlight})
     * @param restarts          times of local restarts of a crashed primary (kept within failure_timeout)
     * @param failedActions     consecutive failed actions; retried with a growing delay
     * @param retryAt           no new action before this instant (after a failure)
     * @param checkpointPending a promotion succeeded and its CHECKPOINT has not run yet
     * @param startAfterFence   the fence kills a hung primary that is then restarted in place (already counted)
     * @param stopping          a planned stop is under way: PostgreSQL is stopped, nothing is started
     * @param unfit             why this node must not let PostgreSQL write (null: it may)
     * @param syncApplied       the synchronous_standby_names last applied (reloaded), until a probe shows it in effect
     * @param syncAppliedAt     when it was applied
     */
    public record Work(PgAction inFlight, long inFlightSince, boolean fencing, List<Long> restarts, int failedActions,
                       long retryAt, boolean checkpointPending, boolean startAfterFence, boolean stopping,
                       String unfit, String syncApplied, long syncAppliedAt) {
        public Work {
            restarts = List.copyOf(restarts);
        }
    }

    /**
     * A re-clone this node needs: {@code from} the primary whose answer made it necessary (null: from whichever primary,
     * pg_rewind proved the divergence); another primary may still have the WAL, so it does not carry over to one.
     */
    public record Reclone(String from, String why) {
        boolean concerns(String primary) {
            return from == null || from.equals(primary);
        }
    }

    /**
     * @param rewindRetries    consecutive transient pg_rewind failures (retried; never a reason to re-clone)
     * @param reclone          why the next start must be a re-clone (null: none): pg_rewind proved it cannot repair
     *                         the divergence, or the primary removed WAL this standby needs
     * @param refusedFor       a clone or rewind from this primary was refused (another system): nothing more is tried
     *                         until the recorded primary changes
     * @param rejoinedOn       the recorded primary's timeline when a clone or pg_rewind from it last succeeded (0: none
     *                         since PostgreSQL last ran here): the stopped copy may then start as a standby even if
     *                         its control file names an older timeline — pg_rewind's "no rewind required" changes
     *                         nothing, and recovery follows the newer timeline from there
     */
    public record Rejoin(int rewindRetries, Reclone reclone, String refusedFor, long rejoinedOn) {
        static final Rejoin NONE = new Rejoin(0, null, null, 0);
    }

    /**
     * @param askedAt      when a direct probe was last asked for (probes are rate-limited)
     * @param fences       the last fence-agent outcome per node ({@link PeerPg#POWERED_OFF} or UNKNOWN with why)
     * @param fenceAskedAt when the fence agents were last asked to run (Long.MIN_VALUE: never)
     */
    public record Probes(Map<String, PeerProbe> answers, long askedAt, Map<String, PeerProbe> fences, long fenceAskedAt) {
        public Probes {
            answers = Map.copyOf(answers);
            fences = Map.copyOf(fences);
        }

        public Probes(Map<String, PeerProbe> answers, long askedAt) {
            this(answers, askedAt, Map.of(), Long.MIN_VALUE);
        }
    }

    /**
     * A direct probe's answer about another node's PostgreSQL, and when it was asked (own clock).
     *
     * @param deadlineMs the deadline it was asked with: an UNKNOWN answer of a probe asked with the short one
     *                   ({@link PgAction.ProbePeer#CHECK_DEADLINE_MS}) is no full check of the node ({@link FailOver})
     */
    public record PeerProbe(PeerPg result, long startedAt, long answeredAt, String detail, long deadlineMs) {
        public PeerProbe(PeerPg result, long startedAt, long answeredAt, String detail) {
            this(result, startedAt, answeredAt, detail, PgAction.ProbePeer.DEADLINE_MS);
        }

        /** A timeout or a refusal of a probe asked with the short deadline: the full one might have had an answer. */
        boolean shortOfAFullCheck() {
            return result == PeerPg.UNKNOWN && deadlineMs < PgAction.ProbePeer.DEADLINE_MS;
        }
    }

    /** @param id the kernel's boot id: the monotonic clock is comparable across restarts of vigild within one boot */
    public record Boot(long at, String id, boolean ledSinceBoot) {}

    public static SupervisorState boot(long now, String bootId, HaDurable durable) {
        return new SupervisorState(new Local(PgView.UNKNOWN, PgSafety.MAY_WRITE, -1, false, false, false,
                PgView.Position.NONE),
                new Work(null, 0, false, List.of(), 0, 0, false, false, false, null, null, 0), Rejoin.NONE,
                new Probes(Map.of(), Long.MIN_VALUE / 4), durable, new Boot(now, bootId, false), null);
    }

    /** For tests and tools that need no persisted part. */
    public static SupervisorState boot(long now) {
        return boot(now, "", HaDurable.INITIAL);
    }

    /**
     * A restarted recorded primary ({@code primary} names {@code self}) keeps its writable PostgreSQL serving while it
     * regains leadership, within its reclaim window at {@code now} less the self-fence margin: it has not led since
     * it started (the window is set once per host boot: a restart of vigild does not renew it). As
     * {@link HaStep#reclaiming()}, without setting the window.
     */
    public boolean reclaiming(String self, String primary, long now, long marginMs) {
        return self.equals(primary) && local.view().writable() && !boot.ledSinceBoot() && durable.reclaimUntil() != 0
                && durable.reclaimBoot().equals(boot.id()) && now + marginMs < durable.reclaimUntil();
    }

    /**
     * Not probed since it started, and within the first probe's grace: the supervisor neither fences nor reclaims yet
     * (after the grace, a node that has not seen its PostgreSQL fences it).
     */
    public boolean awaitingFirstProbe(long now) {
        return HaStep.awaitingFirstProbe(local.probed(), boot.at(), now);
    }

    public PgView view() {
        return local.view();
    }

    public PgAction inFlight() {
        return work.inFlight();
    }

    /**
     * This node restarts its own primary in place: the fence that kills a hung or crashed server before it is started
     * again ({@code HaStep#fenceToRestart}: not after a fence that failed, nor once the node stands down), or the start
     * itself. Its data directory is the one that comes back as the primary, on the same timeline, so whatever it
     * acknowledged before it stopped is still there once it answers again.
     */
    public boolean restartsPrimaryInPlace() {
        return work.fencing() && work.startAfterFence() || work.inFlight() instanceof PgAction.StartPrimary;
    }

    public List<Long> restarts() {
        return work.restarts();
    }

    public HaReason reason() {
        return why == null ? null : why.reason();
    }
}
