package vigil.daemon.ha;

import java.util.Optional;
import vigil.core.election.PgRecord;
import vigil.core.ha.PgView;
import vigil.daemon.pg.ControlData;
import vigil.daemon.pg.PgProcesses;
import vigil.daemon.pg.PgRole;
import vigil.daemon.pg.PgState;
import vigil.daemon.pg.Recovery;
import vigil.daemon.pg.Postgres;
import vigil.daemon.pg.WalEnd;

/**
 * Translates one probe of the local PostgreSQL into the core's {@link PgView}, and says STOPPED only when it verified
 * that no process of PostgreSQL runs: a refused connection beside live processes (starting, shutting down, a stuck
 * backend) is FAILING, a timeout HUNG. For a stopped cluster it reads the control file and the end of its WAL, once
 * per stop (they cannot change while nothing runs), so the core knows the system and the durable position.
 */
final class LocalView {
    private final Postgres postgres;
    private final PgProcesses processes;
    private final WalEnd walEnd;
    private final ActionRunner runner;
    /** The stopped cluster as last read (reset whenever PostgreSQL is seen running); probe thread only. */
    private PgView stoppedCache;
    private long cacheGeneration;
    /** The role PostgreSQL answered with at the last probe, while it answered; null once it stopped. */
    private volatile PgRole lastUpRole;
    /** {@link #generation} when it last answered: unchanged since means no action of ours stopped it. */
    private long lastUpGeneration;
    /** Where it was when it last answered: a lower bound of where its WAL ends now (not known until read). */
    private PgView.Position lastUpPosition = PgView.Position.NONE;
    /** The control file read with {@link #stoppedCache}, until the end of its WAL has been read too. */
    private ControlData lastControlData;
    private long systemId;
    /** What the startup process of a standby not yet consistent read at the last probe (null: none such). */
    private volatile Recovery.Reading reading;
    /**
     * Bumped by {@link #invalidate} from the action and fence threads. Never a lock: reading a stopped cluster runs
     * pg_waldump, and pg_controldata when the control file's layout is not one vigild reads itself (seconds at worst),
     * and a fence must report the moment it is verified.
     */
    private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Whether a start of the primary (StartPrimary) has been asked and has not ended: where a stopped cluster's WAL
     * ends is then not read. That is pg_waldump under runuser, which ran beside a crashed primary's restart on the same
     * cores and disk; the server about to answer tells its position itself, and a start that fails leaves it to be read
     * after. A standby's start is left as it was: a standby's known position is what a switchover or an election
     * weighs it by, and it is on no path that waits for writes.
     */
    private final java.util.function.BooleanSupplier starting;

    LocalView(Postgres postgres, PgProcesses processes, WalEnd walEnd, ActionRunner runner,
              java.util.function.BooleanSupplier starting) {
        this.postgres = postgres;
        this.processes = processes;
        this.walEnd = walEnd;
        this.runner = runner;
        this.starting = starting;
    }

    /**
     * Where a FAILING standby's replay needs WAL from its upstream (the segment its startup process reads, with nothing
     * past it in pg_wal, or the first one a rewind or copy left it to read, absent from pg_wal), as of the last probe;
     * null when the last view was no such standby.
     */
    PgView.Position neededNext() {
        Recovery.Reading r = reading;
        return r == null ? null : new PgView.Position(r.timeline(), r.needed(), false);
    }

    /** Called by the probe thread only. */
    /** The role PostgreSQL last answered with, null when it has not answered since it was last seen stopped. */
    PgRole lastUpRole() {
        return lastUpRole;
    }

