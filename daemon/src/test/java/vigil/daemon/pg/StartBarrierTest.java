package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
    void aStartAskedBeforeAFenceSpawnsNothing() {
        StartBarrier barrier = new StartBarrier();
        StartBarrier.Ticket asked = barrier.ticket();
        barrier.fencing();
        CommandResult r = Postmaster.start(List.of("sleep", "1000"), tmp, tmp.resolve("log"), Duration.ofSeconds(30),
                OsAccount.of(System.getProperty("user.name")), PgProcesses.processTree("test"), () -> { }, asked);
        assertEquals(CommandResult.Failure.CANCELLED, r.failure(), r.toString());
        assertTrue(r.outputTail().contains("a fence came after this start was asked"), r.outputTail());
        assertTrue(r.duration().toMillis() < 1_000, "at once, not at the start's 30 s timeout: " + r.duration());
    }

    @Test
    void aSpawnAfterAFenceIsRefusedUnderTheLock() throws Exception {
        StartBarrier barrier = new StartBarrier();
        StartBarrier.Ticket asked = barrier.ticket();
        barrier.fencing();
        boolean[] ran = {false};
        assertNull(StartBarrier.spawn(asked, () -> {
            ran[0] = true;
            return child();
        }));
        assertFalse(ran[0], "nothing was spawned");
    }

    @Test
    void aFenceKillsThePostmasterSpawnedBeforeIt() throws Exception {
        StartBarrier barrier = new StartBarrier();
        StartBarrier.Ticket asked = barrier.ticket();
        Process p = StartBarrier.spawn(asked, this::child);
        assertTrue(p != null && p.isAlive(), "no fence yet: it lives");
        barrier.fencing();
        assertTrue(ends(p), "the fence kills it by its handle, whether or not it joined PostgreSQL's group yet");
        assertTrue(barrier.ticket().fences() > asked.fences());
    }

    /** Only the last spawn is the fence's to kill: an earlier one has exited or was killed by an earlier fence. */
    @Test
    void aStartAskedAfterTheFenceRuns() throws Exception {
        StartBarrier barrier = new StartBarrier();
        barrier.fencing();
        StartBarrier.Ticket asked = barrier.ticket();
        Process p = StartBarrier.spawn(asked, this::child);
        assertTrue(p != null && p.isAlive(), "the step decided it after the fence: not this barrier's to stop");
    }

    /** While a spawn holds the lock, a fence waits for it, and then kills what it spawned. */
    @Test
    void aFenceDuringASpawnWaitsForItAndKillsItsChild() throws Exception {
        StartBarrier barrier = new StartBarrier();
        StartBarrier.Ticket asked = barrier.ticket();
        CountDownLatch spawning = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Process[] spawned = new Process[1];
        Thread start = new Thread(() -> {
            try {
                spawned[0] = StartBarrier.spawn(asked, () -> {
                    spawning.countDown();
                    try {
                        release.await(); // the fence comes now, and must wait
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                    return child();
                });
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        start.start();
        assertTrue(spawning.await(5, TimeUnit.SECONDS));
        Thread fence = new Thread(barrier::fencing);
        fence.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (fence.getState() != Thread.State.BLOCKED && System.nanoTime() < deadline) Thread.onSpinWait();
        assertEquals(Thread.State.BLOCKED, fence.getState(), "the fence waits while the spawn holds the lock");
        release.countDown();
        start.join(5_000);
        fence.join(5_000);
        assertTrue(ends(spawned[0]), "spawned before the fence counted itself: killed by it");
    }

    @Test
    void aStartOutsideTheDaemonIsNeverStopped() throws Exception {
        Process p = StartBarrier.spawn(StartBarrier.Ticket.NONE, this::child);
        assertTrue(p.isAlive());
    }
}
