package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cgroup mode with real processes: a tree whose children called setsid is killed and verified gone in 100 ms. */
class PgProcessesTest {
    static final Duration FAST = Duration.ofMillis(100);

    @TempDir
    Path tmp;
    private Path dataDir;
    private PgProcesses group;
    private final List<String> warnings = new ArrayList<>();
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    /** A group with a unique node name (other tests and vigild may run on this host), or the test is skipped. */
    static PgProcesses cgroupOrSkip(List<String> warnings) {
        assumeTrue("root".equals(System.getProperty("user.name")), "cgroup tests need root to create a group; skipped");
        PgProcesses g = PgProcesses.open("test-" + UUID.randomUUID().toString().substring(0, 8), warnings::add);
        assumeTrue(g.hasCgroup(), "no usable cgroup2 here (" + g.describe() + "); skipped");
        return g;
    }

    @BeforeEach
    void setUp() {
        group = cgroupOrSkip(warnings);
        dataDir = FakePostmaster.dataDir(tmp);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : cleanup) c.close();
        if (group != null && group.hasCgroup()) {
            group.killAll(dataDir, Duration.ofSeconds(2));
            assertTrue(group.removeIfEmpty(), "the test group " + group.dir() + " could not be removed");
        }
    }

    private FakePostmaster tree() throws IOException {
        FakePostmaster t = new FakePostmaster(group, dataDir);
        cleanup.add(t);
        return t;
    }

    @Test
    void opensTheGroupUnderItsOwnCgroupWithoutWarning() throws IOException {
        assertTrue(warnings.isEmpty(), warnings.toString());
        Cgroup.Location own = Cgroup.own();
        assertEquals(own.dir().resolve(group.dir().getFileName()), group.dir());
        assertTrue(group.dir().getFileName().toString().startsWith(PgProcesses.PREFIX));
        assertTrue(group.describe().startsWith("cgroup " + group.dir()), group.describe());
    }

    @Test
    void underAServiceGroupThatHoldsVigildItselfAsSystemdLaysItOut() throws IOException {
        // like /system.slice/vigild.service with vigild in it: the PostgreSQL group is its child
        Cgroup.Location own = Cgroup.own();
        Cgroup.Location service = own.child("vgtest-" + UUID.randomUUID().toString().substring(0, 8) + ".service");
        Files.createDirectory(service.dir());
        FakePostmaster daemon = new FakePostmaster(PgProcesses.processTree("test"), Files.createDirectories(tmp.resolve("d")),
                List.of("/bin/sh", "-c", "echo $$ > " + service.dir().resolve("cgroup.procs") + " && exec sleep 1000"), 1);
        try {
            PgProcesses nested = PgProcesses.open(service, "n1", warnings::add);
            assertTrue(nested.hasCgroup(), warnings.toString());
            assertEquals(service.dir().resolve("vigil-postgres-n1"), nested.dir());
            FakePostmaster t = new FakePostmaster(nested, dataDir);
            cleanup.add(t);
            String cg = Files.readString(Path.of("/proc/" + t.top.pid() + "/cgroup"));
            assertTrue(cg.contains("0::" + service.path() + "/vigil-postgres-n1\n"), cg);
            assertTrue(nested.killAll(dataDir, FAST).verified());
            assertEquals(List.of(), t.alive());
            assertEquals(1, daemon.alive().size(), "the service's own process (vigild) is not touched");
            assertTrue(nested.removeIfEmpty());
        } finally {
            daemon.close();
            FakePostmaster.awaitEmpty(service.dir());
            Files.delete(service.dir());
        }
    }

    @Test
    void aGroupInsideAPostgresGroupIsRefused() throws IOException {
        Cgroup.Location inside = Cgroup.own().child(PgProcesses.PREFIX + "x");
        PgProcesses p = PgProcesses.open(inside, "n1", warnings::add);
        assertFalse(p.hasCgroup());
        assertTrue(warnings.get(0).contains("would kill vigild too"), warnings.toString());
        assertFalse(Files.exists(inside.dir()));
    }

    @Test
    void wrapJoinsTheGroupBeforeExecSoEveryChildIsInIt() throws IOException {
        FakePostmaster t = tree();
        for (long pid : t.pids) {
            String cg = Files.readString(Path.of("/proc/" + pid + "/cgroup"));
            assertTrue(cg.contains("0::") && cg.contains("/" + group.dir().getFileName() + "\n"), pid + ": " + cg);
        }
        assertEquals(3, group.live(dataDir));
    }

    @Test
    void killsATreeWhoseChildrenCalledSetsidAndVerifiesWithin100ms() throws IOException {
        FakePostmaster t = tree();
        PgProcesses.KillReport r = group.killAll(dataDir, FAST);
        System.out.println("[measure] cgroup kill of a 3-process tree: " + r);
        assertTrue(r.verified(), r.detail());
        assertEquals(3, r.killed());
        assertTrue(r.took().compareTo(FAST) < 0, r.took().toString());
        assertEquals(List.of(), t.alive(), "independent look at /proc");
        assertEquals(0, group.live(dataDir));
    }

    @Test
    void killsTheTreeWhenItsTopIsStopped() throws IOException {
        FakePostmaster t = tree();
        FakePostmaster.signal("STOP", t.top.pid());
        PgProcesses.KillReport r = group.killAll(dataDir, FAST);
        assertTrue(r.verified(), r.detail());
        assertTrue(r.took().compareTo(FAST) < 0, r.took().toString());
        assertEquals(List.of(), t.alive());
    }

    @Test
    void killsAProcessThatKeepsForking() throws Exception {
        // the kernel also kills what is forked while cgroup.kill runs; a /proc walk could not promise that
        Process loop = new ProcessBuilder(group.wrap(List.of("/bin/sh", "-c", "while :; do setsid sleep 1000 & done")))
                .directory(dataDir.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        cleanup.add(loop::destroyForcibly);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (group.live(dataDir) < 50) {
            assertTrue(System.nanoTime() < deadline, "the loop did not fork 50 processes: " + group.live(dataDir));
            FakePostmaster.sleepMs(2);
        }
        // the point is the fork race, not speed: ~80 dying processes need tens of ms of CPU to exit on 2 cores
        PgProcesses.KillReport r = group.killAll(dataDir, Duration.ofSeconds(1));
        System.out.println("[measure] cgroup kill of a forking loop: " + r);
        assertTrue(r.verified(), r.detail());
        assertEquals(0, group.live(dataDir));
        assertTrue(loop.waitFor(5, java.util.concurrent.TimeUnit.SECONDS));
    }

    @Test
    void killsAFrozenGroupAndThawsItForTheNextStart() throws IOException {
        FakePostmaster t = tree();
        assertTrue(group.freeze(true), "freeze");
        assertTrue(group.frozen());
        PgProcesses.KillReport r = group.killAll(dataDir, FAST);
        assertTrue(r.verified(), r.detail());
        assertEquals(List.of(), t.alive());
        assertFalse(group.frozen(), "killAll leaves the group thawed");
        FakePostmaster next = tree(); // would never come up in a frozen group
        assertEquals(3, next.alive().size());
    }

    @Test
    void aStartInAFrozenGroupIsRefusedAtOnce() {
        assertTrue(group.freeze(true));
        CommandResult r = Postmaster.start(List.of("sleep", "1000"), dataDir, tmp.resolve("log"), Duration.ofSeconds(30),
                OsAccount.of(System.getProperty("user.name")), group);
        assertFalse(r.ok());
        assertTrue(r.outputTail().contains("is frozen"), r.outputTail());
        assertTrue(group.freeze(false));
    }

    /**
     * A vigild froze PostgreSQL and died; PostgreSQL was killed since. The next vigild finds the group frozen and empty:
     * its start thaws it (nothing in it could write) instead of being refused for ever. A group this vigild froze
     * itself, or one with processes left in it, is never thawed by a start.
     */
    @Test
    void aStartThawsAnEmptyGroupAPreviousVigildLeftFrozenButNeverItsOwnFreeze() throws IOException {
        FakePostmaster t = tree();
        assertTrue(group.freeze(true), "the previous vigild's freeze");
        PgProcesses next = PgProcesses.open(group.dir().getFileName().toString().substring(PgProcesses.PREFIX.length()),
                warnings::add);
        assertFalse(next.thawIfEmpty(), "processes are left in it: they are fenced first");
        assertTrue(next.killAll(dataDir, FAST).verified());
        assertEquals(List.of(), t.alive());
        assertTrue(next.freeze(true), "frozen again, empty");
        PgProcesses third = PgProcesses.open(group.dir().getFileName().toString().substring(PgProcesses.PREFIX.length()),
                warnings::add);
        assertFalse(next.thawIfEmpty(), "its own freeze stands until the node step thaws it");
        assertTrue(third.thawIfEmpty(), "a freeze left by a vigild that is gone, on an empty group, is lifted");
        assertFalse(third.frozen());
        FakePostmaster started = tree(); // would never come up in a frozen group
        assertEquals(3, started.alive().size());
    }

    @Test
    void aStartRecreatesAGroupRemovedSinceItWasOpened() {
        assertTrue(group.removeIfEmpty()); // as systemd trims the empty groups of a stopped unit
        CommandResult r = Postmaster.start(List.of("sleep", "1000"), dataDir, tmp.resolve("log"), Duration.ofMillis(300),
                OsAccount.of(System.getProperty("user.name")), group);
        assertEquals(CommandRunner.TIMED_OUT, r.exitCode(), "sleep never writes postmaster.pid: " + r);
        assertEquals(1, group.live(dataDir), "the started process is in the recreated group");
        assertTrue(group.killAll(dataDir, FAST).verified());
    }

    @Test
    void aPostmasterOutsideTheGroupIsKilledToo() throws IOException {
        // started by a vigild without a group (before an upgrade): postmaster.pid names it, it works in dataDir
        FakePostmaster outside = new FakePostmaster(PgProcesses.processTree("test"), dataDir);
        cleanup.add(outside);
        assertEquals(3, group.live(dataDir));
        PgProcesses.KillReport r = group.killAll(dataDir, FAST);
        assertTrue(r.verified(), r.detail());
        assertTrue(r.detail().contains("outside the group"), r.detail());
        assertEquals(List.of(), outside.alive());
    }

    @Test
    void theGroupOutlivesItsOpenerAndIsReused() throws IOException {
        FakePostmaster t = tree();
        PgProcesses again = PgProcesses.open(group.dir().getFileName().toString().substring(PgProcesses.PREFIX.length()),
                warnings::add);
        assertEquals(group.dir(), again.dir());
        assertEquals(3, again.live(dataDir), "a restarted vigild sees the running PostgreSQL in its group");
        assertFalse(again.removeIfEmpty(), "a populated group is never removed");
        assertTrue(again.killAll(dataDir, FAST).verified());
        assertEquals(List.of(), t.alive());
        assertTrue(Files.isDirectory(group.dir()), "killAll keeps the group");
    }

    @Test
    void anEmptyGroupIsVerifiedAtOnce() {
        PgProcesses.KillReport r = group.killAll(dataDir, FAST);
        assertTrue(r.verified(), r.detail());
        assertEquals(0, r.killed());
    }

    @Test
    void anInterruptDoesNotCutTheKillShortAndIsKept() throws IOException {
        FakePostmaster t = tree();
        Thread.currentThread().interrupt();
        PgProcesses.KillReport r = group.killAll(dataDir, FAST);
        assertTrue(Thread.interrupted(), "the interrupt status is kept");
        assertTrue(r.verified(), r.detail());
        assertEquals(List.of(), t.alive());
    }

    @Test
    void theSocketCheckTellsAListenerFromAStaleFile() throws IOException {
        Path sock = tmp.resolve(".s.PGSQL.5432");
        assertFalse(PgProcesses.socketAccepts(sock), "missing file");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock), 1);
            assertTrue(PgProcesses.socketAccepts(sock), "listening");
            assertTrue(PgProcesses.socketAccepts(sock), "listening with a full backlog (nobody accepts)");
            assertTrue(PgProcesses.socketAccepts(sock));
            PgProcesses.KillReport r = group.killAll(dataDir, sock, Duration.ofMillis(30));
            assertFalse(r.verified(), "a listener is left: " + r.detail());
            assertTrue(r.detail().contains("accepts connections"), r.detail());
        }
        assertTrue(Files.exists(sock), "the closed listener leaves its file behind, as a killed postmaster does");
        assertFalse(PgProcesses.socketAccepts(sock), "stale file: refused");
        assertTrue(group.killAll(dataDir, sock, FAST).verified());
    }
}
