package vigil.daemon.pg;

import java.time.Duration;
import java.util.Map;
import vigil.daemon.pg.CommandResult.Failure;

/**
 * A standby's promotion ({@link Postgres#promote(String, Runnable)}): {@code pg_promote(false)}, then
 * {@code pg_is_in_recovery()} every 5 ms until it is false (10 s at most), and nothing else (no CHECKPOINT: see
 * {@link Postgres#checkpoint()}); then {@link Postgres#configurePrimary()}.
 *
 * <p>Invariant: with synchronous standby names given, pg_promote runs only in a session that sees them in effect, so
 * the new primary waits for its synchronous standbys from its first commit. The value is written to vigil.conf and
 * reloaded first. A reload reaches every process asynchronously: a new session sees the postmaster's reloaded value,
 * and the checkpointer, which publishes whether synchronous standbys are defined, was signalled by then and applies it
 * within moments; a value already in vigil.conf when the standby started leaves no such window.
 *
 * <p>A failure can come after PostgreSQL began promoting (10 s passed, or a cancel): the probe tells what the server
 * became. The caller's {@code promoted} runs the moment pg_promote has returned true, before the configuration is
 * tidied up: the server takes writes from then on.
 */
final class Promotion {
    private static final int PROMOTE_WAIT_S = 10;
    /** How long promote waits for a reloaded synchronous_standby_names to be in effect before it gives up. */
    private static final Duration RELOAD_WAIT = Duration.ofSeconds(5);
    private static final String NOT_YET = "synchronous_standby_names is not yet in effect";

    private final PgCommands cmd;
    private final Postgres pg;

    Promotion(PgCommands cmd, Postgres pg) {
        this.cmd = cmd;
        this.pg = pg;
    }

    /** @param synchronousStandbyNames the value in effect before pg_promote runs; null: leave it as it is */
    CommandResult promote(String synchronousStandbyNames, Runnable promoted) {
        pg.forgetRejoined(); // from now on it may write
        String guard = "";
        if (synchronousStandbyNames != null) {
            Postgres.requireOneLine(synchronousStandbyNames);
            if (synchronousStandbyNames.contains("$vigil$")) {
                throw new IllegalArgumentException("synchronous_standby_names must not contain $vigil$");
            }
            cmd.files.writeConf(Map.of("synchronous_standby_names", PostgresFiles.quote(synchronousStandbyNames)));
            CommandResult reload = cmd.execute(PgCommands.QUICK, "SELECT pg_reload_conf()");
            if (!reload.ok()) {
                return reload;
            }
            guard = "IF current_setting('synchronous_standby_names') IS DISTINCT FROM "
                    + PostgresFiles.quote(synchronousStandbyNames) + " THEN RAISE EXCEPTION '" + NOT_YET + "'; END IF; ";
        }
        // pg_promote(true) looks every 100 ms whether recovery ended: measured, it returned 106-111 ms after it was
        // called, most of it that sleep. Signalled without waiting, the end is looked for every 5 ms instead.
        String promote = "DO $vigil$BEGIN " + guard + "IF NOT pg_promote(false) THEN RAISE EXCEPTION"
                + " 'the promotion could not be signalled'; END IF; FOR i IN 1.." + PROMOTE_WAIT_S * 200 + " LOOP"
                + " IF NOT pg_is_in_recovery() THEN RETURN; END IF; PERFORM pg_sleep(0.005); END LOOP;"
                + " RAISE EXCEPTION 'promotion did not finish within " + PROMOTE_WAIT_S + " s'; END$vigil$";
        long deadline = System.nanoTime() + RELOAD_WAIT.toNanos();
        CommandResult r = cmd.execute(PgCommands.QUICK, promote);
        while (!r.ok() && r.outputTail().contains(NOT_YET) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return r.as(Failure.CANCELLED, "cancelled while waiting for the reload; not promoted");
            }
            r = cmd.execute(PgCommands.QUICK, promote);
        }
        if (r.ok()) {
            promoted.run();
            pg.configurePrimary();
        }
        return r;
    }
}
