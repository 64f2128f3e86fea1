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
 * <p>Per run: exit_code (75, else the run fails); gone_s, from the request until vigild's {@code exiting} line;
 * led_again_s, until the restarted vigild's lease began again; interim_leader, the node that led meanwhile (null if
 * none did); promotions, PROMOTING or PROMOTED lines after the request, and self_fences, SELF_FENCE lines (0 expected;
 * the timeline before and after says the same).
 */
class RestartDaemon extends PgFailoverScenario {
    private static final Duration EXIT_WITHIN = Duration.ofSeconds(15);
    /** The unit's RestartSec (systemd/vigild.service). */
    private static final Duration RESTART_SEC = Duration.ofSeconds(1);
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
        if (exitCode != 75) {
            throw new RigException("vigild on " + primary + " ended with " + exitCode + ", not 75 (restart-daemon)");
        }
        return asked;
    }

    @Override
    String awaitRecovered(VigilCluster cluster, String faulted) {
        String primary = cluster.pg().await("the primary on " + faulted + " with every standby streaming",
                Duration.ofSeconds(60), m -> vigil.testkit.PgNodes.primaryWithStandbys(m, cluster.nodes())
                        .filter(faulted::equals));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!cluster.awaitStable(Duration.ofNanos(Math.max(1_000_000_000L, deadline - System.nanoTime()))).node()
                .equals(faulted)) {
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
        double endedAt = events.stream().filter(e -> e.is("exiting") && e.node().equals(faulted)).findFirst()
                .map(LogEvent::monoMs).orElse(Double.NaN);
        row.put("gone_s", Double.isNaN(endedAt) ? null : Stats.round3((endedAt - faultAt) / 1000.0));
        row.put("led_again_s", events.stream().filter(e -> e.is("lease_acquired") && e.node().equals(faulted)
                        && !Double.isNaN(endedAt) && e.monoMs() >= endedAt).findFirst()
                .map(e -> Stats.round3((e.mono("lease_start_mono_ms") - faultAt) / 1000.0)).orElse(null));
        row.put("interim_leader", events.stream().filter(e -> e.is("lease_acquired") && !e.node().equals(faulted))
                .map(LogEvent::node).findFirst().orElse(null));
        // As DaemonRestartIT: nothing promoted, nothing even decided towards a promotion, nothing fenced.
        row.put("promotions", events.stream().filter(e -> reason(e, "PROMOTING") || reason(e, "PROMOTED")).count());
        row.put("self_fences", events.stream().filter(e -> reason(e, "SELF_FENCE")).count());
    }

    @Override
    List<String> summarised() {
        return List.of("gone_s", "led_again_s", "promotions", "self_fences");
    }

    /** Nothing to undo after a run that worked; a vigild that did not come back (another exit code, too late) is started. */
    @Override
    void recover(VigilCluster cluster, String faulted) {
        if (cluster.process(faulted).isEmpty()) {
            cluster.startNode(faulted);
        }
    }
}
