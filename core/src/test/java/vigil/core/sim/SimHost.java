package vigil.core.sim;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongFunction;
import vigil.core.election.Durable;
import vigil.core.ha.HaDurable;
import vigil.core.ha.PgAction;
import vigil.core.node.Input;
import vigil.core.node.NodeState;

/**
 * One simulated host: its clock (per boot), its disk (what vigild persisted, and PostgreSQL's data directory), its
 * watchdog device, its PostgreSQL, and the vigild process currently running on it, if any.
 */
final class SimHost {
    final String name;
    final boolean dataNode;
    final SimPostgres pg = new SimPostgres();
    /** Streaming pace of this node's standby: 1 to 9 chances in 10 per write. */
    int streamRate = 8;

    // ---- the host ----
    boolean up;
    SimClock clock;
    String bootId = "";
    int boots;
    /** Until when fsyncs of this host block for long (a stalled disk). */
    long slowDiskUntilUs;

    // ---- the disk ----
    Durable electionDisk = Durable.INITIAL;
    HaDurable haDisk = HaDurable.INITIAL;

    /** How long systemd takes to start vigild again after a {@code restart-daemon} ended it. */
    long restartDownUs = 1_500_000L;

    // ---- the watchdog device (a kernel timer: it stops with the host) ----
    boolean wdArmed;
    long wdLastKickLocal;
    long wdSlackMs;
    int wdEpoch;

    // ---- the network interface: the VIP is an address on it; it outlives vigild, not the host ----
    boolean vipHeld;
    /** The VIPs placed by checks, on the same interface. */
    boolean trackedHeld;
    /** Whether this host's tracked services work (the checks' verdict follows it). */
    boolean trackPass = true;

    // ---- the vigild process ----
    Proc proc;
    int incarnations;
    /** The last lease end (own clock) of a vigild that died or was frozen, while its PostgreSQL may still write. */
    long orphanLeaseUntilLocal = Long.MIN_VALUE;
    /**
     * The gap a lease cannot close: this host was suspended whole while its PostgreSQL was the primary, and resumed
     * with that same server still running. Until this real instant (a lease after the resume, by when its vigild, if
     * alive, has noticed, or its watchdog has reset the host) it may accept writes beside a newer primary.
     */
    long gapUntilUs = Long.MIN_VALUE;
    /**
     * The host's clock reading when it last resumed from a suspend (its clock stood still before): a lease counted
     * from a heartbeat sent before that instant outlasted real time.
     */
    long lastWakeLocal = Long.MIN_VALUE;
    /** The newest term this host knew when it froze: only a leader elected after it makes the gap a double writer. */
    long gapTerm;
    /** Since when the vigild has run without a pause or suspend (for "the cluster could know its position"). */
    long steadySinceUs;

    SimHost(String name, boolean dataNode) {
        this.name = name;
        this.dataNode = dataNode;
    }

    long localMs(long realUs) {
        return clock.localMs(realUs);
    }

    boolean suspended() {
        return up && clock.suspended();
    }

    /** Running and able to act right now: not frozen, not blocked in an fsync. */
    boolean vigildRunning(long nowUs) {
        return up && proc != null && !proc.halted && !clock.suspended() && proc.pausedUntilUs <= nowUs
                && proc.busyUntilUs <= nowUs;
    }

    /** PostgreSQL accepts writes now: its primary's backends run on a host that is up and not suspended. */
    boolean accepting() {
        return up && !clock.suspended() && pg.primaryRunning();
    }

