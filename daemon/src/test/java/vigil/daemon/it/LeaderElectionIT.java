package vigil.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import vigil.testkit.LogEvent;
import vigil.testkit.NetnsRig;
import vigil.testkit.NodeStatus;
import vigil.testkit.VigilCluster;
import vigil.testkit.VigilCluster.Leader;

/**
 * Three real vigild processes in network namespaces; faults from outside. Needs root (CI runs as
 * root); skipped with a message otherwise. Every wait is a deadline poll on status or log lines.
 */
class LeaderElectionIT {
    /** Generous: three JVMs start on a small shared machine before the first election. */
    private static final Duration FIRST_ELECTION = Duration.ofSeconds(90);
    private static final Duration FAILOVER = Duration.ofSeconds(30);

    private NetnsRig rig;
    private VigilCluster cluster;

    @RegisterExtension
    final TestWatcher dumpLogsOnFailure = RigIt.dumpOnFailure(() -> cluster == null ? null
            : "node logs (rig " + rig.runId() + ") ====\n" + cluster.dumpLogs(300));

    @BeforeEach
    void startCluster() {
        RigIt.assumeHost("LeaderElectionIT", NetnsRig.precondition());
        rig = NetnsRig.create(3);
        cluster = VigilCluster.threeNodes(rig);
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

    @Test
    void electsOneLeaderThatEveryNodeAgreesOn() {
        Leader leader = cluster.awaitStable(FIRST_ELECTION);

        NodeStatus own = cluster.status(leader.node()); // through bin/vigilctl
        assertEquals("leader", own.role());
        assertEquals(Optional.of(leader.node()), own.leader());
        assertTrue(own.term() >= 1, "term " + own.term());
        for (String n : cluster.nodes()) {
            NodeStatus s = cluster.status(n);
            assertEquals(Optional.of(leader.node()), s.leader(), n + " sees " + s.json());
            assertEquals(3, s.voters());
        }
        LogEvent lease = cluster.awaitEvent("lease_acquired by " + leader.node(), FAILOVER,
                e -> e.is("lease_acquired") && e.node().equals(leader.node()) && e.term() == leader.term());
        assertTrue(lease.mono("lease_until_mono_ms") > lease.mono("lease_start_mono_ms"), lease.toString());
    }

    @Test
    void killingTheLeadersVigildElectsAnotherNodeInAHigherTerm() {
        Leader before = cluster.awaitStable(FIRST_ELECTION);

        double faultAt = cluster.kill9Vigild(before.node());
        Leader after = cluster.awaitNewLeader(before.node(), FAILOVER);

        assertNotEquals(before.node(), after.node());
        assertTrue(after.term() > before.term(), "term " + before.term() + " -> " + after.term());
        LogEvent lease = cluster.awaitEvent("lease_acquired by " + after.node(), FAILOVER,
                e -> e.is("lease_acquired") && e.node().equals(after.node()) && e.term() == after.term());
        assertTrue(lease.mono("lease_start_mono_ms") >= faultAt,
                "new lease starts after the fault: " + lease + " vs fault at " + faultAt);
    }

    @Test
    void isolatedLeadersLeaseEndsBeforeTheNewLeaseStartsAndHealingKeepsTermsMonotonic() {
        Leader before = cluster.awaitStable(FIRST_ELECTION);
        Map<String, Long> termsBefore = cluster.terms();

        double faultAt = cluster.isolate(before.node());
        Leader after = cluster.awaitNewLeader(before.node(), FAILOVER);

        LogEvent stepDown = cluster.awaitEvent("step-down of isolated " + before.node(), FAILOVER,
                e -> e.is("role") && e.node().equals(before.node()) && e.roleFrom().equals("leader")
                        && e.monoMs() >= faultAt && e.fields().containsKey("lease_ended_mono_ms"));
        LogEvent newLease = cluster.awaitEvent("lease_acquired by " + after.node(), FAILOVER,
                e -> e.is("lease_acquired") && e.node().equals(after.node()) && e.term() == after.term());
        double ended = stepDown.mono("lease_ended_mono_ms");
        double started = newLease.mono("lease_start_mono_ms");
        assertTrue(ended <= started, "leases overlap: old leader " + before.node() + " held until " + ended
                + " ms, new leader " + after.node() + " holds from " + started + " ms (CLOCK_MONOTONIC)");
        assertTrue(after.term() > before.term());

        cluster.heal(before.node());
        Leader healed = cluster.awaitStable(FAILOVER);
        long leaders = cluster.statuses().values().stream().flatMap(Optional::stream)
                .filter(NodeStatus::isLeaderWithLease).count();
        assertEquals(1, leaders, "exactly one leader after heal");
        Map<String, Long> termsAfter = cluster.terms();
        for (String n : cluster.nodes()) {
            assertTrue(termsAfter.get(n) >= termsBefore.get(n), n + ": term " + termsBefore.get(n) + " -> "
                    + termsAfter.get(n));
        }
        assertTrue(healed.term() >= after.term(), "healed term " + healed.term() + " < " + after.term());
    }

    /**
     * JGroups apart, datagrams flowing ({@link NetnsRig#rejectPeerTcp}): the follower's JGroups view holds only itself
     * while the election, by datagram, still has it follow the leader. A command given on the follower reaches the
     * leader as a datagram and the leader's own answer comes back; JGroups dropped it before, and the operator read
     * "did not answer within 3.0 s: it may or may not have carried it out". {@code status --all} shows every node.
     */
    @Test
    void aCommandReachesTheLeaderWhileTheirJGroupsViewsAreApart() throws Exception {
        Leader leader = cluster.awaitStable(FIRST_ELECTION);
        String follower = cluster.nodes().stream().filter(n -> !n.equals(leader.node())).findFirst().orElseThrow();
        double cut = VigilCluster.monoNowMs();
        rig.rejectPeerTcp(follower, true);
        cluster.awaitEvent(follower + " alone in its JGroups view", FAILOVER, e -> e.node().equals(follower)
                && e.is("view") && e.monoMs() > cut && e.field("members").filter(follower::equals).isPresent());

        vigil.testkit.ExecResult r = cluster.vigilctl(follower, "pause");
        assertTrue(r.output().contains("this node manages no PostgreSQL"), "the leader's own refusal (vigil alone here): "
                + r.exitCode() + " " + r.output());
        LogEvent forwarded = cluster.awaitEvent("the pause forwarded by datagram", FAILOVER, e -> e.node().equals(follower)
                && e.is("forwarded") && e.monoMs() > cut && e.field("command").filter("pause"::equals).isPresent());
        assertEquals(Optional.of(leader.node()), forwarded.field("peer"), forwarded.toString());
        assertEquals(Optional.of("datagram"), forwarded.field("path"), forwarded.toString());
        // Reads too: every node's view, its answer sealed in its datagram (a status answer holds logged argv and output).
        vigil.testkit.ExecResult all = cluster.vigilctl(follower, "status", "--all", "--json");
        assertEquals(0, all.exitCode(), all.output());
        var views = new com.fasterxml.jackson.databind.ObjectMapper().readTree(all.output());
        assertEquals(0, views.path("unanswered").size(), "every node answered: " + all.output());
        assertTrue(views.path("views").has(leader.node()), all.output());
        NodeStatus own = cluster.status(leader.node());
        assertEquals(leader.term(), own.term(), "no election on the way: " + own.json());

        rig.rejectPeerTcp(follower, false);
    }

    @Test
    void restartingAllThreeNeverMovesATermBackwards() {
        cluster.awaitStable(FIRST_ELECTION);
        Map<String, Long> termsBefore = cluster.terms();
        assertEquals(3, termsBefore.size(), "all nodes answer: " + termsBefore);

        cluster.stopAll();
        cluster.startAll();
        cluster.awaitStable(FIRST_ELECTION);

        Map<String, Long> termsAfter = cluster.terms();
        for (String n : cluster.nodes()) {
            assertTrue(termsAfter.get(n) >= termsBefore.get(n), n + ": term " + termsBefore.get(n) + " -> "
                    + termsAfter.get(n) + " after restart");
        }
    }
}
