package vigil.testkit.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import vigil.testkit.LogEvent;
import vigil.testkit.RigException;
import vigil.testkit.VigilCluster;

/**
 * A planned restart of vigild on the primary's node, as for an upgrade or a setting that needs a restart:
 * {@code vigilctl restart-daemon} on the leader, which ends with status 75 once a majority acknowledged that its
 * watchdog no longer covers PostgreSQL; the rig starts it again after the unit's {@code RestartSec=1s}, as systemd
 * would. PostgreSQL keeps serving throughout, so the figure is the longest stretch without acknowledged writes after
 * the request, and the target is that the writer sees no outage at all (the rig counts 200 ms as one) and that
 * nothing is promoted.
 *
 * <p>Per run: exit_code (75 expected); gone_s, from the request until vigild ended; led_again_s, until the restarted
 * vigild's lease began again; interim_leader, the node that led meanwhile (null if none did); promotions, how often
 * a standby was promoted after the request (0 expected; the timeline before and after says the same).
 */
class RestartDaemon extends PgFailoverScenario {
    private static final Duration EXIT_WITHIN = Duration.ofSeconds(15);
    /** The unit's RestartSec (systemd/vigild.service). */
    private static final Duration RESTART_SEC = Duration.ofSeconds(1);
    private double endedAt;
    private int exitCode;

    @Override
    public String name() {
        return "restart-daemon";
    }

    @Override
    public String description() {
        return "PostgreSQL: vigilctl restart-daemon on the leader, started again after RestartSec=1s; write"
                + " unavailability through the DB VIP (none expected), promotions (none expected), time to lead again";
    }

    @Override
    double targetSeconds() {
        return 0.2;
    }

    @Override
    double inject(VigilCluster cluster, String primary) {
        String leader = cluster.awaitStable(Duration.ofSeconds(60)).node();
        if (!leader.equals(primary)) {
            throw new RigException("the leader " + leader + " is not the primary's node " + primary);
        }
        double asked = VigilCluster.monoNowMs();
        cluster.vigilctl(primary, "restart-daemon").orThrow("vigilctl restart-daemon on " + primary);
        exitCode = cluster.awaitExitAndRestart(primary, EXIT_WITHIN, RESTART_SEC);
        endedAt = VigilCluster.monoNowMs() - RESTART_SEC.toMillis();
        return asked;
    }

    @Override
    String awaitRecovered(VigilCluster cluster, String faulted) {
        String primary = cluster.pg().await("the primary on " + faulted + " with every standby streaming",
                Duration.ofSeconds(60), m -> vigil.testkit.PgNodes.primaryWithStandbys(m, cluster.nodes())
                        .filter(faulted::equals));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!cluster.awaitStable(Duration.ofSeconds(60)).node().equals(faulted)) {
            if (System.nanoTime() > deadline) {
                throw new RigException("the restarted vigild on " + faulted + " did not lead again within 60 s");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RigException("interrupted while waiting for " + faulted + " to lead again");
            }
        }
        return primary;
    }

    @Override
    void details(VigilCluster cluster, String faulted, double faultAt, Map<String, Object> row) {
        List<LogEvent> events = cluster.allEvents().stream().filter(e -> e.monoMs() >= faultAt).toList();
        row.put("exit_code", exitCode);
        row.put("gone_s", Stats.round3((endedAt - faultAt) / 1000.0));
        row.put("led_again_s", events.stream().filter(e -> e.is("lease_acquired") && e.node().equals(faulted)
                        && e.monoMs() >= endedAt).findFirst()
                .map(e -> Stats.round3((e.mono("lease_start_mono_ms") - faultAt) / 1000.0)).orElse(null));
        row.put("interim_leader", events.stream().filter(e -> e.is("lease_acquired") && !e.node().equals(faulted))
                .map(LogEvent::node).findFirst().orElse(null));
        row.put("promotions", events.stream().filter(e -> reason(e, "PROMOTED")).count());
    }

    @Override
    List<String> summarised() {
        return List.of("gone_s", "led_again_s", "promotions");
    }

    @Override
    void recover(VigilCluster cluster, String faulted) {
        // nothing to undo: the same primary, its vigild leading again
    }
}
