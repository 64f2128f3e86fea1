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
}
