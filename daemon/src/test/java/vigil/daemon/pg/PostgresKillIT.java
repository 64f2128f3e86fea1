package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The self-fence against a real PostgreSQL 15: started through {@link Postmaster} in its group, a few client
 * backends connected (one inside an open transaction), the postmaster stopped (SIGSTOP), then {@link
 * PgProcesses#killAll}: verified, nothing accepts on the socket, and a fresh start recovers with every commit.
 * Also measures kill→verified durations, idle and under CPU load, with a cgroup and without
 * ({@code -Dvigil.kill.runs=N}, default 3 per case).
 */
class PostgresKillIT {
    private static final Duration DEADLINE = Duration.ofSeconds(1);
    private static final int RUNS = Integer.getInteger("vigil.kill.runs", 3);

    @Test
    void aStoppedPostgresWithBackendsIsKilledInItsGroupAndRecovers() throws Exception {
        try (PgFixture fx = new PgFixture()) {
            PgProcesses group = PgProcessesTest.cgroupOrSkip(new ArrayList<>());
            try {
                killStoppedAndRecover(fx, group);
            } finally {
                group.killAll(fx.root, Duration.ofSeconds(2));
                group.removeIfEmpty();
            }
        }
    }

    @Test
    void aStoppedPostgresWithBackendsIsKilledByWalkingProcAndRecovers() throws Exception {
        try (PgFixture fx = new PgFixture()) {
            killStoppedAndRecover(fx, PgProcesses.processTree("forced by the test"));
        }
    }

    /**
     * {@link Postgres#start} under the daemon's {@link StartBarrier}: a start asked before a fence leaves no server
     * (nothing spawned), one asked after it starts PostgreSQL.
     */
    @Test
    void aStartAskedBeforeAFenceLeavesNoServer() throws Exception {
        try (PgFixture fx = new PgFixture()) {
            PgFixture.Node n = fx.node("n1");
            PgFixture.require(n.pg.initPrimary(true), "initPrimary");
            StartBarrier.Ticket asked = n.pg.barrier().ticket();
            n.pg.barrier().fencing();
            n.pg.asked(asked);
            CommandResult refused = n.pg.start();
            assertEquals(CommandResult.Failure.CANCELLED, refused.failure(), refused.toString());
            assertTrue(n.pg.postmasterPid().isEmpty(), "no postmaster was spawned");
            assertFalse(PgProcesses.socketAccepts(PgProbe.socketFile(n.settings)));
            n.pg.asked(n.pg.barrier().ticket());
            PgFixture.require(n.pg.start(), "a start asked after the fence");
            assertTrue(PgProcesses.socketAccepts(PgProbe.socketFile(n.settings)), "PostgreSQL answers");
        }
    }

    private static void killStoppedAndRecover(PgFixture fx, PgProcesses group) throws Exception {
        PgFixture.Node n = fx.node("n1");
        PgFixture.require(n.pg.initPrimary(true), "initPrimary");
        start(n, group);
        n.execute("CREATE TABLE t(x int); INSERT INTO t VALUES (1)");
        Path sock = PgProbe.socketFile(n.settings);
        PgProcesses.KillReport r;
        List<Connection> clients = clients(n, 3);
        try (Statement open = clients.get(0).createStatement()) {
            clients.get(0).setAutoCommit(false);
            open.execute("INSERT INTO t VALUES (2)"); // never committed
            int live = group.live(n.settings.dataDir());
            assertTrue(live >= 3 + 4, "postmaster, 3 client backends and the auxiliary processes: " + live);
            FakePostmaster.signal("STOP", n.pg.postmasterPid().orElseThrow());
            r = group.killAll(n.settings.dataDir(), sock, DEADLINE);
        } catch (SQLException e) {
            throw new AssertionError("a client failed before the kill", e);
        } finally {
            closeAll(clients);
        }
        System.out.println("[measure] " + group.describe() + ": " + r);
        assertTrue(r.verified(), r.detail());
        assertTrue(r.killed() >= 8, r.toString());
        assertEquals(0, group.live(n.settings.dataDir()));
        assertEquals(Set.of(), ProcessTree.family(ProcessTree.snapshot(), n.settings.dataDir()), "independent look");
        assertFalse(PgProcesses.socketAccepts(sock));
        assertTrue(Files.exists(n.settings.dataDir().resolve("postmaster.pid")), "a killed postmaster leaves its pid file");

        start(n, group); // crash recovery
        PgState s = n.awaitState(st -> st.reachable() && st.role() == PgRole.PRIMARY, Duration.ofSeconds(10), "primary again");
        assertTrue(s.reachable());
        try (Connection c = n.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT array_agg(x ORDER BY x)::text FROM t")) {
            rs.next();
            assertEquals("{1}", rs.getString(1), "the commit survived, the open transaction did not");
        }
    }

    @Test
    void measureKillToVerifiedWithRealPostgres() throws Exception {
        try (PgFixture fx = new PgFixture()) {
            PgProcesses cgroup = PgProcessesTest.cgroupOrSkip(new ArrayList<>());
            PgFixture.Node n = fx.node("n1");
            PgFixture.require(n.pg.initPrimary(true), "initPrimary");
            try {
                for (PgProcesses group : List.of(cgroup, PgProcesses.processTree("forced by the test"))) {
                    for (boolean loaded : new boolean[] {false, true}) {
                        List<PgProcesses.KillReport> reports = new ArrayList<>();
                        try (CpuLoad load = loaded ? new CpuLoad() : null) {
                            for (int i = 0; i < RUNS; i++) {
                                reports.add(killOnce(n, group));
                            }
                        }
                        report("real PostgreSQL, 3 clients, postmaster stopped", group, loaded, reports);
                    }
                }
            } finally {
                cgroup.killAll(n.settings.dataDir(), Duration.ofSeconds(2));
                cgroup.removeIfEmpty();
            }
        }
    }

    private static PgProcesses.KillReport killOnce(PgFixture.Node n, PgProcesses group) throws Exception {
        start(n, group);
        List<Connection> clients = clients(n, 3);
        PgProcesses.KillReport r;
        try {
            FakePostmaster.signal("STOP", n.pg.postmasterPid().orElseThrow());
            r = group.killAll(n.settings.dataDir(), PgProbe.socketFile(n.settings), DEADLINE);
        } finally {
            closeAll(clients);
        }
        assertTrue(r.verified(), r.detail());
        if (Boolean.getBoolean("vigil.kill.verbose")) {
            System.out.println("[measure]   " + r.detail());
        }
        return r;
    }

    @Test
    void measureKillToVerifiedWithAProcessTree(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        PgProcesses cgroup = PgProcessesTest.cgroupOrSkip(new ArrayList<>());
        Path dataDir = FakePostmaster.dataDir(tmp);
        try {
            for (PgProcesses group : List.of(cgroup, PgProcesses.processTree("forced by the test"))) {
                for (boolean loaded : new boolean[] {false, true}) {
                    List<PgProcesses.KillReport> reports = new ArrayList<>();
                    try (CpuLoad load = loaded ? new CpuLoad() : null) {
                        for (int i = 0; i < Math.max(RUNS, 20); i++) {
                            try (FakePostmaster t = new FakePostmaster(group, dataDir)) {
                                FakePostmaster.signal("STOP", t.top.pid());
                                PgProcesses.KillReport r = group.killAll(dataDir, DEADLINE);
                                assertTrue(r.verified(), r.detail());
                                assertEquals(List.of(), t.alive());
                                reports.add(r);
                            }
                        }
                    }
                    report("setsid tree of 3, top stopped", group, loaded, reports);
                }
            }
            for (boolean loaded : new boolean[] {false, true}) {
                List<Duration> took = new ArrayList<>();
                try (CpuLoad load = loaded ? new CpuLoad() : null) {
                    for (int i = 0; i < 20; i++) {
                        long t0 = System.nanoTime();
                        PgFixture.signal("0", ProcessHandle.current().pid()); // costs what a kill -STOP would
                        took.add(Duration.ofNanos(System.nanoTime() - t0));
                    }
                }
                print("one kill(1) run through ProcessBuilder", "-", loaded, took);
            }
        } finally {
            cgroup.killAll(dataDir, Duration.ofSeconds(2));
            cgroup.removeIfEmpty();
        }
    }

    private static final Pattern SIGNALLED = Pattern.compile("signalled after ([0-9.]+) ms");

    /** Kill→verified ("took") and kill→every process signalled, as the report's detail says it. */
    private static void report(String what, PgProcesses group, boolean loaded, List<PgProcesses.KillReport> reports) {
        String mode = group.hasCgroup() ? "cgroup" : "process tree";
        print(what + ", verified", mode, loaded, reports.stream().map(PgProcesses.KillReport::took).toList());
        List<Duration> signalled = new ArrayList<>();
        for (PgProcesses.KillReport r : reports) {
            Matcher m = SIGNALLED.matcher(r.detail());
            if (m.find()) signalled.add(Duration.ofNanos((long) (Double.parseDouble(m.group(1)) * 1e6)));
        }
        print(what + ", signalled", mode, loaded, signalled);
    }

    private static void print(String what, String mode, boolean loaded, List<Duration> took) {
        List<Double> ms = took.stream().map(d -> d.toNanos() / 1e6).sorted().toList();
        System.out.printf("[measure] %s, %s, %s: n=%d p50=%.1f ms max=%.1f ms%n", what, mode,
                loaded ? "loaded" : "idle", ms.size(), ms.get(ms.size() / 2), ms.get(ms.size() - 1));
    }

    private static void start(PgFixture.Node n, PgProcesses group) {
        OsAccount account = OsAccount.of(n.settings.osUser());
        List<String> argv = account.exec(List.of(n.settings.bin("postgres").toString(), "-D", n.settings.configDir().toString()));
        PgFixture.require(Postmaster.start(argv, n.settings.dataDir(), n.settings.dataDir().resolve("postmaster.log"),
                Duration.ofSeconds(45), account, group), "start in " + group.describe());
    }

    private static List<Connection> clients(PgFixture.Node n, int count) throws SQLException {
        List<Connection> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(n.connect());
        }
        return out;
    }

    private static void closeAll(List<Connection> clients) {
        for (Connection c : clients) {
            try {
                c.close();
            } catch (SQLException e) {
                // its backend was killed
            }
        }
    }

    /** Two busy processes per core ({@code sha256sum /dev/zero}), ended by PID when closed. */
    static final class CpuLoad implements AutoCloseable {
        private final List<Process> burners = new ArrayList<>();

        CpuLoad() throws IOException {
            for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors(); i++) {
                burners.add(new ProcessBuilder("sha256sum", "/dev/zero").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
        }

        @Override
        public void close() throws InterruptedException {
            for (Process p : burners) {
                p.destroyForcibly();
            }
            for (Process p : burners) {
                p.waitFor();
            }
        }
    }
}