    /** One vigild process: its node state, and its driver threads (one action thread, one peer prober). */
    static final class Proc {
        final int incarnation;
        NodeState state;
        boolean halted;
        long pausedUntilUs;
        long busyUntilUs;
        /** Fences (the step's and the lease guard's) that began killing: the daemon's StartBarrier count. */
        int fences;
        final Deque<LongFunction<Input>> buffered = new ArrayDeque<>();
        long actionThreadFreeAtUs;
        long proberFreeAtUs;
        long freezerFreeAtUs;
        /** Since when (own clock) this process has believed its PostgreSQL may write. */
        long mayWriteSinceLocal = Long.MIN_VALUE;
        /** When (own clock) the lease of this process was last extended. */
        long leaseRenewedLocal = Long.MIN_VALUE;
        /** When (own clock) this process's lease of its current leadership was first established. */
        long leaseEstablishedLocal = Long.MIN_VALUE;
        /** The last freeze request of this process was "freeze" (the driver then never thaws on its own). */
        boolean freezeWanted;
        /** Until when a freeze or thaw under way is a slow one (a process in uninterruptible IO delays it). */
        long freezeSlowUntilUs;
        /** The VIP driver's thread: checks, claims and releases run one after another. */
        long vipThreadFreeAtUs;
        /** The tracked checks' last verdict told to the loop (null: none yet). */
        Boolean trackedTold;
        /** The release guard of the VIPs placed by checks (own clock), and a counter that voids older ones. */
        long trackedGuardAt = Long.MAX_VALUE;
        int trackedGuardEpoch;
        /** The lease guard's deadline (own clock) and a counter that voids older ones. */
        long guardAt = Long.MAX_VALUE;
        /** When this process's last fence began (real time; 0 none), and whether it was slow (draining, broken). */
        long fenceBeganUs;
        /** Bumped when a freeze or thaw is asked for and when it is answered: a probe across either is dropped. */
        int freezeEpoch;
        /** Bumped when an action's or a fence's end is handed to the loop: a probe read across it is dropped. */
        int actionEpoch;
        /** Bumped at every action's or fence's end, a cancelled action's too: the driver's local view cache generation. */
        int cacheEpoch;
        /** The driver's view of the local PostgreSQL in this process (its stopped-cluster cache). */
        final SimLocalView localView = new SimLocalView();
        /** The driver's check of the upstream's WAL while the standby does not stream. */
        final SimUpstreamWal upstreamWal = new SimUpstreamWal();
        /** As the daemon's loop: a late or second copy of a heartbeat or acknowledgement never reaches the step. */
        final vigil.core.node.Arrivals arrivals = new vigil.core.node.Arrivals();
        /** The loop's last decision left the node steady: the driver probes at the steady rate (ProbeCadence). */
        boolean steady;
        /** The position the last probe read (the driver's probe rate depends on whether it moved). */
        vigil.core.ha.PgView.Position lastProbedPosition = vigil.core.ha.PgView.Position.NONE;
        boolean fenceSlow;
        /** When this process first heard from its probe (real time; 0 not yet). */
        long firstProbedUs;
        /** The end (own clock) of the last lease this process held, kept after it stepped down. */
        long lastLeaseUntil = Long.MIN_VALUE;
        int guardEpoch;
        /** The loop's last decision let heartbeat acknowledgements wait for its next wake ({@link vigil.core.node.AckDeferral}). */
        boolean acksMayWait;
        /**
         * Messages waiting for the loop's next wake, in the order they came: every message that arrives while
         * {@link #acksMayWait} (the daemon's loop then leaves its datagram socket unread until its next wake).
         */
        final Deque<Map.Entry<String, vigil.core.election.Message>> waiting = new ArrayDeque<>();
        /**
         * The lease guard removed the VIPs that follow the primary, and its report of that ({@code VipGuardReleased})
         * has not reached the loop yet: until it has, the step may still count them as held
         * ({@link Simulation#checkVipBelief}).
         */
        boolean vipGuardReportPending;
        /**
         * How many times a guard removed each group's VIPs (index: {@code VipGroup.ordinal()}): a claim whose add it
         * overlapped reports itself failed, as the driver does under its lock.
         */
        final int[] guardRemovals = new int[2];
        final Map<Long, Job> jobs = new HashMap<>();
        /** StartPrimary actions asked of this process so far (a pg_waldump read across one is discarded, see SimIo). */
        long primaryStartsAsked;
        /** The loop's timer (own clock): the wake its last decision set, raw and as scheduled; ticks carry the token. */
        long rawWake = Long.MAX_VALUE;
        long scheduledWake = Long.MIN_VALUE;
        long tickToken;
        long lastTickAt = Long.MIN_VALUE / 4;
        /** The instant of this process's last tick, up to which every rule was tried ({@link vigil.core.node.Wake}); none yet: MIN_VALUE. */
        long triedUntil = Long.MIN_VALUE;
        /** When (own clock) this process last decided; Long.MIN_VALUE: not yet. */
        long decidedAt = Long.MIN_VALUE;

        Proc(int incarnation, NodeState state) {
            this.incarnation = incarnation;
            this.state = state;
        }
    }

    /** An action carried out by the driver; cancelled ones may still finish what they started. */
    static final class Job {
        final long id;
        final PgAction action;
        /** The fences the driver had begun when this action was asked (the daemon's StartBarrier ticket). */
        final int fencesAtAsk;
        boolean cancelled;
        boolean applied;

        Job(long id, PgAction action, int fencesAtAsk) {
            this.id = id;
            this.action = action;
            this.fencesAtAsk = fencesAtAsk;
        }
    }
}
