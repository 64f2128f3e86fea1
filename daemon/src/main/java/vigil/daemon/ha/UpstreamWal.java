package vigil.daemon.ha;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import vigil.core.ha.PgView;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.daemon.pg.Upstream;

/**
 * Whether the upstream of a standby that does not stream still has the WAL it needs: asked as its WAL receiver asks
 * ({@link OldPrimaryProbe#walRemoved}), at most every {@link #EVERY_MS} while the standby does not stream, and the
 * answer carried in the views handed to the node step ({@link PgView.Replication#walGone}). PostgreSQL itself says it
 * only in its log: a standby whose slot was invalidated past max_slot_wal_keep_size, or that was away for longer
 * than wal_keep_size covers, retries streaming every few seconds forever. The node step decides what to do (a
 * re-clone); this decides nothing.
 *
 * <p>Its own thread: a check may wait up to {@link #DEADLINE} for a server that does not answer, and the peer prober,
 * which a failover waits on, never waits behind it. Only a server's explicit answer that the WAL is removed is
 * carried; silence, a refused connection or any other error is no answer.
 *
 * <p>Which position is asked for: the standby's (its replay position right after a restart, when nothing was received
 * since). A standby still replaying WAL it holds locally needs nothing from its upstream yet, though the upstream may
 * well have removed what lies before the standby's local end: asked for its replay position, the upstream would
 * answer "removed" for WAL the standby does not need. So an answer holds only while the position stays exactly the
 * one it was asked for (a standby replaying, or restoring from an archive, moves on and drops it), for that upstream
 * and timeline; once the startup process waits for WAL it has not got, the position stands still where it would ask
 * its upstream to stream from. Every clear (streaming again, another upstream, a stop) starts a new generation: a
 * check that was under way then is not carried.
 */
final class UpstreamWal implements AutoCloseable {
    static final long EVERY_MS = 5_000;
    static final Duration DEADLINE = Duration.ofSeconds(2);

    /** A check's answer: {@code removed} the server's words, null when it did not say the WAL is gone. */
    private record Answer(long generation, String upstream, PgView.Position at, String removed) {}

    /** Asks an upstream whether it removed the WAL from a position (the server's words, or null). */
    interface Ask {
        String ask(Upstream upstream, PgView.Position at);
    }

    private final Ask walRemoved;
    private final Map<String, Upstream> upstreams;
    private final LongSupplier clock;
    private final Log log;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "vigil-pg-wal-check");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean asking = new AtomicBoolean();
    /** Bumped on every clear: answers of checks begun before it are dropped. */
    private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();
    private volatile Answer answer;
    /** When the last check was asked for (probe thread only). */
    private long askedAt = Long.MIN_VALUE / 2;

    UpstreamWal(OldPrimaryProbe probe, Map<String, Upstream> upstreams, LongSupplier clock, Log log) {
        this((u, at) -> probe.walRemoved(u.host(), u.port(), at.timeline(), at.lsn(), DEADLINE), upstreams, clock, log);
    }

    UpstreamWal(Ask walRemoved, Map<String, Upstream> upstreams, LongSupplier clock, Log log) {
        this.walRemoved = walRemoved;
        this.upstreams = Map.copyOf(upstreams);
        this.clock = clock;
        this.log = log;
    }

    /**
     * On the probe thread: {@code v} with what is known of its upstream's WAL; asks again when a check is due. Asked
     * for a standby that runs and does not stream, at its position, and for one not yet consistent (FAILING) at
     * {@code neededNext}, the segment its replay waits for ({@link LocalView#neededNext}); null: none.
     */
    PgView annotate(PgView v, PgView.Position neededNext) {
        String up = v.replication().upstream();
        Upstream address = up == null ? null : upstreams.get(up);
        boolean standby = v.health() == PgView.Health.UP && v.isStandby() && !v.replication().streaming();
        boolean recovering = v.health() == PgView.Health.FAILING && neededNext != null;
        PgView.Position at = recovering ? neededNext : v.position();
        if (!(standby || recovering) || address == null || at.timeline() == 0 || at.lsn() == 0) {
            clear();
            return v;
        }
        long now = clock.getAsLong();
        if (now - askedAt >= EVERY_MS && asking.compareAndSet(false, true)) {
            askedAt = now;
            long g = generation.get();
            try {
                thread.execute(() -> check(g, up, address, at));
            } catch (RejectedExecutionException closing) {
                asking.set(false);
            }
        }
        Answer known = answer;
        if (known == null || known.removed() == null || known.generation() != generation.get()
                || !known.upstream().equals(up) || known.at().timeline() != at.timeline() || known.at().lsn() != at.lsn()) {
            return v;
        }
        return v.withReplication(v.replication().withWalGone(known.removed()));
    }

    private void clear() {
        generation.incrementAndGet();
        answer = null;
    }

    private void check(long g, String up, Upstream address, PgView.Position at) {
        try {
            String removed = walRemoved.ask(address, at);
            // Cleared meanwhile (the standby streamed, stopped or follows another): not carried. A clear between this
            // test and the write is caught where the answer is read (its generation is then old).
            if (g != generation.get()) return;
            Answer before = answer;
            if (removed != null && (before == null || !removed.equals(before.removed()))) {
                log.event(Priority.WARNING, "pg_wal_check", "upstream", up, "timeline", at.timeline(), "lsn",
                        vigil.daemon.pg.Lsn.format(at.lsn()), "reason", "UPSTREAM_WAL_REMOVED", "cause", removed);
            }
            answer = new Answer(g, up, at, removed);
        } finally {
            asking.set(false);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
