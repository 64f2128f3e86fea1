package vigil.daemon.ha;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import vigil.core.ha.Outcome;
import vigil.core.ha.PeerPg;
import vigil.core.ha.PgAction;
import vigil.core.node.Executor;
import vigil.core.node.Input;
import vigil.core.node.ProbeCadence;
import vigil.daemon.log.Log;
import vigil.daemon.loop.Drivers;
import vigil.daemon.log.Priority;
import vigil.daemon.pg.PgProbe;
import vigil.daemon.pg.PgProcesses;
import vigil.daemon.pg.Postgres;
import vigil.daemon.pg.Upstream;

/**
 * The PostgreSQL driver of the node step: carries out its effects and reports back as {@link Input}s. It decides
 * nothing. Its threads are the executor semantics the simulator models:
 * <ul>
 * <li>one action thread: one action at a time; {@link #cancel} interrupts it (the command runner kills what runs);</li>
 * <li>one fence thread, never busy with anything else: SIGKILL of every process of the local PostgreSQL (its process
 *     group), verified gone before the deadline;</li>
 * <li>the lease guard, a thread of its own: it fences at the instant the node step armed it for unless re-armed,
 *     so a loop blocked in an fsync or a log write cannot delay the self-fence;</li>
 * <li>one peer prober and the local probe on a timer.</li>
 * </ul>
 */
public final class PostgresAgent implements Drivers.Pg, AutoCloseable {
    private final Postgres postgres;
    private final PgProbe probe;
    private volatile Runnable beforeGuardFence;
    private volatile java.util.function.Consumer<Boolean> roleListener;
    private final PgProcesses processes;
    private final OldPrimaryProbe peerProbe;
    private final Map<String, Upstream> upstreams;
    private final ActionRunner runner;
    private final LocalView localView;
    private final SlotKeeper slots;
    private final UpstreamWal upstreamWal;
    private final Consumer<Input> loop;
    private final LongSupplier clock;
    private final Log log;
    private final ExecutorService actions = Executors.newSingleThreadExecutor(daemon("vigil-pg-action"));
    private final ExecutorService fences = Executors.newSingleThreadExecutor(daemon("vigil-pg-fence"));
    private final ExecutorService peers = Executors.newSingleThreadExecutor(daemon("vigil-pg-peer-probe"));
    /** Freezes and thaws: never behind an action or a fence, and a fence never behind one of them. */
    private final ExecutorService freezer = Executors.newSingleThreadExecutor(daemon("vigil-pg-freeze"));
    /** Bumped when a freeze or thaw is asked for and when it is done: a probe that ran across either is not reported. */
    /** Keeps a probe read across an action's end, a freeze or a thaw from reaching the loop ({@link ProbeGate}). */
    private final ProbeGate gate = new ProbeGate();
    private final ScheduledExecutorService probes = Executors.newSingleThreadScheduledExecutor(daemon("vigil-pg-probe"));
    private final Thread guardThread;
    private volatile long guardAt = Long.MAX_VALUE;
    private volatile boolean closed;
    private long runningId = -1;
    /** The id of the StartPrimary asked and not yet ended or cancelled, else -1 ({@link LocalView}). */
    private volatile long startingId = -1;
    private Future<?> running;

    /** @param upstreams every other data node's PostgreSQL address, by node name */
    public PostgresAgent(Postgres postgres, PgProbe probe, PgProcesses processes, OldPrimaryProbe peerProbe,
                         Map<String, Upstream> upstreams, Consumer<Input> loop, LongSupplier clock, Log log) {
        this.postgres = postgres;
        this.probe = probe;
        this.processes = processes;
        this.peerProbe = peerProbe;
        this.upstreams = Map.copyOf(upstreams);
        // A probe the moment pg_promote returns: the primary (and so its VIPs) is seen without waiting for the
        // configuration's reload at the end of the action, or for the next scheduled probe.
        this.runner = new ActionRunner(postgres, upstreams, this::probeNow);
        this.localView = new LocalView(postgres, processes, postgres.walEnd(), runner, () -> startingId != -1);
        this.loop = loop;
        this.clock = clock;
        this.log = log;
        this.slots = new SlotKeeper(probe, clock, log);
        this.upstreamWal = new UpstreamWal(peerProbe, upstreams, clock, log);
        // A crashed postmaster is seen the moment it exits, not at the next scheduled probe.
        postgres.onPostmasterExit(this::postmasterExited);
        this.guardThread = new Thread(this::guard, "vigil-lease-guard");
        this.guardThread.setDaemon(true);
        this.guardThread.start();
    }

