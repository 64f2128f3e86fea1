package vigil.daemon.watchdog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vigil.config.WatchdogMode;
import vigil.config.WatchdogSettings;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.daemon.watchdog.ArmResult.Outcome;
import vigil.daemon.watchdog.ArmResult.Reason;

/**
 * The driver against what this machine may safely open: FIFOs, regular files and /dev/null (a character device
 * that is no watchdog), plus {@link ScriptedSyscalls} for the answers of a real device. Never a real watchdog.
 */
class WatchdogTest {
    @TempDir
    Path dir;
    final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    final Log log = new Log("n1", new PrintStream(logged, true, StandardCharsets.UTF_8), Priority.DEBUG);

    static WatchdogSettings settings(WatchdogMode mode, Path device) {
        return new WatchdogSettings(mode, device, Duration.ofSeconds(1), Duration.ofMillis(100));
    }

    Path fifo() throws Exception {
        Path f = dir.resolve("watchdog");
        assertEquals(0, new ProcessBuilder("mkfifo", f.toString()).start().waitFor());
        return f;
    }

    long lines(String event) {
        return logged.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains(" event=" + event + " ")).count();
    }

    @Test
    void fifoIsADeviceWithoutTimeoutControlAndDisarmWritesTheMagicByteLast() throws Exception {
        Path fifo = fifo();
        // A short-lived read-write handle lets the read end open at once, before the driver's writer does.
        RandomAccessFile keeper = new RandomAccessFile(fifo.toFile(), "rw");
        InputStream reader = new FileInputStream(fifo.toFile());
        Watchdog w = new Watchdog(settings(WatchdogMode.REQUIRED, fifo), log);

        ArmResult r = w.arm();
        keeper.close(); // from now on the driver is the only writer: EOF comes with its close
        CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> readToEof(reader));

        assertEquals(Outcome.ARMED_WITHOUT_TIMEOUT_CONTROL, r.outcome(), r.detail());
        assertEquals(Reason.NOT_A_WATCHDOG_DEVICE, r.reason());
        assertTrue(r.armed() && w.armed() && r.detail().contains("ENOTTY"), r.detail());
        assertEquals(1, r.timeoutSeconds());
        assertEquals(1100, r.effectiveTimeoutMs());
        assertEquals(1100, w.effectiveTimeoutMs());
        assertSame(r, w.arm(), "arming an armed watchdog changes nothing");
        assertTrue(w.kick() && w.kick() && w.kick());
        assertTrue(w.disarm());
        assertFalse(w.armed());
        assertFalse(w.kick(), "no kick after the magic close");

        assertArrayEquals("kkkV".getBytes(StandardCharsets.US_ASCII), received.get(5, TimeUnit.SECONDS));
        assertEquals(1, lines("watchdog_armed"));
        assertEquals(1, lines("watchdog_disarmed"));
        assertEquals(0, lines("watchdog_kick_failed"));
    }

    /** Reads until the last writer closes (not readAllBytes: JDK 17's asks a FIFO for its position). */
    private static byte[] readToEof(InputStream in) {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[64];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void fifoWithoutReaderFailsTheArmInsteadOfBlocking() throws Exception {
        Path fifo = fifo();
        ArmResult auto = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> new Watchdog(settings(WatchdogMode.AUTO, fifo), log).arm());
        assertEquals(Outcome.UNAVAILABLE, auto.outcome());
        assertEquals(Reason.OPEN_FAILED, auto.reason());
        assertTrue(auto.detail().contains("ENXIO"), auto.detail());
        assertFalse(auto.armed() || auto.fatal());

        ArmResult required = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> new Watchdog(settings(WatchdogMode.REQUIRED, fifo), log).arm());
        assertEquals(Outcome.FAILED, required.outcome());
        assertTrue(required.fatal());
        assertEquals(1, lines("watchdog_failed"));
    }

    @Test
    void regularFileGetsEveryKickAndTheMagicByteLast() throws Exception {
        Path file = Files.createFile(dir.resolve("fake-watchdog"));
        Watchdog w = new Watchdog(settings(WatchdogMode.AUTO, file), log);
        ArmResult r = w.arm();
        assertEquals(Outcome.ARMED_WITHOUT_TIMEOUT_CONTROL, r.outcome(), r.detail());
        assertTrue(w.kick() && w.kick());
        assertTrue(w.disarm());
        assertEquals("kkV", Files.readString(file));
        assertTrue(w.disarm(), "disarming twice is harmless");
        assertEquals("kkV", Files.readString(file));
    }

    @Test
    void missingDeviceInAutoModeWarnsOnceAndRunsWithout() {
        Watchdog w = new Watchdog(settings(WatchdogMode.AUTO, dir.resolve("nope")), log);
        ArmResult first = w.arm();
        ArmResult second = w.arm();
        assertEquals(Outcome.UNAVAILABLE, first.outcome());
        assertEquals(Reason.DEVICE_MISSING, second.reason());
        assertFalse(w.armed() || first.fatal());
        assertFalse(w.kick());
        assertEquals(1, lines("watchdog_unavailable"), logged.toString(StandardCharsets.UTF_8));
        assertEquals(1100, w.effectiveTimeoutMs(), "unarmed: the configured timeout + slack");
    }

    @Test
    void missingDeviceInRequiredModeIsFatal() {
        ArmResult r = new Watchdog(settings(WatchdogMode.REQUIRED, dir.resolve("nope")), log).arm();
        assertEquals(Outcome.FAILED, r.outcome());
        assertEquals(Reason.DEVICE_MISSING, r.reason());
        assertTrue(r.fatal());
        assertTrue(logged.toString(StandardCharsets.UTF_8).contains("vigild does not run without it"));
    }

    @Test
    void modeOffNeverTouchesTheDevice() {
        ScriptedSyscalls sys = new ScriptedSyscalls();
        Watchdog w = new Watchdog(settings(WatchdogMode.OFF, Path.of("/dev/null")), log, () -> sys);
        assertEquals(Outcome.OFF, w.arm().outcome());
        assertFalse(w.kick());
        assertTrue(w.disarm());
        assertEquals(List.of(), sys.calls);
        assertEquals(1, lines("watchdog_off"));
    }

    @Test
    void characterDeviceWithoutTimeoutControlIsRefusedAndClosedWithTheMagicByte() {
        // /dev/null answers ENOTTY like a FIFO, but a character device with an unknown timeout gives no proof
        ArmResult r = new Watchdog(settings(WatchdogMode.AUTO, Path.of("/dev/null")), log).arm();
        assertEquals(Outcome.UNAVAILABLE, r.outcome());
        assertEquals(Reason.NO_TIMEOUT_CONTROL, r.reason());
        assertTrue(r.detail().contains("ENOTTY") && r.detail().contains("closed it with the magic byte"), r.detail());
    }

    @Test
    void realDeviceTimeoutIsSetThenReadBackAndDisarmEndsWithTheMagicClose() {
        ScriptedSyscalls sys = new ScriptedSyscalls();
        Watchdog w = new Watchdog(settings(WatchdogMode.REQUIRED, Path.of("/dev/null")), log, () -> sys);
        ArmResult r = w.arm();
        assertEquals(Outcome.ARMED, r.outcome());
        assertEquals(Reason.TIMEOUT_SET, r.reason());
        assertEquals(1100, w.effectiveTimeoutMs());
        assertTrue(w.kick());
        assertTrue(w.disarm());
        assertEquals(List.of("open", "set 1", "get", "write k", "write V", "close"), sys.calls);
    }

    @Test
    void deviceRunningAShorterTimeoutIsArmedWithIt() {
        ScriptedSyscalls sys = new ScriptedSyscalls();
        Watchdog w = new Watchdog(new WatchdogSettings(WatchdogMode.REQUIRED, Path.of("/dev/null"),
                Duration.ofSeconds(3), Duration.ofMillis(100)), log, () -> sys);
        sys.setsTo = 2;
        ArmResult r = w.arm();
        assertEquals(Outcome.ARMED, r.outcome());
        assertEquals(2, r.timeoutSeconds());
        assertEquals(2100, w.effectiveTimeoutMs());
    }

    @Test
    void deviceRunningALongerTimeoutIsRefusedAndMagicClosed() {
        ScriptedSyscalls sys = new ScriptedSyscalls();
        sys.setsTo = 2;
        ArmResult r = new Watchdog(settings(WatchdogMode.REQUIRED, Path.of("/dev/null")), log, () -> sys).arm();
        assertEquals(Outcome.FAILED, r.outcome());
        assertEquals(Reason.TIMEOUT_NOT_HONOURED, r.reason());
        assertEquals(List.of("open", "set 1", "get", "write V", "close"), sys.calls);
    }

    @Test
    void deviceRefusingTheTimeoutIsClosedWithTheMagicByte() {
        ScriptedSyscalls sys = new ScriptedSyscalls();
        sys.setErrno = ErrnoException.EOPNOTSUPP;
        ArmResult r = new Watchdog(settings(WatchdogMode.AUTO, Path.of("/dev/null")), log, () -> sys).arm();
        assertEquals(Outcome.UNAVAILABLE, r.outcome());
        assertEquals(Reason.NO_TIMEOUT_CONTROL, r.reason());
        assertEquals(List.of("open", "set 1", "write V", "close"), sys.calls);
    }

    @Test
    void deviceHeldByAnotherProcessSaysWhoToStop() {
        ScriptedSyscalls sys = new ScriptedSyscalls();
        sys.openErrno = ErrnoException.EBUSY;
        ArmResult r = new Watchdog(settings(WatchdogMode.AUTO, Path.of("/dev/null")), log, () -> sys).arm();
        assertEquals(Reason.OPEN_FAILED, r.reason());
        assertTrue(logged.toString(StandardCharsets.UTF_8).contains("RuntimeWatchdogSec"), logged.toString());
    }

    @Test
    void kickFailuresAreLoggedRateLimitedWithACount() {
        ScriptedSyscalls sys = new ScriptedSyscalls();
        Watchdog w = new Watchdog(settings(WatchdogMode.REQUIRED, Path.of("/dev/null")), log, () -> sys);
        w.arm();
        sys.writeErrnos.addAll(List.of(ErrnoException.EAGAIN, ErrnoException.EAGAIN, ErrnoException.EAGAIN));
        assertFalse(w.kick());
        assertFalse(w.kick());
        assertFalse(w.kick());
        assertTrue(w.kick());
        assertEquals(1, lines("watchdog_kick_failed"), logged.toString(StandardCharsets.UTF_8));
        assertTrue(logged.toString(StandardCharsets.UTF_8).contains("event=watchdog_kick_ok device=/dev/null failed_kicks=3"),
                logged.toString(StandardCharsets.UTF_8));
    }

    @Test
    void failedMagicCloseIsAnError() {
        ScriptedSyscalls sys = new ScriptedSyscalls();
        Watchdog w = new Watchdog(settings(WatchdogMode.REQUIRED, Path.of("/dev/null")), log, () -> sys);
        w.arm();
        sys.writeErrnos.add(ErrnoException.EIO);
        assertFalse(w.disarm());
        assertFalse(w.armed());
        assertEquals(List.of("open", "set 1", "get", "write V", "close"), sys.calls);
        assertEquals(1, lines("watchdog_disarm_failed"));
    }

    @Test
    void aKickAllocatesNothing() throws Exception {
        Path file = Files.createFile(dir.resolve("fake-watchdog"));
        Watchdog w = new Watchdog(settings(WatchdogMode.AUTO, file), log);
        assertTrue(w.arm().armed());
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        for (int i = 0; i < 20_000; i++) {
            w.kick(); // warm up: class loading and JIT compilation allocate
        }
        long before = threads.getThreadAllocatedBytes(self);
        boolean all = true;
        for (int i = 0; i < 20_000; i++) {
            all &= w.kick();
        }
        long allocated = threads.getThreadAllocatedBytes(self) - before;
        assertTrue(all);
        // less than one byte per kick: no kick allocates (the smallest object is 16 bytes); the rest is the JIT's
        assertTrue(allocated < 20_000, "20,000 kicks allocated " + allocated + " bytes");
        assertTrue(w.disarm());
        assertEquals(40_001, Files.size(file));
    }
}
