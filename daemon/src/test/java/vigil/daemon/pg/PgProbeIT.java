package vigil.daemon.pg;

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

    private static long since(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void frozenPostmasterIsUnreachableForNewAndOpenConnections() {
        assertTrue(n1.probe.probe().reachable()); // the probe's connection and its backend exist
        try (PgProbe fresh = new PgProbe(n1.settings)) {
            freeze(postmaster());
            long t0 = System.nanoTime();
            PgState s = fresh.probe();
            long ms = since(t0);
            System.out.printf("[measure] frozen postmaster, new probe: unreachable after %d ms (%s)%n", ms, s.error());
            assertFalse(s.reachable());
            assertTrue(s.error().startsWith("timeout"), s.error());
            assertTrue(ms < LIMIT_MS, ms + " ms");

            // the open connection's own backend would still answer: the look at the postmaster's state catches it
            t0 = System.nanoTime();
            s = n1.probe.probe();
            ms = since(t0);
            assertFalse(s.reachable());
            assertTrue(s.error().contains("the postmaster (pid " + postmaster() + ") is stopped"), s.error());
            assertTrue(ms < LIMIT_MS, ms + " ms");
        }
    }

    @Test
    void frozenBackendTimesOutOnTheOpenConnection() {
        assertTrue(n1.probe.probe().reachable());
        ProcessHandle.of(postmaster()).orElseThrow().descendants() // started by our postmaster; itself stays running
                .forEach(h -> freeze(h.pid()));
        long t0 = System.nanoTime();
        PgState s = n1.probe.probe();
        long ms = since(t0);
        System.out.printf("[measure] frozen backend, open connection: unreachable after %d ms (%s)%n", ms, s.error());
        assertFalse(s.reachable());
        assertTrue(s.error().startsWith("timeout: reading from"), s.error());
        assertTrue(ms < LIMIT_MS, ms + " ms");
    }

    @Test
    void loginTimesOutWhenThePostmasterIsFrozenUnseen() {
        // a probe that cannot read postmaster.pid (here: pointed at another data directory) relies on the login timeout
        PgSettings s0 = n1.settings;
        PgSettings blind = new PgSettings(s0.bindir(), fx.root.resolve("elsewhere"), s0.configDir(), s0.port(),
                s0.listenAddress(), s0.socketDir(), s0.osUser(), s0.superuser(), s0.replicationUser(),
                s0.replicationPasswordFile(), s0.applicationName(), s0.probeTimeout(), s0.peerAddresses());
        try (PgProbe probe = new PgProbe(blind)) {
            assertTrue(probe.probe().reachable());
            probe.close(); // the next probe must log in anew
            freeze(postmaster());
            long t0 = System.nanoTime();
            PgState s = probe.probe();
            long ms = since(t0);
            System.out.printf("[measure] frozen postmaster, login: unreachable after %d ms (%s)%n", ms, s.error());
            assertFalse(s.reachable());
            assertTrue(s.error().startsWith("timeout"), s.error());
            assertTrue(ms < LIMIT_MS, ms + " ms");
            // pgjdbc leaves its login thread behind on a login timeout; the socket timeout must end it while still frozen
            PgFixture.await(PgProbeIT::loginThreads, n -> n == 0, Duration.ofSeconds(3), "no pgjdbc login thread left");
        }
    }
}
