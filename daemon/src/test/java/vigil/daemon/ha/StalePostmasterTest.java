package vigil.daemon.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StalePostmasterTest {
    @Test
    void noPidOrAGonePidNeedsNoWait() {
        assertTrue(StalePostmaster.awaitReaped(Optional.empty(), Duration.ZERO));
        assertEquals(0, StalePostmaster.state(Integer.MAX_VALUE + 7L));
        assertTrue(StalePostmaster.awaitReaped(Optional.of(Integer.MAX_VALUE + 7L), Duration.ZERO));
    }

    @Test
    void aLiveProcessIsNeverWaitedFor() {
        long self = ProcessHandle.current().pid();
        assertNotEquals('Z', StalePostmaster.state(self));
        long t0 = System.nanoTime();
        assertTrue(StalePostmaster.awaitReaped(Optional.of(self), Duration.ofSeconds(5)));
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(1).toNanos());
    }

    @Test
    void aZombieIsWaitedForUntilTheDeadline() throws Exception {
        // a child of a shell that never waits: after `kill -9` it stays a zombie until the shell exits
        Process sh = new ProcessBuilder("sh", "-c", "sleep 30 & echo $!; exec sleep 30").start();
        try {
            long child = Long.parseLong(new java.io.BufferedReader(new java.io.InputStreamReader(sh.getInputStream()))
                    .readLine().strip());
            // Only once the shell has become `sleep`: a shell still running would reap its killed child itself.
            java.nio.file.Path comm = java.nio.file.Path.of("/proc", Long.toString(sh.pid()), "comm");
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!java.nio.file.Files.readString(comm).strip().equals("sleep") && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals("sleep", java.nio.file.Files.readString(comm).strip(), "the shell never exec'd sleep");
            new ProcessBuilder("kill", "-9", Long.toString(child)).start().waitFor();
            deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (StalePostmaster.state(child) != 'Z' && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals('Z', StalePostmaster.state(child));
            long t0 = System.nanoTime();
            assertEquals(false, StalePostmaster.awaitReaped(Optional.of(child), Duration.ofMillis(200)));
            assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(200).toNanos());
        } finally {
            sh.descendants().forEach(ProcessHandle::destroyForcibly);
            sh.destroyForcibly();
        }
    }
}
