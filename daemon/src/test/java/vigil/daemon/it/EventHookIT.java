package vigil.daemon.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import vigil.testkit.NetnsRig;
import vigil.testkit.VigilCluster;
import vigil.testkit.VigilCluster.Leader;

/**
 * The shipped {@code hooks/log-event} as every node's event hook, run by real vigild processes in network
 * namespaces: the events of an election, of a failover and of a planned stop reach it with their role and term.
 */
class EventHookIT {
    private static final Duration FIRST_ELECTION = Duration.ofSeconds(90);
    private static final Duration FAILOVER = Duration.ofSeconds(30);

    private NetnsRig rig;
    private VigilCluster cluster;

    @RegisterExtension
    final TestWatcher dumpLogsOnFailure = RigIt.dumpOnFailure(() -> cluster == null ? null
            : "node logs (rig " + rig.runId() + ") ====\n" + cluster.dumpLogs(300) + "\n==== event hook files ====\n"
                    + String.join("\n", cluster.nodes().stream().map(n -> n + ": " + lines(cluster.eventLog(n))).toList()));

    @BeforeEach
    void startCluster() {
        RigIt.assumeHost("EventHookIT", NetnsRig.precondition());
        rig = NetnsRig.create(3);
        cluster = VigilCluster.threeNodesWithEventLog(rig);
    }

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
        if (rig != null) {
            rig.close();
        }
    }

    static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of("unreadable: " + e);
        }
    }

    /** Polls {@code node}'s hook file for a line matching {@code ok}. */
    String awaitLine(String node, String what, Duration limit, Predicate<String> ok) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            for (String l : lines(cluster.eventLog(node))) {
                if (ok.test(l)) {
                    return l;
                }
            }
            assertTrue(System.nanoTime() < deadline, node + ": no hook line for " + what + " within " + limit
                    + "; lines: " + lines(cluster.eventLog(node)));
            Thread.sleep(50);
        }
    }

    @Test
    void hooksSeeTheElectionTheFailoverAndThePlannedStop() throws Exception {
        Leader first = cluster.awaitStable(FIRST_ELECTION);
        String elected = awaitLine(first.node(), "its election", FAILOVER, l -> l.contains(" event=role role=leader term="
                + first.term() + " reason=ELECTED "));
        assertTrue(elected.contains("severity=notice"), elected);
        for (String n : cluster.nodes()) {
            awaitLine(n, "vigild starting", FAILOVER, l -> l.contains(" event=starting ") && l.contains("node=" + n));
        }

        cluster.kill9Vigild(first.node());
        Leader second = cluster.awaitNewLeader(first.node(), FAILOVER);
        awaitLine(second.node(), "the new leader's election", FAILOVER, l -> l.contains(" event=role role=leader term="
                + second.term() + " reason=ELECTED "));
        awaitLine(second.node(), "its lease", FAILOVER, l -> l.contains(" event=lease_acquired role=leader term="
                + second.term() + " "));

        cluster.stop(second.node()); // SIGTERM: a planned stop resigns; its last events still reach the hook
        awaitLine(second.node(), "the planned stop", FAILOVER, l -> l.contains(" event=stopped ")
                && l.contains("reason=PLANNED_STOP"));
    }
}
