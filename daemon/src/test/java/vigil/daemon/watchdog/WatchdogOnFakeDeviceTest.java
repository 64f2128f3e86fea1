package vigil.daemon.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vigil.config.WatchdogMode;
import vigil.config.WatchdogSettings;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.daemon.watchdog.ArmResult.Outcome;
import vigil.testkit.FakeWatchdog;

/** The driver against the integration tests' fake device: what a node's vigild and the rig's "reset" will do. */
class WatchdogOnFakeDeviceTest {
    static final Duration LIMIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    FakeWatchdog fake;
    final Log log = new Log("n1", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            Priority.DEBUG);

    Watchdog driver() {
        fake = FakeWatchdog.create(dir.resolve("watchdog"), Duration.ofSeconds(1), () -> { });
        return new Watchdog(new WatchdogSettings(WatchdogMode.REQUIRED, fake.path(), Duration.ofSeconds(1),
                Duration.ofMillis(100)), log);
    }

    @AfterEach
    void close() {
        if (fake != null) {
            fake.close();
        }
    }

    @Test
    void kickedWatchdogNeverResetsAndMagicCloseDisarmsIt() throws Exception {
        Watchdog w = driver();
        assertEquals(Outcome.ARMED_WITHOUT_TIMEOUT_CONTROL, w.arm().outcome());
        fake.awaitArmed(LIMIT);
        long end = System.nanoTime() + Duration.ofMillis(2500).toNanos();
        while (System.nanoTime() < end) { // the loop's cadence is 10 ms; 100 ms is still ten kicks per timeout
            assertTrue(w.kick());
            Thread.sleep(100);
        }
        assertTrue(w.disarm());
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (fake.armed()) {
            assertTrue(System.nanoTime() < deadline, "the fake saw no magic close");
            Thread.sleep(5);
        }
        assertEquals(List.of(), fake.resets());
    }

    @Test
    void aDriverThatStopsKickingIsResetOneTimeoutAfterItsLastKick() throws Exception {
        Watchdog w = driver();
        assertTrue(w.arm().armed());
        double beforeKick = System.nanoTime() / 1e6;
        assertTrue(w.kick());
        FakeWatchdog.Reset r = fake.awaitResets(1, LIMIT).get(0);
        assertTrue(r.lastKickMonoMs() >= beforeKick, r + ": the fake counted the kick made after " + beforeKick);
        assertTrue(r.monoMs() - r.lastKickMonoMs() >= 1000 && r.monoMs() - r.lastKickMonoMs() < 1500, r.toString());
        assertTrue(w.armed(), "the driver cannot know: a real host would be gone");
    }

    @Test
    void reArmingRightAfterAMagicCloseNeverFindsTheFifoWithoutItsReader() {
        Watchdog w = driver();
        for (int i = 0; i < 200; i++) {
            ArmResult r = w.arm();
            assertTrue(r.armed(), "arm #" + i + ": " + r);
            assertTrue(w.kick());
            assertTrue(w.disarm());
        }
        assertEquals(List.of(), fake.resets());
    }
}
