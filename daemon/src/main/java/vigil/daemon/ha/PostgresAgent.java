package vigil.daemon.ha;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import vigil.core.ha.HaObservation;
import vigil.core.ha.PgAction;
import vigil.core.ha.PgView;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.daemon.pg.CommandResult;
import vigil.daemon.pg.PgProbe;
import vigil.daemon.pg.PgRole;
import vigil.daemon.pg.PgState;
import vigil.daemon.pg.Postgres;
import vigil.daemon.pg.StopMode;
import vigil.daemon.pg.Upstream;

/**
 * Carries out the supervisor's actions on the local PostgreSQL and reports what it sees. It decides nothing.
 * Actions run one at a time on their own thread (a Stop may overtake a queued action, never a running one);
 * the local probe runs on a timer; probes of another node run apart so a slow action never delays them. Every
 * result goes back to the loop as an {@link HaObservation}.
 */
public final class PostgresAgent implements AutoCloseable {
    private final Postgres postgres;
    private final PgProbe probe;
    private final OldPrimaryProbe peerProbe;
    private final Map<String, Upstream> upstreams;
    private final Consumer<HaObservation> loop;
    private final LongSupplier clock;
    private final Log log;
    private final ExecutorService actions = Executors.newSingleThreadExecutor(daemon("vigil-pg-action"));
    private final ExecutorService peers = Executors.newSingleThreadExecutor(daemon("vigil-pg-peer-probe"));
    private final ScheduledExecutorService probes = Executors.newSingleThreadScheduledExecutor(daemon("vigil-pg-probe"));
    private volatile String upstream;
    /** init reaps orphans at its own pace (seconds on some hosts); longer than that and starting is futile anyway. */
    private static final Duration ZOMBIE_WAIT = Duration.ofSeconds(10);

    /** @param upstreams every other data node's PostgreSQL address, by node name */
    public PostgresAgent(Postgres postgres, PgProbe probe, OldPrimaryProbe peerProbe, Map<String, Upstream> upstreams,
                         Consumer<HaObservation> loop, LongSupplier clock, Log log) {
        this.postgres = postgres;
        this.probe = probe;
        this.peerProbe = peerProbe;
        this.upstreams = Map.copyOf(upstreams);
        this.loop = loop;
        this.clock = clock;
        this.log = log;
        // After a restart of vigild: whom does the standby we may find running follow?
        this.upstream = postgres.configuredUpstream().flatMap(u -> this.upstreams.entrySet().stream()
                .filter(e -> e.getValue().equals(u)).map(Map.Entry::getKey).findFirst()).orElse(null);
    }

