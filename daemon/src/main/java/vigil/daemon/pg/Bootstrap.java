package vigil.daemon.pg;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import vigil.daemon.pg.CommandResult.Failure;
import vigil.daemon.pg.Postgres.DataDirState;

/**
 * Makes the data directory a primary's: vigil's pg_hba and pg_ident blocks, the include line and vigil.conf; when
 * the directory is empty and the caller allows it, first initdb (with data checksums) and the replication role (its
 * password given on standard input to a single-user backend, so no server needs to run). Invariant: initdb runs only
 * with {@code mayInitialise}. Once a cluster exists, a new one would be another system: the standbys could not
 * follow it, and re-cloning them from it would lose every row they hold (that happened: issue 6). Without it an
 * empty data directory fails with {@link Failure#DATA_MISSING} and nothing runs, not even a mkdir; files that are
 * not a cluster fail with {@link Failure#FOREIGN_SYSTEM}.
 */
final class Bootstrap {
    private static final Duration INITDB = Duration.ofMinutes(10);

    private final PgCommands cmd;
    private final Postgres pg;
    private final PgSettings s;
    private final PostgresFiles files;

    Bootstrap(PgCommands cmd, Postgres pg) {
        this.cmd = cmd;
        this.pg = pg;
        this.s = cmd.s;
        this.files = cmd.files;
    }

    CommandResult initPrimary(boolean mayInitialise) {
        List<String> initdb = List.of(s.bin("initdb").toString(), "-D", s.dataDir().toString());
        DataDirState state = pg.dataDirState();
        if (state == DataDirState.FOREIGN_FILES) {
            return CommandResult.failed(initdb, Failure.FOREIGN_SYSTEM, "data_dir " + s.dataDir() + " is not empty but"
                    + " holds no PostgreSQL cluster (no PG_VERSION) — move its contents away, or point data_dir elsewhere");
        }
        boolean fresh = state == DataDirState.EMPTY;
        if (fresh && !mayInitialise) {
            return CommandResult.failed(initdb, Failure.DATA_MISSING, "data_dir " + s.dataDir() + " holds no PostgreSQL"
                    + " cluster and this node may not create one (the cluster exists already: a new one would be another"
                    + " system) — restore the data directory, or let this node be cloned from the primary");
        }
        if (fresh) {
            files.makeOwnedDir(s.dataDir());
            CommandResult r = cmd.run(INITDB, null, s.bin("initdb").toString(), "-D", s.dataDir().toString(),
                    "--data-checksums", "-U", s.superuser(), "--auth-local=peer", "--auth-host=scram-sha-256",
                    "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions");
            if (!r.ok()) {
                return r;
            }
        }
        if (!Files.isRegularFile(files.postgresqlConf())) {
            return CommandResult.failed(List.of(), files.postgresqlConf() + " does not exist — with config_dir set,"
                    + " create the cluster's configuration there first (Debian: pg_createcluster), or leave config_dir unset");
        }
        files.writeAccess(cmd.password().isPresent());
        files.ensureInclude();
        files.writeConf(Map.of());
        if (!fresh) {
            return CommandResult.nothingToDo("data directory " + s.dataDir() + " is already initialised; vigil's files refreshed");
        }
        return createReplicationRole();
    }

    private CommandResult createReplicationRole() {
        String role = "\"" + s.replicationUser() + "\"";
        String pw = cmd.password().map(p -> "PASSWORD " + PostgresFiles.quote(p)).orElse("PASSWORD NULL");
        String sql = String.join("\n",
                "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + s.replicationUser() + "') THEN"
                        + " CREATE ROLE " + role + " LOGIN REPLICATION; END IF; END$$;",
                "ALTER ROLE " + role + " LOGIN REPLICATION " + pw + ";",
                // what pg_rewind needs from a non-superuser source role
                "GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean) TO " + role + ";",
                "GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_file(text, boolean) TO " + role + ";",
                "GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text) TO " + role + ";",
                "GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO " + role + ";",
                "");
        // exit_on_error turns any failed statement into a non-zero exit; the statement text is never logged
        return cmd.run(PgCommands.QUICK, sql, s.bin("postgres").toString(), "--single", "-D", s.configDir().toString(),
                "-c", "exit_on_error=on", "-c", "log_min_error_statement=panic", "-c", "log_statement=none", "postgres");
    }
}
