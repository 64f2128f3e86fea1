package vigil.daemon.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import vigil.daemon.ha.OldPrimaryProbe.PeerAnswer;
import vigil.daemon.ha.OldPrimaryProbe.PeerAnswer.Kind;
import vigil.daemon.pg.PgFixture;
import vigil.daemon.pg.StopMode;

/** The old-primary probe against real PostgreSQL 15, over TCP as the replication role, as a peer would ask. */
class OldPrimaryProbeIT {
    private static final Duration DEADLINE = Duration.ofMillis(300);

    @Test
    void onlyADirectAnswerCounts() throws IOException {
        try (PgFixture fx = new PgFixture()) {
            List<PgFixture.Node> nodes = fx.primaryWithStandby();
            PgFixture.Node n1 = nodes.get(0);
            PgFixture.Node n2 = nodes.get(1);
            OldPrimaryProbe probe = new OldPrimaryProbe("replicator", Optional.of(fx.password), DEADLINE);

            PeerAnswer first = probe.probe("127.0.0.1", n1.settings.port());
            PeerAnswer primary = probe.probe("127.0.0.1", n1.settings.port());
            System.out.println("[measure] peer probe of a live primary: first in this JVM " + first.tookMs() + " ms, then "
                    + primary.tookMs() + " ms (TCP, SCRAM, one query)");
            assertEquals(Kind.WRITABLE, first.kind(), first.toString());
            assertEquals(Kind.WRITABLE, primary.kind(), primary.toString());
            assertTrue(primary.tookMs() <= DEADLINE.toMillis(), primary.toString());

            PeerAnswer standby = probe.probe("127.0.0.1", n2.settings.port());
            assertEquals(Kind.IN_RECOVERY, standby.kind(), standby.toString());

            PeerAnswer wrongPassword = new OldPrimaryProbe("replicator", Optional.of("not-" + fx.password), DEADLINE)
                    .probe("127.0.0.1", n1.settings.port());
            assertEquals(Kind.UNKNOWN, wrongPassword.kind(), "a server that refuses us may still be a primary");
            assertTrue(wrongPassword.detail().startsWith("28P01"), wrongPassword.detail());

            PgFixture.require(n1.pg.stop(StopMode.IMMEDIATE), "stop n1");
            PeerAnswer stopped = probe.probe("127.0.0.1", n1.settings.port());
            assertEquals(Kind.UNKNOWN, stopped.kind(), "refused looks the same as a reject rule in front of a primary");
            assertTrue(stopped.detail().startsWith("refused"), stopped.detail());
        }
    }

    /**
     * The WAL check asks as a WAL receiver asks: from a position whose segment the primary recycled it answers with
     * the server's own words (58P01); from where the primary writes, nothing (WAL or silence until the deadline); a
     * stopped server, nothing either.
     */
    @Test
    void theWalCheckSaysRemovedOnlyWhenTheServerSaysSo() throws Exception {
        try (PgFixture fx = new PgFixture()) {
            PgFixture.Node n1 = fx.primary();
            OldPrimaryProbe probe = new OldPrimaryProbe("replicator", Optional.of(fx.password), DEADLINE);
            long start = n1.probe.probe().currentLsn();
            assertEquals(null, probe.walRemoved("127.0.0.1", n1.settings.port(), 1, start, Duration.ofSeconds(1)),
                    "its WAL is still there");
            n1.execute("ALTER SYSTEM SET wal_keep_size = 0");
            n1.execute("SELECT pg_reload_conf()");
            for (int i = 0; i < 3; i++) {
                n1.execute("CREATE TABLE IF NOT EXISTS fill (x int); INSERT INTO fill SELECT generate_series(1, 1000)");
                n1.execute("SELECT pg_switch_wal()");
            }
            n1.execute("CHECKPOINT");
            String removed = probe.walRemoved("127.0.0.1", n1.settings.port(), 1, start, Duration.ofSeconds(1));
            assertTrue(removed != null && removed.startsWith("58P01: ") && removed.contains("has already been removed"),
                    String.valueOf(removed));
            long now = n1.probe.probe().currentLsn();
            assertEquals(null, probe.walRemoved("127.0.0.1", n1.settings.port(), 1, now, Duration.ofSeconds(1)));
            assertEquals(null, probe.walRemoved("127.0.0.1", n1.settings.port(), 7, now, Duration.ofSeconds(1)),
                    "a timeline it does not know is not a removal");
            PgFixture.require(n1.pg.stop(StopMode.IMMEDIATE), "stop n1");
            assertEquals(null, probe.walRemoved("127.0.0.1", n1.settings.port(), 1, start, Duration.ofSeconds(1)));
        }
    }
}