    public void startProbing(Duration every) {
        probes.scheduleWithFixedDelay(() -> loop.accept(new HaObservation.Probed(clock.getAsLong(), view(probe.probe()))),
                0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void execute(PgAction action) {
        if (action instanceof PgAction.ProbePeer p) {
            peers.submit(() -> {
                Upstream u = upstreams.get(p.node());
                var answer = u == null ? null : peerProbe.probe(u.host(), u.port());
                // only a direct answer counts; UNKNOWN (refused, timeout, 57P03, ...) proves nothing
                var result = answer == null || answer.kind() == OldPrimaryProbe.PeerAnswer.Kind.UNKNOWN
                        ? vigil.core.ha.PeerPg.UNREACHABLE
                        : answer.kind() == OldPrimaryProbe.PeerAnswer.Kind.WRITABLE ? vigil.core.ha.PeerPg.WRITABLE
                        : vigil.core.ha.PeerPg.NOT_WRITABLE;
                log.event(Priority.INFO, "pg_peer_probe", "peer", p.node(), "result", result,
                        "detail", answer == null ? "no address" : answer.detail(), "took_ms", answer == null ? 0 : answer.tookMs());
                loop.accept(new HaObservation.PeerProbed(clock.getAsLong(), p.node(), result));
            });
            return;
        }
        actions.submit(() -> {
            long started = clock.getAsLong();
            boolean ok;
            String detail;
            try {
                CommandResult r = run(action);
                ok = r == null || r.ok();
                detail = r == null ? "" : "exit=" + r.exitCode();
            } catch (RuntimeException e) {
                ok = false;
                detail = e.getMessage();
            }
            log.event(ok ? Priority.NOTICE : Priority.WARNING, "pg_action_done", "action", action, "ok", ok,
                    "duration_ms", clock.getAsLong() - started, "detail", detail);
            loop.accept(new HaObservation.ActionDone(clock.getAsLong(), action, ok, detail));
        });
    }

    /** Runs one action; the driver logs each command it runs with argv, exit code and duration. */
    private CommandResult run(PgAction action) {
        if (action instanceof PgAction.Stop s) {
            return postgres.stop(s.immediate() ? StopMode.IMMEDIATE : StopMode.FAST);
        }
        if (action instanceof PgAction.StartPrimary) {
            if (!postgres.dataDirInitialised()) {
                CommandResult init = postgres.initPrimary(true); // the core must say false once a primary is recorded (issue 6)
                if (!init.ok()) return init;
            }
            postgres.configurePrimary();
            upstream = null;
            return start();
        }
        if (action instanceof PgAction.Promote) {
            CommandResult r = postgres.promote();
            if (r.ok()) upstream = null;
            if (r.ok()) postgres.checkpoint(); // was part of promote(); the core should run it as its own action
            return r;
        }
        if (action instanceof PgAction.StartStandby s) {
            Upstream u = upstreamOf(s.upstream());
            postgres.stop(StopMode.FAST);
            if (!postgres.dataDirInitialised()) {
                CommandResult clone = postgres.cloneFrom(u, 0);
                if (!clone.ok()) return clone;
            }
            return startStandby(s.upstream(), u);
        }
        if (action instanceof PgAction.Rewind r) {
            Upstream u = upstreamOf(r.source());
            postgres.stop(StopMode.FAST);
            CommandResult rewind = postgres.rewind(u, 0);
            return rewind.ok() ? startStandby(r.source(), u) : rewind;
        }
        if (action instanceof PgAction.Clone c) {
            Upstream u = upstreamOf(c.source());
            postgres.stop(StopMode.IMMEDIATE);
            CommandResult clone = postgres.cloneFrom(u, 0);
            return clone.ok() ? startStandby(c.source(), u) : clone;
        }
        if (action instanceof PgAction.SetSyncStandbys s) {
            String value = s.names().isEmpty() ? "" : "ANY " + s.count() + " (" + String.join(", ", s.names()) + ")";
            return postgres.setSynchronousStandbyNames(value);
        }
        throw new IllegalArgumentException("unknown action " + action);
    }

    private CommandResult startStandby(String node, Upstream u) {
        postgres.configureStandby(u);
        upstream = node;
        return start();
    }

    /** Starts PostgreSQL once a killed postmaster's zombie is gone (see {@link StalePostmaster}). */
    private CommandResult start() {
        if (!StalePostmaster.awaitReaped(postgres.postmasterPid(), ZOMBIE_WAIT)) {
            log.event(Priority.WARNING, "pg_stale_postmaster", "pid", postgres.postmasterPid().orElse(-1L),
                    "waited_ms", ZOMBIE_WAIT.toMillis());
        }
        return postgres.start();
    }

    private Upstream upstreamOf(String node) {
        Upstream u = upstreams.get(node);
        if (u == null) throw new IllegalArgumentException("no PostgreSQL address known for node " + node);
        return u;
    }

    /** Translates one probe into the core's vocabulary. A timeout means a hung server, a refusal a stopped one. */
    PgView view(PgState s) {
        if (!s.reachable()) {
            String e = String.valueOf(s.error()).toLowerCase(java.util.Locale.ROOT);
            if (e.contains("timed out") || e.contains("timeout")) return PgView.hung();
            return postgres.dataDirInitialised() ? PgView.stoppedWithData() : PgView.down();
        }
        if (s.role() == PgRole.PRIMARY) return PgView.primary(s.timeline(), s.currentLsn());
        return PgView.standby(s.timeline(), s.receiveLsn(), s.walReceiverStreaming(), upstream);
    }

    /**
     * For a planned stop of vigild (SIGTERM), after the loop has resigned and stopped deciding: a fast shutdown of
     * PostgreSQL, so no PostgreSQL is left running without a supervisor or a lease. A crash of vigild never gets
     * here, and then PostgreSQL keeps serving until vigild is back.
     */
    public void stopForShutdown() {
        probes.shutdownNow();
        actions.shutdownNow();
        try {
            CommandResult r = postgres.stop(StopMode.FAST);
            log.event(r.ok() ? Priority.NOTICE : Priority.WARNING, "pg_stopped", "reason", "VIGILD_SHUTDOWN",
                    "ok", r.ok(), "duration_ms", r.duration().toMillis());
        } catch (RuntimeException e) {
            log.event(Priority.WARNING, "pg_stopped", "reason", "VIGILD_SHUTDOWN", "ok", false, "error", e.getMessage());
        }
    }

    @Override
    public void close() {
        probes.shutdownNow();
        peers.shutdownNow();
        actions.shutdownNow();
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