    /** Told when this node's PostgreSQL became the primary ({@code true}) or stopped being it ({@code false}). */
    public void onRoleChange(java.util.function.Consumer<Boolean> l) {
        roleListener = l;
    }

    private void roleChanged(PgAction action, boolean wasPrimary) {
        java.util.function.Consumer<Boolean> l = roleListener;
        if (l == null) return;
        if (action instanceof PgAction.Promote || action instanceof PgAction.StartPrimary) l.accept(true);
        else if (wasPrimary && (action instanceof PgAction.StopFast || action instanceof PgAction.Fence)) l.accept(false);
    }

    /** Run by the lease guard before it fences (the VIPs' release); set before the loop starts. */
    public void beforeGuardFence(Runnable r) {
        beforeGuardFence = r;
    }

    /** One probe as soon as the probe thread is free, besides the timer's. */
    private void probeNow() {
        probeNow(() -> localView.view(probe.probe()));
    }

    /** {@code view} read on the probe thread as soon as it is free, and handed to the loop. */
    private void probeNow(java.util.function.Supplier<vigil.core.ha.PgView> view) {
        try {
            probes.execute(() -> report(view));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closing
        }
    }

    /**
     * Hands {@code view} to the loop unless an action ended, or a freeze or thaw was asked for or done, while it was read
     * ({@link ProbeGate}).
     */
    private void report(java.util.function.Supplier<vigil.core.ha.PgView> view) {
        ProbeGate.Ticket ticket = gate.open();
        vigil.core.ha.PgView seen = view.get();
        vigil.core.ha.PgView v = upstreamWal.annotate(seen, localView.neededNext());
        positionMoved = !v.position().equals(lastPosition);
        lastPosition = v.position();
        gate.pass(ticket, () -> loop.accept(new Input.Probed(clock.getAsLong(), v)));
        slots.afterProbe(); // after the report: a promotion is reported first, its slots kept a moment later
        // The stop was reported without waiting for pg_waldump (a crashed primary restarts on that view); where the
        // WAL ends is read right after it, not a probe interval later.
        if (localView.walEndPending()) probeNow();
    }

    /** The postmaster this daemon started has exited: its state is read at once, on the probe thread. */
    private void postmasterExited() {
        probeNow(() -> localView.afterPostmasterExit(probe::probe));
    }

    /** Synchronous mode: the steady rate is higher there ({@link ProbeCadence}). */
    private volatile boolean synchronous;
    /** The configured probe interval (ms); 0 until probing starts. */
    private volatile long probeEveryMs;
    /** The number of the current probe chain ({@link #newChain}). */
    private final java.util.concurrent.atomic.AtomicInteger chain = new java.util.concurrent.atomic.AtomicInteger();
    /** Whether the loop's last decision left the node steady ({@link ProbeCadence}): probes are then fewer. */
    private volatile boolean steady;
    /** The position the last probe read, and whether it differed from the one before (probe thread only). */
    private vigil.core.ha.PgView.Position lastPosition = vigil.core.ha.PgView.Position.NONE;
    private boolean positionMoved = true;

    /**
     * Probes every {@code every} while anything moves, less often while the node is steady ({@link ProbeCadence});
     * each probe schedules the next when it ends.
     */
    public void startProbing(Duration every, boolean synchronous) {
        this.synchronous = synchronous;
        probeEveryMs = every.toMillis();
        newChain();
    }

    /**
     * Starts a probe chain now; the one before ends at its next turn (each probe carries its chain's number, and only
     * the current chain schedules another probe): one chain at any time, whatever races with whom.
     */
    private void newChain() {
        int c = chain.incrementAndGet();
        try {
            probes.execute(() -> scheduledProbe(c));
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // closing
        }
    }

    /** One probe of chain {@code c}, then its next at the rate that holds now (probe thread only). */
    private void scheduledProbe(int c) {
        if (c != chain.get()) return;
        try {
            report(() -> localView.view(probe.probe()));
        } finally {
            try {
                if (c == chain.get()) {
                    probes.schedule(() -> scheduledProbe(c), ProbeCadence.intervalMs(steady, positionMoved, probeEveryMs, synchronous),
                            TimeUnit.MILLISECONDS);
                }
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // closing
            }
        }
    }

    @Override
    public void steady(boolean now) {
        if (steady == now) return;
        steady = now;
        // The first decision that is not steady wants a fresh view, and the full rate from there: a new chain starts
        // at once and the old one, up to a steady interval from its next probe, ends.
        if (!now && probeEveryMs > 0) newChain();
    }

    // ---- actions ----------------------------------------------------------------------------------------------

