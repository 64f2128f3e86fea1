package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import vigil.daemon.pg.PgState.Failure;

class PgProbeTest {
    @Test
    void failuresAreTypedAndKeepTheirText() {
        assertFailure(Failure.REFUSED, "refused", new SQLException("x", "08001", new ConnectException("cannot connect")));
        assertFailure(Failure.TIMEOUT, "timeout", new SQLException("x", "08006", new SocketTimeoutException("Read timed out")));
        assertFailure(Failure.TIMEOUT, "timeout", new SQLException("Connection attempt timed out.", "08001"));
        assertFailure(Failure.STARTING_OR_STOPPING, "not accepting connections",
                new SQLException("FATAL: the database system is starting up", "57P03"));
        assertFailure(Failure.STARTING_OR_STOPPING, "not accepting connections",
                new SQLException("FATAL: terminating connection due to administrator command", "57P01"));
        assertFailure(Failure.AUTH, "auth", new SQLException("FATAL: Peer authentication failed", "28000"));
        assertFailure(Failure.TOO_MANY, "too many clients", new SQLException("FATAL: sorry, too many clients already", "53300"));
        assertFailure(Failure.OTHER, "boom", new SQLException("boom", "XX000"));
    }

    private static void assertFailure(Failure kind, String prefix, Throwable e) {
        PgState s = PgProbe.failed(e);
        assertFalse(s.reachable());
        assertEquals(kind, s.failure(), s.toString());
        assertTrue(s.error().startsWith(prefix), s.error());
    }

    @Test
    void theSystemIdentifierAndTheHistoryAreAskedForOnlyUntilKnown() {
        PgSettings s = new PgSettings(Path.of("/nonexistent"), Path.of("/nonexistent/data"), Path.of("/nonexistent/data"),
                5432, "127.0.0.1", Path.of("/nonexistent"), "postgres", "postgres", "replicator", Optional.empty(), "n1",
                Duration.ofMillis(100), List.of());
        try (PgProbe p = new PgProbe(s)) {
            String q = p.query();
            assertTrue(q.contains("CASE WHEN true THEN (SELECT system_identifier"), q);
            assertTrue(q.contains("t.timeline <> -1"), q);
            assertFalse(q.contains("%"), "every placeholder is filled: " + q);
        }
    }
}
