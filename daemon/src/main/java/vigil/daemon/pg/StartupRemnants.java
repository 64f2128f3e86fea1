package vigil.daemon.pg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The empty lock files a postmaster killed while starting leaves behind. A postmaster creates {@code postmaster.pid} in
 * the data directory and {@code .s.PGSQL.PORT.lock} beside its socket (O_CREAT|O_EXCL), then writes its PID into each
 * at once; killed in between, it leaves an empty file. PostgreSQL refuses to start beside one ("lock file ... is
 * empty: either another server is starting, or the lock file is the remnant of a previous server startup crash") and
 * leaves it to a human, so every restart vigild tried failed the same way until someone deleted it (SafetyIT in CI:
 * a self-fence killed the postmaster as it started).
 *
 * <p>Invariant: only an empty regular file that no process holds open, whose time is more than {@link #STALE} from
 * now either way, while no process of this PostgreSQL is alive, is removed. A server that is starting holds the file
 * open from its creation until it has written its PID (within microseconds), and a killed one holds nothing: so the
 * open-file check alone is exact, even for another server sharing the socket directory and port; the age (either way:
 * a clock stepped back after a power loss must not keep it forever) and the live processes are a second guard. A file
 * with content is PostgreSQL's own to judge.
 */
final class StartupRemnants {
    /** Far longer than a starting postmaster takes to write its PID into the file it has just created. */
    static final Duration STALE = Duration.ofSeconds(2);

    private StartupRemnants() {
    }

    /** Whether any process has {@code f} open (one pass over /proc/PID/fd, made only for an empty lock file). */
    static boolean heldOpen(Path f) {
        Path target = f.toAbsolutePath().normalize();
        try (java.nio.file.DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                try (java.nio.file.DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
                    for (Path fd : fds) {
                        try {
                            if (Files.readSymbolicLink(fd).equals(target)) return true;
                        } catch (IOException | UnsupportedOperationException e) {
                            // closed meanwhile
                        }
                    }
                } catch (IOException e) {
                    // the process ended meanwhile
                }
            }
        } catch (IOException e) {
            return true; // cannot tell: leave the file to a human, as PostgreSQL does
        }
        return false;
    }

    /** The lock files of the PostgreSQL on {@code port} with its data in {@code dataDir} and its socket in {@code socketDir}. */
    static List<Path> lockFiles(Path dataDir, Path socketDir, int port) {
        return List.of(dataDir.resolve("postmaster.pid"), socketDir.resolve(".s.PGSQL." + port + ".lock"));
    }

    /**
     * Removes the remnants among {@code lockFiles} when {@code liveProcesses} counts none; returns one result per file
     * removed (argv {@code unlink PATH}, how old it was) for the command log, or per removal that failed. The processes
     * are counted only once an empty lock file is found: every start passes here, and a remnant is rare.
     */
    static List<CommandResult> clear(List<Path> lockFiles, java.util.function.IntSupplier liveProcesses, Instant now) {
        List<CommandResult> done = new ArrayList<>();
        Integer live = null;
        for (Path f : lockFiles) {
            long started = System.nanoTime();
            try {
                if (!Files.isRegularFile(f) || Files.size(f) != 0) continue;
                Duration age = Duration.between(Files.getLastModifiedTime(f).toInstant(), now);
                if (age.abs().compareTo(STALE) < 0) continue;
                if (live == null) live = liveProcesses.getAsInt();
                if (live > 0 || heldOpen(f)) continue;
                Files.delete(f);
                done.add(new CommandResult(List.of("unlink", f.toString()), 0, Duration.ofNanos(System.nanoTime() - started),
                        "removed an empty lock file " + age.toMillis() + " ms old, left by a postmaster killed while it"
                                + " was starting (no process of this PostgreSQL is alive): PostgreSQL would refuse to"
                                + " start beside it"));
            } catch (IOException e) {
                done.add(new CommandResult(List.of("unlink", f.toString()), 1, Duration.ofNanos(System.nanoTime() - started),
                        "cannot remove the empty lock file a postmaster killed while starting left: " + e
                                + "; PostgreSQL will refuse to start until it is removed"));
            }
        }
        return done;
    }
}