    @Override
    public synchronized void start(long id, PgAction action) {
        runningId = id;
        // Set here, on the loop, before the action's thread begins: a probe from now on leaves pg_waldump alone.
        if (action instanceof PgAction.StartPrimary) startingId = id;
        // Taken now, as the step's Start is carried out: a fence from here on stops this action's spawn.
        vigil.daemon.pg.StartBarrier.Ticket ticket = postgres.barrier().ticket();
        running = actions.submit(() -> {
            try {
                postgres.asked(ticket);
                long started = clock.getAsLong();
                boolean wasPrimary = localView.lastUpRole() == vigil.daemon.pg.PgRole.PRIMARY;
                Outcome outcome = runner.run(action);
                if (outcome.ok()) roleChanged(action, wasPrimary);
                localView.invalidate();
                boolean cancelled;
                synchronized (this) {
                    cancelled = runningId != id;
                    if (!cancelled) runningId = -1;
                    if (startingId == id) startingId = -1; // before probeNow below: that probe may read the WAL end
                }
                log.event(outcome.ok() ? Priority.NOTICE : Priority.WARNING, "pg_action_done", "id", id, "action", action,
                        "outcome", outcome.ok() ? "OK" : outcome.failure(), "duration_ms", clock.getAsLong() - started, "detail", outcome.detail(),
                        "cancelled", cancelled);
                if (!cancelled) {
                    gate.actionEnded(() -> loop.accept(new Input.ActionEnded(clock.getAsLong(), id, outcome)));
                    // Seen at once, not at the next scheduled probe: a promoted primary gets its VIPs that much sooner.
                    // On the probe thread: the local view is that thread's alone (a second caller raced it and once
                    // read a running primary as stopped).
                    probeNow();
                }
            } finally {
                // whatever happened above: a flag left set would keep the WAL end unread for good
                synchronized (this) {
                    if (startingId == id) startingId = -1;
                }
            }
        });
    }

    /**
     * The operator's pg_hba lines, written into vigil's block and reloaded ({@code vigilctl reload}) on the action
     * thread: after the action that runs, never beside it (a clone or rewind writes the same file). Not an action of
     * the node step: it changes who may connect, nothing the step decides on.
     */
    public java.util.concurrent.Future<vigil.daemon.pg.CommandResult> applyClientRules(java.util.List<String> hbaLines) {
        return actions.submit(() -> {
            vigil.daemon.pg.CommandResult r = postgres.applyClientRules(hbaLines);
            log.event(r.ok() ? Priority.NOTICE : Priority.WARNING, "pg_client_rules", "rules", hbaLines.size(),
                    "outcome", r.ok() ? "OK" : r.failure(), "duration_ms", r.duration().toMillis(), "detail", r.outputTail().strip());
            return r;
        });
    }

    /** Stops action {@code id} now: its thread is interrupted and the command it runs killed; its end is not reported. */
    @Override
    public synchronized void cancel(long id) {
        if (runningId != id || running == null) return;
        runningId = -1;
        if (startingId == id) startingId = -1; // a task cancelled before it ran never runs to clear it
        running.cancel(true);
    }

    // ---- the fence and the lease guard ----------------------------------------------------------------------

    @Override
    public void fence(long id, long deadlineAt) {
        fences.submit(() -> {
            Outcome killed = kill(id, deadlineAt);
            gate.actionEnded(() -> loop.accept(new Input.ActionEnded(clock.getAsLong(), id, killed)));
            // The fence's end says only that nothing runs: which timeline the data directory is on (whether a standby
            // may start as it is) is read at once, not at the next scheduled probe.
            probeNow();
        });
    }

    /** Freezes or thaws every process of PostgreSQL's group on a thread of its own; answers with {@link Input.Frozen}. */
    @Override
    public void freeze(boolean frozen) {
        gate.frozenOrThawed();
        processes.wantFrozen(frozen); // at once: a start already under way must not thaw what is about to be frozen
        try {
            freezer.execute(() -> {
                long t0 = clock.getAsLong();
                PgProcesses.FreezeOutcome o;
                try {
                    o = processes.freezeAndWait(frozen);
                } catch (RuntimeException e) { // always answered: the node step waits for this answer
                    o = new PgProcesses.FreezeOutcome(false, false, "the freezer failed: " + e);
                }
                gate.frozenOrThawed();
                log.event(o.written() ? Priority.NOTICE : Priority.WARNING, frozen ? "pg_frozen" : "pg_thawed",
                        "written", o.written(), "reached", o.reached(), "duration_ms", clock.getAsLong() - t0,
                        "detail", o.detail());
                loop.accept(new Input.Frozen(clock.getAsLong(), frozen, o.written(), o.detail()));
            });
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closing
        }
    }

