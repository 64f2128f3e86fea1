package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Only an empty lock file, older than a starting server needs to fill it, while none of PostgreSQL's processes lives. */
class StartupRemnantsTest {
    @TempDir
    Path dir;

    private final Instant now = Instant.parse("2026-12-04T14:00:00Z");

    private Path file(String name, String content, long ageMs) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        Files.setLastModifiedTime(f, FileTime.from(now.minusMillis(ageMs)));
        return f;
    }

    @Test
    void anOldEmptyLockFileIsRemovedAndSaysWhy() throws Exception {
        Path pid = file("postmaster.pid", "", 10_000);
        Path socket = file(".s.PGSQL.5432.lock", "", 3_000);
        List<CommandResult> done = StartupRemnants.clear(List.of(pid, socket), () -> 0, now);
        assertFalse(Files.exists(pid));
        assertFalse(Files.exists(socket));
        assertEquals(List.of("unlink", pid.toString()), done.get(0).argv());
        assertEquals(0, done.get(0).exitCode());
        assertTrue(done.get(0).outputTail().startsWith("removed an empty lock file 10000 ms old"), done.get(0).outputTail());
        assertEquals(2, done.size());
    }

    @Test
    void aFreshEmptyOneMayBeAServerStartingAndStays() throws Exception {
        Path pid = file("postmaster.pid", "", StartupRemnants.STALE.toMillis() - 1);
        assertEquals(List.of(), StartupRemnants.clear(List.of(pid), () -> 0, now));
        assertTrue(Files.exists(pid));
    }

    /** A clock stepped back (a power loss, no RTC) leaves the file "in the future": that must not keep it forever. */
    @Test
    void aFileFromTheFutureIsOldToo() throws Exception {
        Path pid = file("postmaster.pid", "", -60_000);
        assertEquals(1, StartupRemnants.clear(List.of(pid), () -> 0, now).size());
        assertFalse(Files.exists(pid));
    }

    /** A server that is starting holds the file open until it has written its PID: never removed then. */
    @Test
    void aFileSomeProcessHoldsOpenStays() throws Exception {
        Path pid = file("postmaster.pid", "", 60_000);
        try (var held = java.nio.channels.FileChannel.open(pid, java.nio.file.StandardOpenOption.WRITE)) {
            assertTrue(StartupRemnants.heldOpen(pid));
            assertEquals(List.of(), StartupRemnants.clear(List.of(pid), () -> 0, now));
            assertTrue(Files.exists(pid));
        }
        assertFalse(StartupRemnants.heldOpen(pid), "closed");
    }

    @Test
    void aLockFileWithContentIsPostgresOwnToJudge() throws Exception {
        Path pid = file("postmaster.pid", "4242\n", 60_000);
        assertEquals(List.of(), StartupRemnants.clear(List.of(pid), () -> 0, now));
        assertTrue(Files.exists(pid));
    }

    @Test
    void nothingIsRemovedWhileAProcessOfThisPostgresLives() throws Exception {
        Path pid = file("postmaster.pid", "", 60_000);
        assertEquals(List.of(), StartupRemnants.clear(List.of(pid), () -> 1, now));
        assertTrue(Files.exists(pid));
        assertEquals(List.of(), StartupRemnants.clear(List.of(dir.resolve("absent.lock")), () -> 0, now), "none: nothing to do");
    }
}
