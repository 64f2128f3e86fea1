package vigil.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fake device with the test as its writer (as vigild's driver would be): no namespaces needed. */
class FakeWatchdogTest {
    /** Long enough that a test thread stalled by a loaded machine does not miss a kick (kicks come every 100 ms). */
    static final Duration TIMEOUT = Duration.ofSeconds(1);
    static final Duration LIMIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    final AtomicInteger resetActions = new AtomicInteger();
    FakeWatchdog fake;

    FakeWatchdog start() {
        fake = FakeWatchdog.create(dir.resolve("n1/watchdog"), TIMEOUT, resetActions::incrementAndGet);
        return fake;
    }

    @AfterEach
    void close() {
        if (fake != null) {
            fake.close();
        }
    }

    /** Opens the write end like the driver (the reader is always there, so this returns at once). */
    OutputStream open() throws IOException {
        return new FileOutputStream(fake.path().toFile());
    }

    static void poll(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not " + what + " within " + LIMIT);
            Thread.sleep(5);
        }
    }

    /** Kicks every 100 ms for {@code span}: well inside the timeout. */
    static void keepKicking(OutputStream w, Duration span) throws Exception {
        long end = System.nanoTime() + span.toNanos();
        while (System.nanoTime() < end) {
            w.write('k');
            Thread.sleep(100);
        }
    }

    @Test
    void openArmsAndMagicCloseDisarms() throws Exception {
        start();
        assertFalse(fake.armed());
        assertTrue(fake.lastKickMonoMs().isEmpty());
        OutputStream w = open();
        fake.awaitArmed(LIMIT);
        keepKicking(w, Duration.ofMillis(1500));
        w.write('V');
        w.close();
        poll("disarmed by the magic close", () -> !fake.armed());
        double lastKick = fake.lastKickMonoMs().orElseThrow();
        // a disarmed fake never resets: give it two timeouts to prove it
        Thread.sleep(2 * TIMEOUT.toMillis());
        assertEquals(List.of(), fake.resets());
        assertEquals(0, resetActions.get());
        assertEquals(lastKick, fake.lastKickMonoMs().orElseThrow());
    }

    @Test
    void openWithoutAnyKickResetsAfterTheTimeout() throws Exception {
        start();
        double before = VigilCluster.monoNowMs();
        try (OutputStream w = open()) {
            FakeWatchdog.Reset r = fake.awaitResets(1, LIMIT).get(0);
            assertTrue(r.lastKickMonoMs() >= before, r + " vs open at " + before);
            assertTrue(r.monoMs() - r.lastKickMonoMs() >= TIMEOUT.toMillis(), r.toString());
            assertTrue(r.monoMs() - r.lastKickMonoMs() < TIMEOUT.toMillis() + 500, "late: " + r);
            poll("the reset action", () -> resetActions.get() == 1);
            assertFalse(fake.armed());
        }
    }

    @Test
    void closeWithoutMagicKeepsCountingAndResets() throws Exception {
        start();
        OutputStream w = open();
        keepKicking(w, Duration.ofMillis(1500));
        double beforeLastKick = VigilCluster.monoNowMs();
        w.write('k');
        w.close(); // a crashed daemon: the kernel says "unexpected close, not stopping watchdog"
        FakeWatchdog.Reset r = fake.awaitResets(1, LIMIT).get(0);
        assertTrue(r.lastKickMonoMs() >= beforeLastKick, r + ": the last kick came after " + beforeLastKick);
        assertTrue(r.monoMs() - r.lastKickMonoMs() >= TIMEOUT.toMillis(), r.toString());
        assertEquals(r.lastKickMonoMs(), fake.lastKickMonoMs().orElseThrow());
    }

    @Test
    void aMagicByteFollowedByMoreKicksIsNoMagicClose() throws Exception {
        start();
        OutputStream w = open();
        w.write('V');
        w.write('k');
        w.close();
        assertEquals(1, fake.awaitResets(1, LIMIT).size());
    }

    @Test
    void afterAResetOnlyANewOpenReArmsIt() throws Exception {
        start();
        OutputStream first = open();
        fake.awaitResets(1, LIMIT);
        keepKicking(first, Duration.ofMillis(2 * TIMEOUT.toMillis())); // a reset host writes nothing: ignored
        assertFalse(fake.armed());
        assertEquals(1, fake.resets().size());
        first.close();
        poll("the reset writer's close seen", () -> !fake.writerOpen());

        OutputStream second = open();
        fake.awaitArmed(LIMIT);
        assertTrue(fake.writerOpen());
        keepKicking(second, Duration.ofMillis(1500));
        assertEquals(1, fake.resets().size(), "kicks of the new session keep it alive");
        List<FakeWatchdog.Reset> resets = fake.awaitResets(2, LIMIT);
        assertTrue(resets.get(1).monoMs() > resets.get(0).monoMs());
        second.close();
        poll("both reset actions", () -> resetActions.get() == 2);
    }

    @Test
    void closeReturnsPromptlyAndRemovesTheFifo() throws Exception {
        start();
        assertTimeoutPreemptively(Duration.ofSeconds(5), fake::close, "reader waiting in open()");
        assertFalse(Files.exists(dir.resolve("n1/watchdog")));

        start();
        OutputStream w = open();
        fake.awaitArmed(LIMIT);
        assertTimeoutPreemptively(Duration.ofSeconds(5), fake::close, "reader blocked in read() of a live writer");
        w.close();
        assertEquals(List.of(), fake.resets());
    }
}
