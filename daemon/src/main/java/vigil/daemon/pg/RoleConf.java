package vigil.daemon.pg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import vigil.daemon.pg.CommandResult.Failure;

/**
 * What the server is configured to be at its next start, or after a reload: a standby following an upstream (or
 * nobody), or a primary ({@link Postgres#configureStandby}, {@link Postgres#repoint}, {@link Postgres#configurePrimary}).
 *
 * <p>Invariants: the replication password reaches PostgreSQL only through vigil.pgpass (mode 0600, owned by the OS
 * user), never primary_conninfo itself; a primary's configuration has neither signal file nor primary_conninfo, and
 * removes the rejoin marker first (from then on it may write); detaching a running standby returns only once its WAL
 * receiver is gone, so it acknowledges nothing more to its former upstream, which synchronous mode relies on.
 */
final class RoleConf {
    /** How long detaching waits for the WAL receiver to stop after the reload. */
    private static final Duration RECEIVER_GONE = Duration.ofSeconds(5);

    private static final java.util.regex.Pattern HOST = java.util.regex.Pattern.compile("\\bhost=(?:'')?([^\\s'\\\\]+)");
    private static final java.util.regex.Pattern PORT = java.util.regex.Pattern.compile("\\bport=(?:'')?(\\d+)");

    private final PgCommands cmd;
    private final Postgres pg;
    private final PostgresFiles files;

    RoleConf(PgCommands cmd, Postgres pg) {
        this.cmd = cmd;
        this.pg = pg;
        this.files = cmd.files;
    }

    /** See {@link Postgres#configuredUpstream()}: read from vigil.conf's primary_conninfo. */
    Optional<Upstream> configuredUpstream() {
        String conninfo = files.readRoleSettings().getOrDefault("primary_conninfo", "");
        java.util.regex.Matcher host = HOST.matcher(conninfo);
        java.util.regex.Matcher port = PORT.matcher(conninfo);
        if (!host.find() || !port.find()) return Optional.empty();
        try {
            return Optional.of(new Upstream(host.group(1), Integer.parseInt(port.group(1))));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The standby's files for following {@code u} (nobody when null), without telling a running server. */
    void writeStandby(Upstream u) {
        Optional<String> pw = cmd.password();
        Map<String, String> changes = new HashMap<>();
        if (u == null) {
            // A standby of nobody: it replays its own WAL and streams from no one (the recorded primary whose server
            // stopped before its promotion; it is promoted from there).
            changes.put("primary_conninfo", PostgresFiles.quote(""));
        } else {
            Optional<Path> passfile = Optional.empty();
            if (pw.isPresent()) {
                passfile = Optional.of(files.data(PostgresFiles.PGPASS));
                files.writeOwned(passfile.get(), PostgresFiles.pgpassLine(cmd.s.replicationUser(), pw.get()), "rw-------");
            }
            changes.put("primary_conninfo", PostgresFiles.quote(cmd.conninfo(u, null, cmd.s.applicationName(), passfile)));
            changes.put("primary_slot_name", cmd.s.slots().enabled() ? PostgresFiles.quote(cmd.s.slots().own()) : null);
            changes.put("recovery_target_timeline", PostgresFiles.quote("latest"));
        }
        files.writeConf(changes);
        files.ensureInclude();
        files.writeAccess(pw.isPresent());
        files.touch(files.data("standby.signal"));
    }

    /** See {@link Postgres#repoint}. */
    CommandResult repoint(Upstream u) {
        if (u != null) {
            writeStandby(u);
            // The reload is what makes the running server take the new conninfo: failed, the standby stays on its old
            // upstream while vigil would name the new one (the action fails and the supervisor tries again).
            CommandResult reload = pg.reloadIfRunning();
            if (!reload.ok()) return reload;
            return CommandResult.nothingToDo("primary_conninfo points at " + u.host() + ":" + u.port());
        }
        Map<String, String> changes = new HashMap<>();
        changes.put("primary_conninfo", PostgresFiles.quote(""));
        files.writeConf(changes);
        if (!pg.running()) return CommandResult.nothingToDo("primary_conninfo cleared; PostgreSQL is not running");
        CommandResult reload = cmd.sql(PgCommands.QUICK, "SELECT pg_reload_conf()");
        if (!reload.ok()) return reload;
        long deadline = System.nanoTime() + RECEIVER_GONE.toNanos();
        CommandResult r;
        do {
            r = cmd.sql(PgCommands.QUICK, "SELECT count(*) FROM pg_stat_wal_receiver");
            if (r.ok() && r.outputTail().strip().equals("0")) return r;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return r.as(Failure.CANCELLED, "cancelled while waiting for the WAL receiver to stop");
            }
        } while (System.nanoTime() < deadline);
        return r.as(Failure.TIMEOUT, "the WAL receiver still runs " + RECEIVER_GONE.toSeconds() + " s after the reload");
    }

    /** See {@link Postgres#configurePrimary}. */
    void primary() {
        pg.forgetRejoined(); // from now on it may write
        try {
            Files.deleteIfExists(files.data("standby.signal"));
            Files.deleteIfExists(files.data("recovery.signal"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the signal files in " + cmd.s.dataDir(), e);
        }
        Map<String, String> changes = new HashMap<>();
        changes.put("primary_conninfo", null);
        changes.put("primary_slot_name", null);
        files.writeConf(changes);
        files.ensureInclude();
        files.writeAccess(cmd.password().isPresent());
        pg.reloadIfRunning();
    }
}
