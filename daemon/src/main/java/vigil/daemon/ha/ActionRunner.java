package vigil.daemon.ha;

import java.util.Map;
import vigil.core.ha.Outcome;
import vigil.core.ha.PgAction;
import vigil.daemon.pg.CommandResult;
import vigil.daemon.pg.Postgres;
import vigil.daemon.pg.StopMode;
import vigil.daemon.pg.Upstream;

/**
 * Carries out one exclusive action on the local PostgreSQL (on the action thread; a cancel interrupts it and the
 * command runner kills what runs) and says how it ended in the core's terms. Decides nothing: every choice (may
 * initdb, which system, which synchronous names) comes in the action.
 */
final class ActionRunner {
    private final Postgres postgres;
    private final Map<String, Upstream> upstreams;
    /** Whom the local standby follows, as configured by vigil (read back by the probe's translation). */
    private volatile String upstream;

    /** Told the moment pg_promote returned: the server takes writes before the Promote action ends. */
    private final Runnable promoted;

    ActionRunner(Postgres postgres, Map<String, Upstream> upstreams, Runnable promoted) {
        this.postgres = postgres;
        this.promoted = promoted;
        this.upstreams = Map.copyOf(upstreams);
        // After a restart of vigild: whom does the standby we may find running follow?
        this.upstream = postgres.configuredUpstream().flatMap(u -> this.upstreams.entrySet().stream()
                .filter(e -> e.getValue().equals(u)).map(Map.Entry::getKey).findFirst()).orElse(null);
    }

    String upstream() {
        return upstream;
    }

    /** The member whose PostgreSQL is reached at {@code address} (null: none, or no address). */
    String memberAt(Upstream address) {
        if (address == null) return null;
        for (Map.Entry<String, Upstream> e : upstreams.entrySet()) {
            if (e.getValue().equals(address)) return e.getKey();
        }
        return null;
    }

    Outcome run(PgAction action) {
        CommandResult r;
        try {
            r = execute(action);
        } catch (RuntimeException e) {
            return Outcome.failed(Outcome.Failure.OTHER, String.valueOf(e.getMessage()));
        }
        if (r == null || r.ok()) return Outcome.OK;
        return Outcome.failed(kind(r.failure()), "exit=" + r.exitCode() + " " + tail(r.outputTail()));
    }

    private CommandResult execute(PgAction action) {
        if (action instanceof PgAction.Initialise) return postgres.initPrimary(true);
        if (action instanceof PgAction.StartPrimary sp) {
            CommandResult init = postgres.initPrimary(false); // refreshes vigil's files; never initdb
            if (!init.ok()) return init;
            if (sp.syncNames() != null) postgres.setSynchronousStandbyNames(sp.syncNames());
            postgres.configurePrimary();
            upstream = null;
            return start();
        }
        if (action instanceof PgAction.StartStandby s) {
            Upstream u = s.upstream() == null ? null : upstreamOf(s.upstream());
            CommandResult stop = postgres.stop(StopMode.FAST);
            if (!stop.ok()) return stop;
            return startStandby(s.upstream(), u);
        }
        if (action instanceof PgAction.StopFast) return postgres.stop(StopMode.FAST);
        if (action instanceof PgAction.Promote p) {
            CommandResult r = postgres.promote(p.syncNames(), promoted);
            if (r.ok()) upstream = null;
            return r;
        }
        if (action instanceof PgAction.Checkpoint) return postgres.checkpoint();
        // A rewind or a copy leaves PostgreSQL stopped: the supervisor then decides afresh whether and whom it
        // follows (the recorded primary may have changed while it ran, and the copy may hold WAL past the new fork).
        if (action instanceof PgAction.Rewind r) return postgres.rewind(upstreamOf(r.source()), r.systemId());
        if (action instanceof PgAction.Clone c) return postgres.cloneFrom(upstreamOf(c.source()), c.systemId());
        if (action instanceof PgAction.Repoint r) {
            CommandResult done = postgres.repoint(r.upstream() == null ? null : upstreamOf(r.upstream()));
            if (done.ok()) upstream = r.upstream();
            return done;
        }
        if (action instanceof PgAction.DiscardSetAside) return postgres.discardSetAside();
        if (action instanceof PgAction.SetSyncStandbys s) return postgres.setSynchronousStandbyNames(s.value());
        throw new IllegalArgumentException("not an action the driver runs: " + action);
    }

    private CommandResult startStandby(String node, Upstream u) {
        postgres.configureStandby(u);
        upstream = node;
        return start();
    }

    /**
     * Starts PostgreSQL once a killed postmaster's zombie is gone: one that a previous vigild started is init's child,
     * reaped at init's pace, and until then a new postmaster refuses the stale lock file (see {@link StalePostmaster}).
     */
    private CommandResult start() {
        StalePostmaster.awaitReaped(postgres.postmasterPid(), ZOMBIE_WAIT);
        return postgres.start();
    }

    private static final java.time.Duration ZOMBIE_WAIT = java.time.Duration.ofSeconds(10);

    private Upstream upstreamOf(String node) {
        Upstream u = upstreams.get(node);
        if (u == null) throw new IllegalArgumentException("no PostgreSQL address known for node " + node);
        return u;
    }

    static Outcome.Failure kind(CommandResult.Failure f) {
        return switch (f) {
            case NONE -> Outcome.Failure.NONE;
            case TIMEOUT -> Outcome.Failure.TIMEOUT;
            case CANCELLED -> Outcome.Failure.CANCELLED;
            case TRANSIENT -> Outcome.Failure.TRANSIENT;
            case REWIND_IMPOSSIBLE -> Outcome.Failure.REWIND_IMPOSSIBLE;
            case FOREIGN_SYSTEM -> Outcome.Failure.FOREIGN_SYSTEM;
            case DATA_MISSING -> Outcome.Failure.DATA_MISSING;
            case OTHER -> Outcome.Failure.OTHER;
        };
    }

    private static String tail(String s) {
        String t = s == null ? "" : s.strip().replace('\n', ' ');
        return t.length() > 300 ? "..." + t.substring(t.length() - 300) : t;
    }
}