    /**
     * Whether a standby streams from the upstream vigil configured for it ({@code upstream}, a member's name; null
     * when none or not known), its WAL receiver being connected to {@code senderMember} (the member at the address
     * pg_stat_wal_receiver names; null when it names none). The core reads "streaming" with "upstream" as "this
     * standby holds a prefix of that node's WAL" (a voter then skips its own position comparison for it, and a newer
     * timeline streamed from the recorded primary is not a divergence), so a receiver connected to another member is
     * not streaming from the upstream: just after a repoint's reload vigil names the new upstream, while the receiver
     * restarts only when the startup process next asks for WAL (later still while replay is paused or delayed).
     * Such a standby reads as not streaming (status and the stall's report say so; a stall past standby_stall_ms
     * whose fork the record cannot place is rewound, as one cut off). A sender that is no member's address (details hidden from the probe's role, a conninfo vigil did not write, the same server
     * named otherwise) proves nothing either way: the receiver's own flag is taken, as before this was read.
     */
    static boolean streamsFromUpstream(PgState s, String upstream, String senderMember) {
        if (!s.walReceiverStreaming()) return false;
        return upstream == null || senderMember == null || senderMember.equals(upstream);
    }

    /**
     * The view when the postmaster vigild started has just exited: without asking over the probe's connection (its
     * backend may still answer for a moment), unless a postmaster runs again.
     */
    PgView afterPostmasterExit(java.util.function.Supplier<PgState> probe) {
        return view(postgres.postmasterRunning() ? probe.get() : PgState.postmasterGone());
    }

    PgView view(PgState s) {
        if (s.reachable()) {
            stoppedCache = null;
            lastUpRole = s.role();
            lastUpGeneration = generation.get();
            lastUpPosition = new PgView.Position(s.timeline(), s.position(), false);
            if (s.systemId() != 0) systemId = s.systemId();
            PgView.Disk disk = new PgView.Disk(PgView.Disk.Data.CLUSTER, s.systemId(), false, postgres.setAsideExists());
            if (s.role() == PgRole.PRIMARY) {
                PgRecord.Fork fork = s.forkPoint().map(f -> new PgRecord.Fork(f.parentTimeline(), f.switchLsn())).orElse(null);
                return new PgView(PgView.Health.UP, PgView.Role.PRIMARY, new PgView.Position(s.timeline(), s.position(), true),
                        new PgView.Replication(false, null, fork, s.synchronousStandbyNames()), disk);
            }
            return new PgView(PgView.Health.UP, PgView.Role.STANDBY,
                    new PgView.Position(s.timeline(), s.position(), s.positionKnown()),
                    new PgView.Replication(streamsFromUpstream(s, runner.upstream(), runner.memberAt(s.walSender())), runner.upstream(),
                            null, null), disk);
        }
        if (processes.live(postgres.dataDir()) > 0) {
            stoppedCache = null;
            PgView.Disk disk = new PgView.Disk(PgView.Disk.Data.CLUSTER, systemId, false, false);
            // Processes left after the postmaster died (backends finishing what they run, still able to commit) are
            // HUNG, not merely failing: the supervisor then kills them at once instead of waiting for them to notice.
            boolean orphans = !postgres.postmasterRunning();
            PgView.Health h = s.failure() == PgState.Failure.TIMEOUT || orphans ? PgView.Health.HUNG : PgView.Health.FAILING;
            reading = null;
            if (h == PgView.Health.FAILING && s.failure() == PgState.Failure.STARTING_OR_STOPPING && runner.upstream() != null
                    && java.nio.file.Files.exists(postgres.dataDir().resolve("standby.signal"))) {
                // A standby not yet consistent refuses connections: its startup process's title says which segment it
                // reads. Waiting for the next one (not in pg_wal), it needs it from its upstream: reported with where
                // replay stands (a lower bound) and the upstream, so that the upstream can be asked for it.
                Optional<Recovery.Reading> r = Recovery.of(postgres.dataDir());
                if (r.isPresent() && r.get().waiting()) {
                    reading = r.get();
                    return new PgView(h, null, new PgView.Position(reading.timeline(), reading.at(), false),
                            new PgView.Replication(false, runner.upstream(), null, null), disk);
                }
            }
            return new PgView(h, null, PgView.Position.NONE, PgView.Replication.NONE, disk);
        }
        long g = generation.get();
        if (stoppedCache == null && lastUpRole != null && lastUpGeneration == g && systemId != 0) {
            // It ran a moment ago and nothing of it runs now (a crash): what its data directory holds is what the
            // running server showed. Reported at once, so a primary is restarted without waiting for
            // pg_controldata; the control file and the end of the WAL are read on the next probes.
            PgView quick = new PgView(PgView.Health.STOPPED, null, lastUpPosition, PgView.Replication.NONE,
                    new PgView.Disk(PgView.Disk.Data.CLUSTER, systemId, lastUpRole == PgRole.PRIMARY,
                            postgres.setAsideExists()));
            lastUpRole = null;
            return quick;
        }
        lastUpRole = null;
        if (stoppedCache == null || cacheGeneration != g) {
            PgView read = stopped();
            if (read.disk().data() == PgView.Disk.Data.CLUSTER && read.timelineUnread()) {
                // pg_controldata gave nothing: not cached, read again by the next probe (a standby of unknown
                // timeline is not started: it would wait on this cache until vigild restarts)
                return read;
            }
            stoppedCache = read;
            cacheGeneration = g; // an invalidate() while it was read makes the next probe read it again
        } else if (!stoppedCache.position().known() && lastControlData != null && !starting.getAsBoolean()) {
            // The end of the WAL is read one probe after the stop is reported: a crashed primary's restart, which
            // does not need it, is not delayed by pg_waldump. Nor is it read while a start of the primary is carried
            // out: the server about to answer tells where it stands, and pg_waldump would run beside its start.
            long tl = lastControlData.timeline();
            stoppedCache = walEnd.of(lastControlData).map(end -> stoppedCache.withPosition(new PgView.Position(tl, end, true)))
                    .orElse(stoppedCache);
            lastControlData = null;
        }
        return stoppedCache;
    }

