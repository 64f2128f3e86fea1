package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No postmaster outlives a fence that came after its start was asked ({@link StartBarrier}), with real child
 * processes standing in for the postmaster.
 */
class StartBarrierTest {
    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    private Process child() throws IOException {
        Process p = new ProcessBuilder("sleep", "1000").start();
        started.add(p);
        return p;
    }

    private static boolean ends(Process p) throws InterruptedException {
        return p.waitFor(2, TimeUnit.SECONDS);
    }

    @Test
    void aStartAskedBeforeAFenceGivesUpBeforeItsSpawn() {
        StartBarrier barrier = new StartBarrier();
        StartBarrier.Ticket asked = barrier.ticket();
        barrier.fencing();
        CommandResult r = Postmaster.start(List.of("sleep", "1000"), tmp, tmp.resolve("log"), Duration.ofSeconds(30),
                OsAccount.of(System.getProperty("user.name")), PgProcesses.processTree("test"), () -> { }, asked);
        assertEquals(CommandResult.Failure.CANCELLED, r.failure(), r.toString());
        assertTrue(r.outputTail().contains("before it was started"), r.outputTail());
        assertTrue(r.duration().toMillis() < 1_000, "at once, not at the start's 30 s timeout: " + r.duration());
    }

    @Test
    void aSpawnThatFindsAFenceAfterItsTicketKillsItsOwnChild() throws Exception {
        StartBarrier barrier = new StartBarrier();
        StartBarrier.Ticket asked = barrier.ticket();
        barrier.fencing();
        Process p = child();
        assertFalse(StartBarrier.spawned(p, asked));
        assertTrue(ends(p), "killed by the start itself");
    }

    @Test
    void aFenceKillsThePostmasterSpawnedBeforeIt() throws Exception {
        StartBarrier barrier = new StartBarrier();
        StartBarrier.Ticket asked = barrier.ticket();
        Process p = child();
        assertTrue(StartBarrier.spawned(p, asked), "no fence yet: it lives");
        assertTrue(p.isAlive());
        barrier.fencing();
        assertTrue(ends(p), "the fence kills it by its handle, whether or not it joined PostgreSQL's group yet");
        assertTrue(barrier.ticket().fences() > asked.fences());
    }

    @Test
    void aStartAskedAfterTheFenceRuns() throws Exception {
        StartBarrier barrier = new StartBarrier();
        barrier.fencing();
        StartBarrier.Ticket asked = barrier.ticket();
        Process p = child();
        assertTrue(StartBarrier.spawned(p, asked), "the step decided it after the fence: not this barrier's to stop");
        assertTrue(p.isAlive());
    }

    /** A spawn and a fence at the same moment, many times: the child never survives, whoever goes first. */
    @Test
    void raceBetweenASpawnAndAFenceNeverLeavesTheChildAlive() throws Exception {
        for (int i = 0; i < 40; i++) {
            StartBarrier barrier = new StartBarrier();
            StartBarrier.Ticket asked = barrier.ticket();
            CountDownLatch go = new CountDownLatch(1);
            Process[] spawned = new Process[1];
            Thread start = new Thread(() -> {
                try {
                    go.await();
                    Process p = child();
                    spawned[0] = p;
                    StartBarrier.spawned(p, asked);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread fence = new Thread(() -> {
                try {
                    go.await();
                    if ((System.nanoTime() & 1) == 0) Thread.onSpinWait();
                    barrier.fencing();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            start.start();
            fence.start();
            go.countDown();
            start.join(5_000);
            fence.join(5_000);
            assertTrue(ends(spawned[0]), "round " + i + ": the child outlived a fence that came after its ticket");
        }
    }

    @Test
    void aStartOutsideTheDaemonIsNeverStopped() throws Exception {
        Process p = child();
        assertTrue(StartBarrier.spawned(p, StartBarrier.Ticket.NONE));
        assertTrue(p.isAlive());
    }
}
