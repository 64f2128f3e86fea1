package vigil.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import vigil.testkit.ExecResult;
import vigil.testkit.LogEvent;
import vigil.testkit.NetnsRig;
import vigil.testkit.PgOptions;
import vigil.testkit.Timing;
import vigil.testkit.VigilCluster;

/**
 * Fence agents in the failover path, on three real vigild with PostgreSQL 15 in namespaces, without a watchdog and
 * without failover_without_fencing: the old primary is gone without any other proof, so the new leader runs its fence
 * agent (a script speaking the fence-agents stdin protocol that kills the target namespace's processes and pulls its
 * cable) and promotes only after {@code off} and a confirming {@code status}. With the agent failing, nothing is
 * promoted and {@code vigilctl status} says why; {@code vigilctl confirm-down} on the leader (not elsewhere, not
 * without --yes) unblocks it. {@code vigilctl fence --action status} asks the agent. Needs root.
 */
class FenceIT {
    private NetnsRig rig;
    private VigilCluster cluster;

    @AfterEach
    void cleanUp() {
        if (cluster != null) cluster.close();
        if (rig != null) rig.close();
    }

    @Test
    void theOldPrimaryIsFencedBeforeThePromotionAndAFailingAgentBlocksIt() throws IOException {
        Optional<String> why = NetnsRig.precondition();
        Assumptions.assumeTrue(why.isEmpty(), why.orElse(""));
        rig = NetnsRig.create(3);
        Path agent = rig.writeFenceAgent();
        Path agentLog = rig.runDir().resolve("fence-agent.log");
        Path fail = rig.runDir().resolve("fence-agent.fail");
        cluster = VigilCluster.clusterWithPrimary(rig, Timing.DEFAULT, PgOptions.PROOF_REQUIRED, Duration.ofSeconds(150),
                null, false, agent);
        String p = cluster.pg().awaitPrimaryWithStandbys(Duration.ofSeconds(120));

        // 1. The primary's vigild and PostgreSQL die (its host stays up, so nothing proves it cannot write).
        double fault = VigilCluster.monoNowMs();
        cluster.kill9Vigild(p);
        rig.killAll(rig.ns(p));
        LogEvent promoted = cluster.awaitEvent("a promotion after " + p + " was fenced", Duration.ofSeconds(40),
                e -> e.monoMs() > fault && e.is("pg_action_done") && e.field("action").filter(a -> a.startsWith("Promote")).isPresent()
                        && e.field("outcome").filter("OK"::equals).isPresent());
        String q = promoted.node();
        LogEvent fenced = cluster.events(q).stream().filter(e -> e.monoMs() > fault && e.is("fence")
                && e.field("target").filter(p::equals).isPresent()).findFirst()
                .orElseThrow(() -> new AssertionError("no fence event for " + p + " on " + q + "\n" + cluster.dumpLogs(40)));
        assertTrue(fenced.monoMs() < promoted.monoMs(), "fenced before the promotion: " + fenced + " / " + promoted);
        String stdin = Files.readString(agentLog);
        assertTrue(stdin.contains("action=off") && stdin.contains("action=status") && stdin.contains("port=" + p),
                "the agent got the fence-agents protocol on stdin:\n" + stdin);
        assertTrue(stdin.indexOf("action=off") < stdin.indexOf("action=status"), "off, then status:\n" + stdin);
        System.out.printf("fence: %s's vigild and PostgreSQL killed; %s fenced it at %+.0f ms and promoted at %+.0f ms%n",
                p, q, fenced.monoMs() - fault, promoted.monoMs() - fault);
        ExecResult status = cluster.vigilctl(q, "fence", p, "--action", "status");
        assertEquals(0, status.exitCode(), status.output());
        assertTrue(status.output().contains("OFF"), "vigilctl fence --action status: " + status.output());

        // 2. The node comes back (power on, vigild restarted), rejoins; then the new primary dies with a failing agent.
        rig.linkUp(p);
        cluster.startNode(p);
        cluster.pg().await(p + " streaming from " + q, Duration.ofSeconds(90),
                m -> vigil.testkit.PgNodes.primaryWithStandbys(m, cluster.nodes()).filter(q::equals));
        Files.writeString(fail, "");
        double second = VigilCluster.monoNowMs();
        cluster.kill9Vigild(q);
        rig.killAll(rig.ns(q));
        List<String> others = cluster.nodes().stream().filter(n -> !n.equals(q)).toList();
        LogEvent failed = cluster.awaitEvent("a failed fence of " + q, Duration.ofSeconds(40),
                e -> e.monoMs() > second && e.is("fence") && e.field("target").filter(q::equals).isPresent()
                        && e.field("reason").filter("FENCE_FAILED"::equals).isPresent());
        String leader = failed.node();
        String table = awaitStatusContaining(leader, "its fence agents failed", Duration.ofSeconds(20));
        assertTrue(table.contains("FENCING_REQUIRED"), table);
        double blockedUntil = VigilCluster.monoNowMs() + 3000;
        while (VigilCluster.monoNowMs() < blockedUntil) {
            assertTrue(cluster.allEvents().stream().noneMatch(e -> e.monoMs() > second && e.is("pg_action_done")
                    && e.field("action").filter(a -> a.startsWith("Promote")).isPresent()), "promoted without a fence");
            pause();
        }
        System.out.println("fence failing: " + leader + " waits; vigilctl status says:\n" + table);

        // 3. The operator swears q is off, on a node that does not lead: the leader takes it and promotes.
        String follower = others.stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
        ExecResult noYes = cluster.vigilctl(follower, "confirm-down", q);
        assertEquals(2, noYes.exitCode(), noYes.output());
        ExecResult accepted = cluster.vigilctl(follower, "confirm-down", q, "--yes");
        assertEquals(0, accepted.exitCode(), () -> accepted.output() + "\n" + cluster.dumpLogs(60));
        assertTrue(accepted.output().contains("accepted by " + leader + ", leader in term"), accepted.output());
        LogEvent after = cluster.awaitEvent("the promotion on the operator's confirmation", Duration.ofSeconds(20),
                e -> e.monoMs() > second && others.contains(e.node()) && e.is("pg_action_done")
                        && e.field("action").filter(a -> a.startsWith("Promote")).isPresent()
                        && e.field("outcome").filter("OK"::equals).isPresent());
        assertEquals(1, cluster.pg().primaries().size(), "one primary: " + cluster.pg().primaries());
        LogEvent sworn = cluster.awaitEvent("the confirmation in the log", Duration.ofSeconds(5),
                e -> e.node().equals(leader) && e.is("confirm_down") && e.field("peer").filter(q::equals).isPresent());
        assertEquals(4, sworn.priority(), "logged at warning: " + sworn);
        System.out.printf("confirm-down: %s promoted %+.0f ms after the second fault (%s)%n", after.node(),
                after.monoMs() - second, accepted.output().trim());
    }

    private String awaitStatusContaining(String node, String text, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = cluster.statusTable(node);
            if (last.contains(text)) return last;
            pause();
        }
        throw new AssertionError("vigilctl status on " + node + " never said \"" + text + "\":\n" + last);
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }
}