    /** Arms the lease guard for {@code at} (own clock); {@link Long#MAX_VALUE} disarms it. */
    @Override
    public void guard(long at) {
        long before = guardAt;
        guardAt = at;
        // Only an earlier instant needs the thread now; a later one (every renewal) it finds when it wakes for the old.
        if (at < before) LockSupport.unpark(guardThread);
    }

    private void guard() {
        while (!closed) {
            long at = guardAt;
            long wait = at == Long.MAX_VALUE ? 1000 : at - clock.getAsLong();
            if (wait > 0) {
                LockSupport.parkNanos(Math.min(wait, 1000) * 1_000_000);
                continue;
            }
            if (at != guardAt) continue; // re-armed meanwhile
            guardAt = Long.MAX_VALUE;
            log.event(Priority.WARNING, "lease_guard", "reason", "LEASE_GUARD_FIRED", "armed_for_mono_ms", at,
                    "late_ms", -wait);
            Runnable first = beforeGuardFence;
            if (first != null) first.run(); // the VIPs go first: no client reaches what is about to be killed
            long deadline = clock.getAsLong() + 500;
            Outcome killed = kill(Executor.GUARD_ID, deadline);
            gate.actionEnded(() -> loop.accept(new Input.ActionEnded(clock.getAsLong(), Executor.GUARD_ID, killed)));
        }
    }

    private Outcome kill(long id, long deadlineAt) {
        long left = Math.max(1, deadlineAt - clock.getAsLong());
        postgres.barrier().fencing(); // no start asked before now spawns after this kill
        PgProcesses.KillReport k = processes.killAll(postgres.dataDir(), postgres.socketFile(), Duration.ofMillis(left));
        localView.invalidate();
        log.event(k.verified() ? Priority.NOTICE : Priority.ERR, "fence", "id", id, "verified", k.verified(),
                "killed", k.killed(), "duration_ms", k.took().toMillis(), "detail", k.detail(), "group", processes.describe());
        return k.verified() ? Outcome.OK : Outcome.failed(Outcome.Failure.NOT_VERIFIED, k.detail());
    }

    // ---- probes of the old primary ------------------------------------------------------------------------------

    /** The last answer logged per peer (written only on the peer-probe thread). */
    private final java.util.Map<String, PeerPg> lastPeerAnswer = new java.util.HashMap<>();

    /**
     * One peer probe of this node's own PostgreSQL {@code after} from now, its answer dropped: the first probe in a JVM
     * loads pgjdbc and its SCRAM code (measured 364 ms, against 65 ms for the next), and the first real one is a
     * failover's, against a deadline of a few hundred milliseconds. A read-only query; nothing is logged.
     */
    public void warmUpPeerProbe(Upstream self, Duration after) {
        try {
            probes.schedule(() -> peers.submit(() -> peerProbe.probe(self.host(), self.port(), Duration.ofSeconds(2))),
                    after.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closing
        }
    }

    @Override
    public void probePeer(String node, long deadlineMs) {
        peers.submit(() -> {
            Upstream u = upstreams.get(node);
            long startedAt = clock.getAsLong();
            if (u == null) {
                loop.accept(new Input.PeerProbed(clock.getAsLong(), node, PeerPg.UNKNOWN, startedAt, "no address known",
                        deadlineMs));
                return;
            }
            OldPrimaryProbe.PeerAnswer a = peerProbe.probe(u.host(), u.port(), Duration.ofMillis(deadlineMs));
            PeerPg result = switch (a.kind()) {
                case WRITABLE -> PeerPg.WRITABLE;
                case IN_RECOVERY -> PeerPg.IN_RECOVERY;
                case UNKNOWN -> PeerPg.UNKNOWN;
            };
            // One line when the answer changes, not one per probe (a leader waiting on a live old primary asks often).
            if (lastPeerAnswer.put(node, result) != result) {
                log.event(Priority.INFO, "pg_peer_probe", "peer", node, "result", result, "detail", a.detail(),
                        "took_ms", a.tookMs());
            }
            loop.accept(new Input.PeerProbed(clock.getAsLong(), node, result, a.startedAtMonoMs(), a.detail(), deadlineMs));
        });
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(guardThread);
        probes.shutdownNow();
        peers.shutdownNow();
        upstreamWal.close();
        actions.shutdownNow();
        fences.shutdownNow();
        freezer.shutdownNow();
        probe.close();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
