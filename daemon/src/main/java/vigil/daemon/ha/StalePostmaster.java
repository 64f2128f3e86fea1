package vigil.daemon.ha;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A postmaster killed with SIGKILL stays a zombie until init reaps it (pg_ctl daemonises it, so vigild is not
 * its parent). While the zombie exists, its PID in postmaster.pid still passes PostgreSQL's {@code kill(pid, 0)}
 * liveness check and a new postmaster refuses to start ("lock file already exists"): a start attempted then
 * fails at once and would be counted as a failed restart. Waiting for the zombie to go is safe: it is dead
 * already, and nothing else is touched; a live postmaster is never waited for (pg_ctl reports it).
 */
final class StalePostmaster {
    private static final long POLL_MS = 20;

    private StalePostmaster() {
    }

    /** Waits (at most {@code limit}) while {@code pid} is a zombie; returns true when none is left. */
    static boolean awaitReaped(Optional<Long> pid, Duration limit) {
        if (pid.isEmpty()) {
            return true;
        }
        long deadline = System.nanoTime() + limit.toNanos();
        while (state(pid.get()) == 'Z') {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** The process state letter from /proc/PID/stat ('R', 'S', 'Z', ...), or 0 when there is no such process. */
    static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            int close = stat.lastIndexOf(')');
            return close > 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
