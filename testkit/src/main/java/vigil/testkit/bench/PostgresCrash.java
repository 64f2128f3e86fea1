package vigil.testkit.bench;

import java.time.Duration;
import vigil.testkit.VigilCluster;

/** kill -9 of the primary's postmaster only; vigild restarts it in place (same node, same timeline expected). */
final class PostgresCrash extends PgFailoverScenario {
    @Override
    public String name() {
        return "postgres-crash";
    }

    @Override
    public String description() {
        return "PostgreSQL: kill -9 the primary's postmaster; write unavailability until the local restart";
    }

    /** Issue 8's target: a crashed postmaster costs at most 0.2 s of writes (p50). */
    @Override
    double targetSeconds() {
        return 0.2;
    }

    @Override
    double inject(VigilCluster cluster, String primary) {
        lastFault = System.nanoTime();
        return cluster.pg().kill9Postmaster(primary);
    }

    @Override
    String awaitRecovered(VigilCluster cluster, String faulted) {
        return cluster.pg().awaitPrimaryWithStandbys(Duration.ofSeconds(60));
    }

    /**
     * detected_s: vigild decides to restart; started_s: its pg_ctl start returned (the wait for the killed
     * postmaster's zombie to be reaped included); outcome: restart in place, or failover when
     * migration_threshold restarts within failure_timeout were used up.
     */
    @Override
    void details(VigilCluster cluster, String faulted, double faultAt, java.util.Map<String, Object> row) {
        row.put("detected_s", secondsTo(cluster, faultAt,
                e -> e.node().equals(faulted) && reason(e, "PRIMARY_CRASHED_RESTART")));
        row.put("started_s", secondsTo(cluster, faultAt, e -> e.node().equals(faulted) && e.is("pg_action_done")
                && e.field("action").filter(a -> a.startsWith("StartPrimary[")).isPresent()));
        row.put("outcome", faulted.equals(row.get("new_primary")) ? "restart" : "failover");
    }

    /**
     * Crashes are spaced more than failure_timeout (60 s in the rig) apart, so that each run measures the local
     * restart; a third crash within failure_timeout fails over by design (migration_threshold 3).
     */
    @Override
    void recover(VigilCluster cluster, String faulted) {
        long waitUntil = lastFault + SPACING.toNanos();
        while (System.nanoTime() < waitUntil) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new vigil.testkit.RigException("interrupted", e);
            }
        }
    }

    private static final Duration SPACING = Duration.ofSeconds(62);
    private long lastFault;
}
