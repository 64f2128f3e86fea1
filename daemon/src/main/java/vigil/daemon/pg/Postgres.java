package vigil.daemon.pg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The local PostgreSQL 15 instance: carries out what the daemon decided, never decides. Invariants: every
 * command runs as the OS user, has a timeout and is logged; the replication password is passed only through
 * files of mode 0600 owned by the OS user (never argv, environment or logs); a clone never leaves a half-written
 * data directory; PostgreSQL is started by nothing but {@link #start()}. Calls are blocking and meant to run
 * one at a time on one executor thread.
 */
public final class Postgres {
    private static final Pattern ROLE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Duration QUICK = Duration.ofSeconds(30);
    private static final Duration START = Duration.ofSeconds(45);
    private static final Duration STOP = Duration.ofSeconds(90);
    private static final Duration COPY = Duration.ofHours(2);

    private final PgSettings s;
    private final OsAccount account;
    private final PostgresFiles files;
    private final CommandRunner runner;
    private final CommandLog log;

    public Postgres(PgSettings s, CommandLog log) {
        for (String role : List.of(s.superuser(), s.replicationUser(), s.osUser())) {
            if (!ROLE_NAME.matcher(role).matches()) {
                throw new IllegalArgumentException("bad user name \"" + role + "\" — use lower-case letters, digits and '_'");
            }
        }
        this.s = s;
        this.account = OsAccount.of(s.osUser());
        this.files = new PostgresFiles(s, account);
        this.runner = new CommandRunner(log, () -> password().map(List::of).orElse(List.of()));
        this.log = log;
    }

    /**
     * The server this node's standby configuration points at (from vigil.conf's primary_conninfo), so a restarted
     * vigild knows whom its running standby follows instead of restarting it to be sure.
     */
    public Optional<Upstream> configuredUpstream() {
        String conninfo = files.readRoleSettings().getOrDefault("primary_conninfo", "");
        java.util.regex.Matcher host = Pattern.compile("\\bhost=(?:'')?([^\\s'\\\\]+)").matcher(conninfo);
        java.util.regex.Matcher port = Pattern.compile("\\bport=(?:'')?(\\d+)").matcher(conninfo);
        if (!host.find() || !port.find()) return Optional.empty();
        try {
            return Optional.of(new Upstream(host.group(1), Integer.parseInt(port.group(1))));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public boolean dataDirInitialised() {
        return Files.isRegularFile(s.dataDir().resolve("PG_VERSION"));
    }

    /** The PID in postmaster.pid; the file may be stale (a crash leaves it), so judge health by probing. */
    public Optional<Long> postmasterPid() {
        try {
            List<String> lines = Files.readAllLines(s.dataDir().resolve("postmaster.pid"), StandardCharsets.UTF_8);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether the PID in postmaster.pid is a live process (a reused PID can fool it; good enough to refuse copies). */
    boolean running() {
        return postmasterPid().map(Postgres::alive).orElse(false);
    }

    /** Alive and not a zombie: an exited postmaster stays a zombie until init reaps it, which can take seconds. */
    static boolean alive(long pid) {
        char state = processState(pid);
        return state != 0 && state != 'Z';
    }

    /** The process state letter from /proc (R, S, T, Z, ...), or 0 when there is no such process. */
    static char processState(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            int close = stat.lastIndexOf(')');
            if (close <= 0 || close + 2 >= stat.length()) return 0;
            char state = stat.charAt(close + 2);
            return state == 't' ? 'T' : state;
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Creates a new primary: initdb with data checksums when the data directory is empty, vigil's pg_hba and
     * pg_ident blocks, the include line and vigil.conf, and the replication role (with its password, given on
     * standard input to a single-user backend, so no server needs to run). On an initialised data directory it
     * only refreshes vigil's files.
     */
    public CommandResult initPrimary() {
        boolean fresh = !dataDirInitialised();
        if (fresh) {
            if (Files.isDirectory(s.dataDir()) && !isEmpty(s.dataDir())) {
                return CommandResult.failed(List.of(), "data_dir " + s.dataDir() + " is not empty but holds no PostgreSQL"
                        + " cluster (no PG_VERSION) — move its contents away, or point data_dir elsewhere");
            }
            files.makeOwnedDir(s.dataDir());
            CommandResult r = run(COPY, null, s.bin("initdb").toString(), "-D", s.dataDir().toString(), "--data-checksums",
                    "-U", s.superuser(), "--auth-local=peer", "--auth-host=scram-sha-256", "--encoding=UTF8",
                    "--locale=C.UTF-8", "--no-instructions");
            if (!r.ok()) {
                return r;
            }
        }
        if (!Files.isRegularFile(files.postgresqlConf())) {
            return CommandResult.failed(List.of(), files.postgresqlConf() + " does not exist — with config_dir set,"
                    + " create the cluster's configuration there first (Debian: pg_createcluster), or leave config_dir unset");
        }
        files.writeHba(password().isPresent());
        files.writeIdent();
        files.ensureInclude();
        files.writeConf(Map.of());
        if (!fresh) {
            return CommandResult.nothingToDo("data directory " + s.dataDir() + " is already initialised; vigil's files refreshed");
        }
        return createReplicationRole();
    }

    private CommandResult createReplicationRole() {
        String role = "\"" + s.replicationUser() + "\"";
        String pw = password().map(p -> "PASSWORD " + PostgresFiles.quote(p)).orElse("PASSWORD NULL");
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
        return run(QUICK, sql, s.bin("postgres").toString(), "--single", "-D", pgctlDir().toString(),
                "-c", "exit_on_error=on", "-c", "log_min_error_statement=panic", "-c", "log_statement=none", "postgres");
    }

    /**
     * Replaces the data directory with a fresh copy of {@code u} (pg_basebackup -X stream into a sibling
     * directory, then two renames). On failure the old data directory is left as it was.
     */
    public CommandResult cloneFrom(Upstream u) {
        Path clone = sibling(".vigil-clone");
        Path old = sibling(".vigil-old");
        List<String> argv = List.of(s.bin("pg_basebackup").toString(), "-D", clone.toString());
        if (running()) {
            return CommandResult.failed(argv, "PostgreSQL is running (pid " + postmasterPid().orElseThrow()
                    + ") — stop it before cloning over its data directory");
        }
        PostgresFiles.deleteTree(clone);
        files.makeOwnedDir(clone);
        Optional<Path> passfile = transientPassfile();
        try {
            CommandResult r = run(COPY, null, s.bin("pg_basebackup").toString(), "-D", clone.toString(),
                    "-d", conninfo(u, "replication", s.applicationName() + "-clone", passfile), "-X", "stream",
                    "--checkpoint=fast", "--no-password");
            if (!r.ok()) {
                PostgresFiles.deleteTree(clone);
                return r;
            }
            PostgresFiles.deleteTree(old);
            boolean hadData = Files.exists(s.dataDir());
            if (hadData) {
                Files.move(s.dataDir(), old, StandardCopyOption.ATOMIC_MOVE);
            }
            try {
                Files.move(clone, s.dataDir(), StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (hadData) {
                    Files.move(old, s.dataDir(), StandardCopyOption.ATOMIC_MOVE); // put the old one back
                }
                PostgresFiles.deleteTree(clone);
                throw e;
            }
            PostgresFiles.deleteTree(old);
            // the copy carries the upstream's vigil.conf and signal files: make them this node's, not yet a standby
            Files.deleteIfExists(files.data("standby.signal"));
            Files.deleteIfExists(files.data(PostgresFiles.PGPASS));
            files.ensureInclude();
            files.writeConf(Map.of("primary_conninfo", "''"));
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the clone of " + u + " into " + s.dataDir(), e);
        } finally {
            deletePassfile(passfile);
        }
    }

    /**
     * Makes the next start (or a reload) follow {@code u}: vigil.conf gets primary_conninfo (application_name =
     * this node, the password via vigil.pgpass) and recovery_target_timeline = 'latest'; standby.signal is created.
     */
    public void configureStandby(Upstream u) {
        Optional<Path> passfile = Optional.empty();
        Optional<String> pw = password();
        if (pw.isPresent()) {
            passfile = Optional.of(files.data(PostgresFiles.PGPASS));
            files.writeOwned(passfile.get(), PostgresFiles.pgpassLine(s.replicationUser(), pw.get()), "rw-------");
        }
        Map<String, String> changes = new HashMap<>();
        changes.put("primary_conninfo", PostgresFiles.quote(conninfo(u, null, s.applicationName(), passfile)));
        changes.put("recovery_target_timeline", PostgresFiles.quote("latest"));
        files.writeConf(changes);
        files.ensureInclude();
        files.touch(files.data("standby.signal"));
        reloadIfRunning();
    }

    /** Makes the next start a primary: no standby.signal or recovery.signal, no primary_conninfo. */
    public void configurePrimary() {
        try {
            Files.deleteIfExists(files.data("standby.signal"));
            Files.deleteIfExists(files.data("recovery.signal"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the signal files in " + s.dataDir(), e);
        }
        Map<String, String> changes = new HashMap<>();
        changes.put("primary_conninfo", null);
        files.writeConf(changes);
        files.ensureInclude();
        reloadIfRunning();
    }

    /**
     * pg_ctl start -w: returns once PostgreSQL accepts connections (or failed to within 30 s). vigil.conf's
     * base settings (port, listen and socket addresses, WAL settings) are rewritten from the config first.
     */
    public CommandResult start() {
        List<String> argv = List.of(s.bin("pg_ctl").toString(), "start", "-D", pgctlDir().toString());
        if (!dataDirInitialised() || !Files.isRegularFile(files.postgresqlConf())) {
            return CommandResult.failed(argv, "no PostgreSQL cluster in " + s.dataDir() + " (or no "
                    + files.postgresqlConf() + ") — initialise a primary or clone a standby first");
        }
        files.writeConf(Map.of());
        files.ensureInclude();
        List<String> postmaster;
        try {
            postmaster = account.exec(List.of(s.bin("postgres").toString(), "-D", pgctlDir().toString()));
        } catch (IllegalStateException e) {
            return CommandResult.failed(argv, e.getMessage());
        }
        CommandResult r = Postmaster.start(postmaster, s.dataDir(), files.data("postmaster.log"), START, account);
        log.ran(r);
        return r;
    }

    /**
     * pg_ctl stop -w in the given mode; returns once the postmaster is gone (or after 60 s, failed). Idempotent:
     * when no postmaster is running it runs nothing and succeeds, since callers (fencing) want the outcome.
     */
    public CommandResult stop(StopMode mode) {
        if (!running()) {
            return CommandResult.nothingToDo("PostgreSQL is not running");
        }
        long pid = postmasterPid().orElseThrow();
        if (mode == StopMode.IMMEDIATE && processState(pid) == 'T') {
            // A stopped (SIGSTOP) postmaster acts on no signal: queue the immediate-shutdown signal first, then let
            // it run, so it wakes straight into the shutdown (its backends quit at once) and not into normal work.
            CommandResult quit = runner.run(List.of("kill", "-QUIT", Long.toString(pid)), QUICK, null);
            CommandResult cont = runner.run(List.of("kill", "-CONT", Long.toString(pid)), QUICK, null);
            if (!quit.ok() || !cont.ok()) return quit.ok() ? cont : quit;
        }
        return run(STOP, null, s.bin("pg_ctl").toString(), "stop", "-D", pgctlDir().toString(), "-m", mode.pgCtlName(),
                "-w", "-t", "60");
    }

    /** pg_promote(wait, 10 s) and a CHECKPOINT (so the new timeline is durable and pg_rewind can use it); then {@link #configurePrimary()}. */
    public CommandResult promote() {
        CommandResult r = sql(QUICK, "DO $$BEGIN IF NOT pg_promote(true, 10) THEN"
                + " RAISE EXCEPTION 'promotion did not finish within 10 s'; END IF; END$$", "CHECKPOINT");
        if (r.ok()) {
            configurePrimary();
        }
        return r;
    }

    /**
     * pg_rewind from {@code u} (PostgreSQL must be stopped; an unclean shutdown is finished by pg_rewind itself
     * in single-user mode). vigil.conf and vigil.pgpass are kept: pg_rewind would copy the source's. Follow with
     * {@link #configureStandby(Upstream)} and {@link #start()}.
     */
    public CommandResult rewind(Upstream u) {
        List<String> argv = new ArrayList<>(List.of(s.bin("pg_rewind").toString(), "--target-pgdata=" + s.dataDir()));
        if (running()) {
            return CommandResult.failed(argv, "PostgreSQL is running (pid " + postmasterPid().orElseThrow()
                    + ") — stop it before pg_rewind");
        }
        Optional<byte[]> conf = PostgresFiles.readIfExists(files.data(PostgresFiles.CONF));
        Optional<byte[]> pgpass = PostgresFiles.readIfExists(files.data(PostgresFiles.PGPASS));
        Optional<Path> passfile = transientPassfile();
        try {
            argv.add("--source-server=" + conninfo(u, "postgres", s.applicationName() + "-rewind", passfile));
            if (!s.configDir().equals(s.dataDir())) {
                argv.add("--config-file=" + files.postgresqlConf());
            }
            return run(COPY, null, argv.toArray(String[]::new));
        } finally {
            deletePassfile(passfile);
            conf.ifPresent(b -> files.writeOwned(files.data(PostgresFiles.CONF), new String(b, StandardCharsets.UTF_8), "rw-------"));
            pgpass.ifPresent(b -> files.writeOwned(files.data(PostgresFiles.PGPASS), new String(b, StandardCharsets.UTF_8), "rw-------"));
            if (dataDirInitialised()) {
                files.ensureInclude();
            }
        }
    }

    /** Writes synchronous_standby_names to vigil.conf and reloads a running PostgreSQL. */
    public CommandResult setSynchronousStandbyNames(String value) {
        if (value.chars().anyMatch(c -> c < 0x20)) {
            throw new IllegalArgumentException("synchronous_standby_names must be one line, got \"" + value + "\"");
        }
        files.writeConf(Map.of("synchronous_standby_names", PostgresFiles.quote(value)));
        return running() ? sql(QUICK, "SELECT pg_reload_conf()")
                : CommandResult.nothingToDo("synchronous_standby_names written; PostgreSQL is not running");
    }

    private void reloadIfRunning() {
        if (running()) {
            sql(QUICK, "SELECT pg_reload_conf()");
        }
    }

    /** psql over the Unix socket as the superuser (peer authentication through vigil's ident map). */
    private CommandResult sql(Duration timeout, String... statements) {
        List<String> argv = new ArrayList<>(List.of(s.bin("psql").toString(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-h", s.socketDir().toString(), "-p", Integer.toString(s.port()), "-U", s.superuser(), "-d", "postgres"));
        for (String st : statements) {
            argv.add("-c");
            argv.add(st);
        }
        return run(timeout, null, argv.toArray(String[]::new));
    }

    private CommandResult run(Duration timeout, String stdin, String... argv) {
        List<String> command;
        try {
            command = account.wrap(Arrays.asList(argv));
        } catch (IllegalStateException e) {
            return CommandResult.failed(Arrays.asList(argv), e.getMessage());
        }
        return runner.run(command, timeout, stdin);
    }

    /** Where pg_ctl and postgres look for postgresql.conf (Debian: config_dir, whose file names the data_directory). */
    private Path pgctlDir() {
        return s.configDir();
    }

    private String conninfo(Upstream u, String dbname, String applicationName, Optional<Path> passfile) {
        StringBuilder b = new StringBuilder()
                .append("host=").append(PostgresFiles.conninfoValue(u.host()))
                .append(" port=").append(u.port())
                .append(" user=").append(PostgresFiles.conninfoValue(s.replicationUser()))
                .append(" application_name=").append(PostgresFiles.conninfoValue(applicationName))
                .append(" connect_timeout=5");
        if (dbname != null) {
            b.append(" dbname=").append(PostgresFiles.conninfoValue(dbname));
        }
        passfile.ifPresent(p -> b.append(" passfile=").append(PostgresFiles.conninfoValue(p.toString())));
        return b.toString();
    }

    /** For pg_basebackup/pg_rewind: a pgpass file next to the data directory (not inside: those tools replace it). */
    private Optional<Path> transientPassfile() {
        return password().map(pw -> {
            Path p = sibling(".vigil-pgpass");
            files.writeOwned(p, PostgresFiles.pgpassLine(s.replicationUser(), pw), "rw-------");
            return p;
        });
    }

    private static void deletePassfile(Optional<Path> passfile) {
        passfile.ifPresent(p -> {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove the temporary password file " + p, e);
            }
        });
    }

    private Path sibling(String suffix) {
        return s.dataDir().resolveSibling(s.dataDir().getFileName() + suffix);
    }

    /** The replication password, read afresh each time (so a rotated file takes effect); empty when not configured. */
    Optional<String> password() {
        return s.replicationPasswordFile().map(f -> {
            try {
                return Files.readString(f, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the replication password file " + f
                        + " — check that it exists and is readable by vigild", e);
            }
        });
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> list = Files.list(dir)) {
            return list.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
