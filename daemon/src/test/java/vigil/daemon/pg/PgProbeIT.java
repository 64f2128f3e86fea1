package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The probe against a frozen PostgreSQL (SIGSTOP): a frozen server still completes TCP handshakes. */
class PgProbeIT {
    private static final long LIMIT_MS = 2 * PgFixture.PROBE_TIMEOUT.toMillis();
    private static PgFixture fx;
    private static PgFixture.Node n1;
    /** PIDs this test stopped; all get SIGCONT after each test, even a failed one. */
    private final List<Long> stopped = new ArrayList<>();

    @BeforeAll
    static void primary() throws IOException {
        fx = new PgFixture();
        try {
            n1 = fx.primary();
        } catch (RuntimeException | IOException | Error e) {
            fx.close();
            throw e;
        }
    }

    @AfterAll
    static void cleanUp() {
        if (fx != null) {
            fx.close();
        }
    }

    @AfterEach
    void thaw() {
        stopped.forEach(pid -> PgFixture.signal("CONT", pid));
        stopped.clear();
        n1.awaitState(PgState::reachable, Duration.ofSeconds(10), "reachable again after SIGCONT");
    }

    private void freeze(long pid) {
        stopped.add(pid);
        PgFixture.signal("STOP", pid);
    }

    private static long loginThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("PostgreSQL JDBC driver connection thread")).count();
    }

    private long postmaster() {
        return n1.pg.postmasterPid().orElseThrow();
    }

    @Test
    void wholeFrozenInstanceIsUnreachableWithinTwoProbeTimeouts() {
        assertTrue(n1.probe.probe().reachable()); // the probe's connection and its backend exist
        ProcessHandle pm = ProcessHandle.of(postmaster()).orElseThrow();
        List<ProcessHandle> family = new ArrayList<>(pm.descendants().toList()); // started by our postmaster
        freeze(pm.pid());
        family.forEach(h -> freeze(h.pid()));

        long t0 = System.nanoTime();
        PgState s = n1.probe.probe(); // over the open connection: the socket timeout
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("[measure] frozen instance, open connection: unreachable after %d ms (%s)%n", ms, s.error());
        assertFalse(s.reachable());
        assertTrue(s.error().startsWith("timeout"), s.error());
        assertTrue(ms < LIMIT_MS, ms + " ms");

        t0 = System.nanoTime();
        s = n1.probe.probe(); // reconnecting: TCP connects, the login times out
        ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("[measure] frozen instance, new connection: unreachable after %d ms (%s)%n", ms, s.error());
        assertFalse(s.reachable());
        assertTrue(ms < LIMIT_MS, ms + " ms");
    }

    @Test
    void frozenPostmasterIsUnreachableForANewConnection() {
        try (PgProbe fresh = new PgProbe(n1.settings)) {
            freeze(postmaster());
            long t0 = System.nanoTime();
            PgState s = fresh.probe();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("[measure] frozen postmaster, new connection: unreachable after %d ms (%s)%n", ms, s.error());
            assertFalse(s.reachable());
            assertTrue(s.error().startsWith("timeout"), s.error());
            assertTrue(ms < LIMIT_MS, ms + " ms");
            // pgjdbc leaves its login thread behind on a login timeout; the socket timeout must end it while still frozen
            PgFixture.await(PgProbeIT::loginThreads, n -> n == 0, Duration.ofSeconds(3), "no pgjdbc login thread left");
        }
        // Known limit: a connection opened before the freeze keeps its own backend, which still answers.
        PgState viaOpenConnection = n1.probe.probe();
        assertTrue(viaOpenConnection.reachable(), viaOpenConnection.toString());
        assertEquals(PgRole.PRIMARY, viaOpenConnection.role());
    }
}