    /** Nothing runs: what the data directory holds, its system, whether it last ran as a primary, where its WAL ends. */
    private PgView stopped() {
        Postgres.DataDirState state = postgres.dataDirState();
        if (state != Postgres.DataDirState.CLUSTER) {
            PgView.Disk.Data data = state == Postgres.DataDirState.EMPTY ? PgView.Disk.Data.EMPTY : PgView.Disk.Data.FOREIGN;
            return new PgView(PgView.Health.STOPPED, null, PgView.Position.NONE, PgView.Replication.NONE,
                    new PgView.Disk(data, 0, false, postgres.setAsideExists()));
        }
        Optional<ControlData> cd;
        try {
            cd = postgres.controlData();
        } catch (IllegalStateException e) {
            cd = Optional.empty();
        }
        long id = cd.map(ControlData::systemId).orElse(systemId);
        // a clone's or a rewind's control file may still read "in production"/"shut down": it is not this node's past
        boolean wasPrimary = cd.map(c -> (c.state() == ControlData.ClusterState.IN_PRODUCTION
                || c.state() == ControlData.ClusterState.SHUT_DOWN) && !postgres.rejoinedAt(c)).orElse(false);
        // Known only once the end of the WAL is read (next probe); until then the checkpoint bounds it from below.
        PgView.Position position = cd.map(c -> new PgView.Position(c.timeline(), c.checkpointLsn(), false))
                .orElse(PgView.Position.NONE);
        lastControlData = cd.orElse(null);
        return new PgView(PgView.Health.STOPPED, null, position, PgView.Replication.NONE,
                new PgView.Disk(PgView.Disk.Data.CLUSTER, id, wasPrimary, postgres.setAsideExists()));
    }

    /**
     * The last view was of a stopped cluster whose WAL end the next call reads ({@link WalEnd}): worth asking at once
     * rather than at the next scheduled probe (a switchover waits for it). True once per stop; probe thread only.
     */
    boolean walEndPending() {
        return stoppedCache != null && !stoppedCache.position().known() && lastControlData != null && !starting.getAsBoolean();
    }

    /** Forget the stopped cluster's facts: an action changed the data directory. Any thread; never blocks. */
    void invalidate() {
        generation.incrementAndGet();
    }
}
