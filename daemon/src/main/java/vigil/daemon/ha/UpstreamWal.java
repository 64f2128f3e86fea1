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
 * carried; silence, a refused connection or any other error is no answer. An answer holds for the upstream, timeline
 * and standby it was given for, until the standby streams again or follows another upstream.
 */
final class UpstreamWal implements AutoCloseable {
    static final long EVERY_MS = 5_000;
    static final Duration DEADLINE = Duration.ofSeconds(2);

    /** A check's answer: {@code removed} the server's words, null when it did not say the WAL is gone. */
    private record Answer(String upstream, long timeline, String removed) {}

    private final OldPrimaryProbe probe;
    private final Map<String, Upstream> upstreams;
    private final LongSupplier clock;
    private final Log log;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "vigil-pg-wal-check");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean asking = new AtomicBoolean();
    private volatile Answer answer;
    /** When the last check was asked for (probe thread only). */
    private long askedAt = Long.MIN_VALUE / 2;

    UpstreamWal(OldPrimaryProbe probe, Map<String, Upstream> upstreams, LongSupplier clock, Log log) {
        this.probe = probe;
        this.upstreams = Map.copyOf(upstreams);
        this.clock = clock;
        this.log = log;
    }

    /** On the probe thread: {@code v} with what is known of its upstream's WAL; asks again when a check is due. */
    PgView annotate(PgView v) {
        String up = v.replication().upstream();
        Upstream address = up == null ? null : upstreams.get(up);
        if (v.health() != PgView.Health.UP || !v.isStandby() || v.replication().streaming() || address == null
                || v.position().timeline() == 0) {
            answer = null;
            return v;
        }
        long now = clock.getAsLong();
        if (now - askedAt >= EVERY_MS && asking.compareAndSet(false, true)) {
            askedAt = now;
            PgView.Position at = v.position();
            try {
                thread.execute(() -> check(up, address, at));
            } catch (RejectedExecutionException closing) {
                asking.set(false);
            }
        }
        Answer known = answer;
        if (known == null || known.removed() == null || !known.upstream().equals(up)
                || known.timeline() != v.position().timeline()) {
            return v;
        }
        return v.withReplication(v.replication().withWalGone(known.removed()));
    }

    private void check(String up, Upstream address, PgView.Position at) {
        try {
            String removed = probe.walRemoved(address.host(), address.port(), at.timeline(), at.lsn(), DEADLINE);
            Answer before = answer;
            if (removed != null && (before == null || !removed.equals(before.removed()))) {
                log.event(Priority.WARNING, "pg_wal_check", "upstream", up, "timeline", at.timeline(), "lsn",
                        vigil.daemon.pg.Lsn.format(at.lsn()), "reason", "UPSTREAM_WAL_REMOVED", "cause", removed);
            }
            answer = new Answer(up, at.timeline(), removed);
        } finally {
            asking.set(false);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
