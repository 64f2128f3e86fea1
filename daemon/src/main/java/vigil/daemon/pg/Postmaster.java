package vigil.daemon.pg;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import vigil.daemon.pg.CommandResult.Failure;

/**
 * Starts the postmaster as a child of vigild instead of through {@code pg_ctl start}, which daemonises it. A
 * daemonised postmaster that is killed stays a zombie until init reaps it (every ~2 s on some hosts); meanwhile its
 * PID still "exists", so the next start refuses the stale postmaster.pid and a crash costs seconds. As a child (in
 * its own session, so a terminal's Ctrl-C does not reach it) it is reaped the instant it dies. If vigild itself
 * dies, the postmaster is re-parented to init and keeps serving, as with pg_ctl. It is started inside PostgreSQL's
 * {@link PgProcesses} group, so a self-fence finds every process it forks, whichever session they are in.
 *
 * <p>Ready means what {@code pg_ctl -w} means: the status line PostgreSQL writes into postmaster.pid says
 * {@code ready} (accepting connections) or {@code standby} (hot standby accepting read-only connections).
 */
final class Postmaster {
    private static final int STATUS_LINE = 8;
    private static final PgProcesses NO_GROUP = PgProcesses.processTree("no group given");

    private Postmaster() {}

    /** The start without a process group (the postmaster is then found through postmaster.pid and /proc). */
    static CommandResult start(List<String> wrappedArgv, Path dataDir, Path logFile, Duration timeout,
                               OsAccount account) {
        return start(wrappedArgv, dataDir, logFile, timeout, account, NO_GROUP);
    }

    /**
     * Starts {@code wrappedArgv} (the postgres command line, already made to run as the OS user) in its own session
     * and in {@code group}, joined before exec so that every backend it forks is in the group too; returns once it
     * is ready, has exited, or {@code timeout} passed (then it is left running). A frozen group is refused: the
     * postmaster would be frozen at birth and the start would only time out.
     */
    static CommandResult start(List<String> wrappedArgv, Path dataDir, Path logFile, Duration timeout,
                               OsAccount account, PgProcesses group) {
        return start(wrappedArgv, dataDir, logFile, timeout, account, group, () -> { });
    }

    /**
     * As above; {@code exited} runs (on a JVM thread, once) the moment the postmaster exits, whenever that is: it is
     * this process's child, so its end is known at once instead of at the next probe.
     */
    static CommandResult start(List<String> wrappedArgv, Path dataDir, Path logFile, Duration timeout,
                               OsAccount account, PgProcesses group, Runnable exited) {
        return start(wrappedArgv, dataDir, logFile, timeout, account, group, exited, StartBarrier.Ticket.NONE);
    }

    /**
     * As above, for a start asked with {@code ticket}: it spawns nothing (CANCELLED) when a fence came since
     * ({@link StartBarrier}).
     */
    static CommandResult start(List<String> wrappedArgv, Path dataDir, Path logFile, Duration timeout,
                               OsAccount account, PgProcesses group, Runnable exited, StartBarrier.Ticket ticket) {
        long started = System.nanoTime();
        List<String> argv = new ArrayList<>();
        argv.add("setsid");
        argv.addAll(group.wrap(wrappedArgv));
        try {
            group.ensureExists();
        } catch (IOException e) {
            return CommandResult.failed(argv, "cannot create PostgreSQL's " + group.describe() + ": " + e.getMessage());
        }
        if (group.frozen() && !group.thawIfEmpty()) {
            return CommandResult.failed(argv, "PostgreSQL's " + group.describe() + " is frozen (cgroup.freeze = 1)"
                    + " with processes in it: a postmaster started in it could not run — they are fenced first");
        }
        Optional<Long> stalePid = pidInFile(dataDir);
        Process p;
        try {
            if (!Files.exists(logFile)) {
                Files.createFile(logFile);
                account.own(logFile);
            }
            ProcessBuilder builder = new ProcessBuilder(argv).directory(new File("/"))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            p = StartBarrier.spawn(ticket, builder::start);
            if (p == null) return fencedMeanwhile(argv, started);
            p.onExit().thenRun(exited); // setsid, the cgroup's sh and setpriv all exec: p is the postmaster
        } catch (IOException e) {
            return CommandResult.failed(argv, "cannot start the postmaster: " + e.getMessage());
        }
        long deadline = started + timeout.toNanos();
        boolean standby = Files.exists(dataDir.resolve("standby.signal"));
        long lookedAt = started;
        while (System.nanoTime() < deadline) {
            Optional<String> status = statusLine(dataDir, stalePid);
            if (status.isPresent() && (status.get().startsWith("ready") || status.get().startsWith("standby"))) {
                return new CommandResult(argv, 0, Duration.ofNanos(System.nanoTime() - started), "");
            }
            if (standby && System.nanoTime() - lookedAt >= WAITING_LOOK_NANOS) {
                // A standby whose replay waits for a segment it does not have is started: it takes connections only
                // once that WAL comes, which may be never (its upstream removed it). The supervisor sees that and acts;
                // waiting here for the whole timeout would only delay it.
                lookedAt = System.nanoTime();
                Optional<String> waits = Recovery.waitingFor(dataDir);
                if (waits.isPresent()) {
                    return new CommandResult(argv, 0, Duration.ofNanos(System.nanoTime() - started),
                            "started, not yet consistent: its replay waits for WAL segment " + waits.get());
                }
            }
            if (!p.isAlive()) {
                return new CommandResult(argv, p.exitValue(), Duration.ofNanos(System.nanoTime() - started),
                        tail(logFile));
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                // Preempted (e.g. by a self-fence, which kills the group itself): stop waiting, keep the interrupt.
                Thread.currentThread().interrupt();
                return new CommandResult(argv, CommandRunner.TIMED_OUT, Duration.ofNanos(System.nanoTime() - started),
                        "interrupted while waiting for the postmaster (pid " + p.pid() + ") to be ready; it was left running\n"
                                + tail(logFile));
            }
        }
        // Like pg_ctl -w -t: report the failure, leave a slow start running; the probe will see what comes of it.
        return new CommandResult(argv, CommandRunner.TIMED_OUT, Duration.ofNanos(System.nanoTime() - started),
                "not ready within " + timeout.toSeconds() + " s\n" + tail(logFile));
    }

    private static CommandResult fencedMeanwhile(List<String> argv, long started) {
        return new CommandResult(argv, 1, Duration.ofNanos(System.nanoTime() - started),
                "not started: a fence came after this start was asked", Failure.CANCELLED);
    }

    /** How often a standby's start looks whether its replay waits for WAL it does not have. */
    private static final long WAITING_LOOK_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(500);

    /** postmaster.pid's status line, once the file belongs to a postmaster other than {@code stalePid}. */
    private static Optional<String> statusLine(Path dataDir, Optional<Long> stalePid) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
            if (lines.size() < STATUS_LINE) return Optional.empty();
            long pid = Long.parseLong(lines.get(0).trim());
            if (stalePid.isPresent() && stalePid.get() == pid) return Optional.empty();
            return Optional.of(lines.get(STATUS_LINE - 1).trim());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<Long> pidInFile(Path dataDir) {
        try {
            return Optional.of(Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String tail(Path log) {
        try {
            String text = Files.readString(log);
            return text.length() > 2048 ? text.substring(text.length() - 2048) : text;
        } catch (IOException e) {
            return "";
        }
    }
}
