package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The postmaster is vigild's child: after a SIGKILL it is reaped at once, so it can be started again immediately
 * (a daemonised one would stay a zombie until init reaps it, and its stale postmaster.pid would refuse the start).
 */
class PostmasterIT {
    @Test
    void aKilledPostmasterStartsAgainAtOnceOnTheSameTimeline() throws Exception {
        try (PgFixture fx = new PgFixture()) {
            PgFixture.Node n1 = fx.primary();
            n1.execute("CREATE TABLE t(x int); INSERT INTO t VALUES (1)");
            PgState before = n1.probe.probe();
            long pid = n1.pg.postmasterPid().orElseThrow();
            PgFixture.signal("KILL", pid);
            PgFixture.await(n1.probe::probe, s -> !s.reachable(), Duration.ofSeconds(5), "the killed postmaster is gone");
            long t0 = System.nanoTime();
            CommandResult restart = n1.pg.start();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(restart.ok(), "restart: " + restart);
            PgState after = n1.awaitState(s -> s.reachable() && s.role() == PgRole.PRIMARY, Duration.ofSeconds(5), "primary again");
            assertEquals(before.timeline(), after.timeline(), "crash recovery keeps the timeline");
            assertTrue(after.currentLsn() >= before.currentLsn());
            System.out.println("[measure] start after SIGKILL of the postmaster: " + ms + " ms");
            assertTrue(ms < 10_000, "restart took " + ms + " ms");
        }
    }

    @Test
    void aStandbyTellsWhomItFollowsFromItsOwnConfiguration() throws Exception {
        try (PgFixture fx = new PgFixture()) {
            java.util.List<PgFixture.Node> nodes = fx.primaryWithStandby();
            assertEquals(java.util.Optional.of(nodes.get(0).upstream()), nodes.get(1).pg.configuredUpstream());
            assertEquals(java.util.Optional.empty(), nodes.get(0).pg.configuredUpstream(), "a primary follows nobody");
        }
    }
}
