package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The /proc-walking mode, forced: the same kills as with a cgroup, and the guards that keep it from killing a
 * process that is not this data directory's PostgreSQL.
 */
class PgProcessesFallbackTest {
    @TempDir
    Path tmp;
    private Path dataDir;
    private final PgProcesses tree = PgProcesses.processTree("forced by the test");
    private final List<FakePostmaster> started = new ArrayList<>();

    @BeforeEach
    void setUp() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs /proc; skipped");
        dataDir = FakePostmaster.dataDir(tmp);
    }

    @AfterEach
    void tearDown() {
        started.forEach(FakePostmaster::close);
    }

    private FakePostmaster start(Path dir, List<String> argv, int processes) throws IOException {
        FakePostmaster t = new FakePostmaster(tree, dir, argv, processes);
        started.add(t);
        return t;
    }

    @Test
    void wrapIsTheIdentityAndDescribeSaysWhy() {
        assertEquals(List.of("a", "b"), tree.wrap(List.of("a", "b")));
        assertEquals("process tree (forced by the test)", tree.describe());
        assertFalse(tree.freeze(true), "no freezing without a cgroup");
        assertFalse(tree.frozen());
    }

    @Test
    void killsATreeWhoseChildrenCalledSetsidAndVerifiesWithin100ms() throws IOException {
        FakePostmaster t = start(dataDir, FakePostmaster.SETSID_TREE, 3);
        assertEquals(3, tree.live(dataDir));
        PgProcesses.KillReport r = tree.killAll(dataDir, PgProcessesTest.FAST);
        System.out.println("[measure] process-tree kill of a 3-process tree: " + r);
        assertTrue(r.verified(), r.detail());
        assertEquals(3, r.killed());
        assertTrue(r.took().compareTo(PgProcessesTest.FAST) < 0, r.took().toString());
        assertEquals(List.of(), t.alive());
        assertEquals(0, tree.live(dataDir));
    }

    @Test
    void killsTheTreeWhenItsTopIsStopped() throws IOException {
        FakePostmaster t = start(dataDir, FakePostmaster.SETSID_TREE, 3);
        FakePostmaster.signal("STOP", t.top.pid());
        PgProcesses.KillReport r = tree.killAll(dataDir, PgProcessesTest.FAST);
        assertTrue(r.verified(), r.detail());
        assertTrue(r.took().compareTo(PgProcessesTest.FAST) < 0, r.took().toString());
        assertEquals(List.of(), t.alive());
    }

    @Test
    void findsBackendsLeftBehindByADeadPostmaster() throws IOException {
        // a program named "postgres" working in the data directory, its postmaster.pid naming a PID that is gone
        Path postgres = tmp.resolve("postgres");
        Files.copy(Path.of("/bin/sleep"), postgres, StandardCopyOption.COPY_ATTRIBUTES);
        FakePostmaster orphan = start(dataDir, List.of(postgres.toString(), "1000"), 1);
        Files.writeString(dataDir.resolve("postmaster.pid"), "2147483646\n");
        assertEquals(1, tree.live(dataDir));
        PgProcesses.KillReport r = tree.killAll(dataDir, PgProcessesTest.FAST);
        assertTrue(r.verified(), r.detail());
        assertEquals(List.of(), orphan.alive());
    }

    @Test
    void neverKillsAProcessThatDoesNotWorkInTheDataDirectory() throws IOException {
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Path postgres = tmp.resolve("postgres");
        Files.copy(Path.of("/bin/sleep"), postgres, StandardCopyOption.COPY_ATTRIBUTES);
        // another PostgreSQL's process (named postgres, other directory) and a stale postmaster.pid naming a live
        // unrelated process (PID reuse)
        FakePostmaster other = start(elsewhere, List.of(postgres.toString(), "1000"), 1);
        FakePostmaster unrelated = start(elsewhere, FakePostmaster.SETSID_TREE, 3);
        Files.writeString(dataDir.resolve("postmaster.pid"), unrelated.top.pid() + "\n");
        assertEquals(0, tree.live(dataDir));
        PgProcesses.KillReport r = tree.killAll(dataDir, PgProcessesTest.FAST);
        assertTrue(r.verified(), r.detail());
        assertEquals(0, r.killed());
        assertEquals(1, other.alive().size());
        assertEquals(3, unrelated.alive().size());
    }

    @Test
    void aMissingDataDirectoryHasNoProcesses() {
        Path none = tmp.resolve("none");
        assertEquals(0, tree.live(none));
        assertTrue(tree.killAll(none, Duration.ofMillis(10)).verified());
    }
}
