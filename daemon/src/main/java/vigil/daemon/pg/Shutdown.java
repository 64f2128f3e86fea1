package vigil.daemon.pg;

import java.time.Duration;
import java.util.List;
import vigil.daemon.pg.CommandResult.Failure;

/**
 * A shutdown of the local postmaster in a given mode ({@link Postgres#stop(StopMode)}): fast is SIGINT to the
 * postmaster, immediate is {@code pg_ctl stop -m immediate}; then a wait until the postmaster is gone (90 s at most,
 * else TIMEOUT).
 *
 * <p>Invariants: idempotent, since callers (fencing) want the outcome: with no postmaster running it runs nothing and
 * succeeds. It returns only once the postmaster is gone, looked at every 5 ms; a zombie counts as gone (PID 1 reaps
 * orphans only every second or two). pg_ctl's own wait ({@code -w}) looks every 100 ms: measured, a fast shutdown of
 * 20-30 ms took 113-117 ms with it, and a switchover's writes stand still for all of it.
 */
final class Shutdown {
    private static final Duration STOP = Duration.ofSeconds(90);

    private final PgCommands cmd;
    private final Postgres pg;

    Shutdown(PgCommands cmd, Postgres pg) {
        this.cmd = cmd;
        this.pg = pg;
    }

    CommandResult stop(StopMode mode) {
        if (!pg.running()) {
            return CommandResult.nothingToDo("PostgreSQL is not running");
        }
        long pid = pg.postmasterPid().orElseThrow();
        if (mode == StopMode.IMMEDIATE && Postgres.processState(pid) == 'T') {
            // A stopped (SIGSTOP) postmaster acts on no signal: queue the immediate-shutdown signal first, then let
            // it run, so it wakes straight into the shutdown (its backends quit at once) and not into normal work.
            CommandResult quit = cmd.runAsIs(List.of("kill", "-QUIT", Long.toString(pid)), PgCommands.QUICK, null);
            CommandResult cont = cmd.runAsIs(List.of("kill", "-CONT", Long.toString(pid)), PgCommands.QUICK, null);
            if (!quit.ok() || !cont.ok()) return quit.ok() ? cont : quit;
        }
        long start = System.nanoTime();
        // A fast shutdown is SIGINT to the postmaster, all pg_ctl would send; pg_ctl under runuser took 37 ms to start.
        CommandResult signalled = mode == StopMode.FAST
                ? cmd.runAsIs(List.of("kill", "-INT", Long.toString(pid)), PgCommands.QUICK, null)
                : cmd.run(PgCommands.QUICK, null, cmd.s.bin("pg_ctl").toString(), "stop", "-D",
                        cmd.s.configDir().toString(), "-m", mode.pgCtlName(), "-W");
        if (!signalled.ok()) return signalled;
        long deadline = start + STOP.toNanos();
        while (Postgres.alive(pid)) {
            if (System.nanoTime() > deadline) {
                return signalled.as(Failure.TIMEOUT, "the postmaster (pid " + pid + ") still runs " + STOP.toSeconds()
                        + " s after the " + mode.pgCtlName() + " shutdown was asked for");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return signalled.as(Failure.CANCELLED, "cancelled while waiting for the postmaster (pid " + pid + ") to exit");
            }
        }
        return new CommandResult(signalled.argv(), 0, Duration.ofNanos(System.nanoTime() - start),
                "[vigil: the postmaster (pid " + pid + ") exited]", Failure.NONE);
    }
}
