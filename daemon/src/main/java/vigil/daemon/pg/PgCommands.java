package vigil.daemon.pg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import vigil.daemon.pg.CommandResult.Failure;

/**
 * PostgreSQL's programs as the driver runs them. Invariants: every program runs as the OS user, has a timeout and
 * is reported to the {@link CommandLog}; the replication password reaches a program only through a pgpass file of
 * mode 0600 owned by the OS user; on an interrupted thread nothing is started and a running program is killed,
 * the result says {@link Failure#CANCELLED} and the interrupt stays set, so that no caller goes on to its next
 * command as if nothing had happened.
 */
final class PgCommands {
    static final Duration QUICK = Duration.ofSeconds(30);

    final PgSettings s;
    final OsAccount account;
    final PostgresFiles files;
    final CommandLog log;
    private final CommandRunner runner;

    /** A value read by a command, or the failed command that should have read it. */
    record Answer<T>(T value, CommandResult result) {
        boolean ok() {
            return value != null;
        }
    }

    PgCommands(PgSettings s, CommandLog log) {
        this.s = s;
        this.account = OsAccount.of(s.osUser());
        this.files = new PostgresFiles(s, account);
        this.log = log;
        this.runner = new CommandRunner(log, () -> password().map(List::of).orElse(List.of()));
    }

    /** Runs {@code argv} as the OS user. */
    CommandResult run(Duration timeout, String stdin, String... argv) {
        List<String> command;
        try {
            command = account.wrap(Arrays.asList(argv));
        } catch (IllegalStateException e) {
            return CommandResult.failed(Arrays.asList(argv), e.getMessage());
        }
        return runAsIs(command, timeout, stdin);
    }

    /** Runs {@code argv} as vigild's own user (signals to the postmaster). */
    CommandResult runAsIs(List<String> argv, Duration timeout, String stdin) {
        if (Thread.currentThread().isInterrupted()) {
            CommandResult r = CommandResult.failed(argv, Failure.CANCELLED, "not started: the action was cancelled");
            log.ran(r);
            return r;
        }
        CommandResult r = runner.run(argv, timeout, stdin);
        return r.exitCode() == CommandRunner.TIMED_OUT && Thread.currentThread().isInterrupted()
                ? r.as(Failure.CANCELLED, null) : r;
    }

    /** psql over the Unix socket as the superuser (peer authentication through vigil's ident map). */
    CommandResult sql(Duration timeout, String... statements) {
        List<String> argv = new ArrayList<>(List.of(s.bin("psql").toString(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-h", s.socketDir().toString(), "-p", Integer.toString(s.port()), "-U", s.superuser(), "-d", "postgres"));
        for (String st : statements) {
            argv.add("-c");
            argv.add(st);
        }
        return run(timeout, null, argv.toArray(String[]::new));
    }

    /**
     * One statement over a fresh pgjdbc connection on the Unix socket, as the superuser (the same peer authentication
     * as {@link #sql}), for the failover's path: no process to start and no psql to load, which cost 0.1-0.25 s on a
     * loaded 2-core host. The statement's result set is not read: only success, or the server's error text. Logged as
     * a command whose argv names the connection and the statement. Every read and write is bounded by
     * {@code timeout}; an interrupt aborts it ({@link Failure#CANCELLED}, the interrupt kept), as it kills psql.
     */
    CommandResult execute(Duration timeout, String statement) {
        List<String> argv = List.of("pgjdbc", PgProbe.socketFile(s).toString(), "-U", s.superuser(), "-c", statement);
        if (Thread.currentThread().isInterrupted()) {
            CommandResult r = CommandResult.failed(argv, Failure.CANCELLED, "not started: the action was cancelled");
            log.ran(r);
            return r;
        }
        long start = System.nanoTime();
        CommandResult r;
        try (java.sql.Connection c = PgProbe.connect(s, s.applicationName() + "-action", timeout.toMillis());
             java.sql.Statement st = c.createStatement()) {
            st.execute(statement);
            r = new CommandResult(argv, 0, Duration.ofNanos(System.nanoTime() - start), "");
        } catch (java.sql.SQLException | RuntimeException e) {
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            String why = String.valueOf(e.getMessage());
            boolean timedOut = false;
            for (Throwable t = e; t != null; t = t.getCause()) {
                timedOut |= t instanceof java.net.SocketTimeoutException;
            }
            Failure kind = Thread.currentThread().isInterrupted() ? Failure.CANCELLED
                    : timedOut ? Failure.TIMEOUT : Failure.OTHER;
            r = new CommandResult(argv, kind == Failure.TIMEOUT ? CommandRunner.TIMED_OUT : 1, took, why, kind);
        }
        log.ran(r);
        return r;
    }

    /**
     * The control file of {@code dir}, which must hold a cluster: read directly when it is in a layout
     * {@link ControlFile} knows (no command runs, nothing is logged), else by pg_controldata. Its full output (about
     * 2.3 KB) is longer than the output tail a command result keeps, so only the lines {@link ControlData} reads are
     * kept, by a shell around it that still exits with pg_controldata's status on failure (its error goes to the
     * output unfiltered).
     */
    Answer<ControlData> controlData(Path dir) {
        return ControlFile.read(dir)
                .map(cd -> new Answer<>(cd, CommandResult.nothingToDo("read " + dir.resolve("global/pg_control"))))
                .orElseGet(() -> controlDataCommand(dir));
    }

    /** pg_controldata of {@code dir} (see {@link #controlData}), always by the command. */
    Answer<ControlData> controlDataCommand(Path dir) {
        CommandResult r = run(QUICK, null, "sh", "-c", "o=$(\"$1\" -D \"$2\") || exit $?; printf '%s\\n' \"$o\""
                + " | grep -E '^(" + String.join("|", ControlData.LABELS).replace("'", ".") + "):'",
                "pg_controldata", s.bin("pg_controldata").toString(), dir.toString());
        if (!r.ok()) {
            return new Answer<>(null, r);
        }
        try {
            return new Answer<>(ControlData.parse(r.outputTail()), r);
        } catch (IllegalArgumentException e) {
            return new Answer<>(null, r.as(Failure.OTHER, e.getMessage()));
        }
    }

    /**
     * Asks {@code u} who it is over a replication connection ({@code IDENTIFY_SYSTEM}, as the replication role),
     * and, for a timeline above 1, that timeline's history ({@code TIMELINE_HISTORY}). A failure to connect is
     * {@link Failure#TRANSIENT}.
     */
    Answer<SourceSystem> identify(Upstream u, boolean withHistory) {
        Optional<Path> passfile = transientPassfile();
        try {
            String conninfo = conninfo(u, "postgres", s.applicationName() + "-identify", passfile) + " replication=database";
            List<String> argv = List.of(s.bin("psql").toString(), "-X", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1",
                    conninfo, "-c", "IDENTIFY_SYSTEM");
            CommandResult r = run(QUICK, null, argv.toArray(String[]::new));
            if (!r.ok()) {
                return new Answer<>(null, r.failure() == Failure.OTHER ? r.as(connectionFailure(r.outputTail()), null) : r);
            }
            SourceSystem id;
            try {
                id = SourceSystem.parseIdentify(r.outputTail());
            } catch (IllegalArgumentException e) {
                return new Answer<>(null, r.as(Failure.OTHER, e.getMessage()));
            }
            if (!withHistory || id.timeline() <= 1) {
                return new Answer<>(id, r);
            }
            List<String> histArgv = new ArrayList<>(argv.subList(0, argv.size() - 1));
            histArgv.add("TIMELINE_HISTORY " + id.timeline());
            CommandResult h = run(QUICK, null, histArgv.toArray(String[]::new));
            if (!h.ok()) {
                return new Answer<>(null, h.failure() == Failure.OTHER ? h.as(connectionFailure(h.outputTail()), null) : h);
            }
            try {
                return new Answer<>(id.withHistory(SourceSystem.parseHistoryReply(h.outputTail())), h);
            } catch (IllegalArgumentException e) {
                return new Answer<>(null, h.as(Failure.OTHER, e.getMessage()));
            }
        } finally {
            deletePassfile(passfile);
        }
    }

    /**
     * {@link Failure#TRANSIENT} when libpq's message says the server could not be reached or was not ready to
     * serve (nothing listening, timeout, no route, starting up, shutting down, in recovery before consistency, too
     * many clients, connection lost): trying again later may work. Anything else (authentication, pg_hba, a bad
     * setting) is {@link Failure#OTHER}: it needs an operator.
     */
    static Failure connectionFailure(String output) {
        String o = output.toLowerCase(Locale.ROOT);
        for (String sign : TRANSIENT_SIGNS) {
            if (o.contains(sign)) {
                return Failure.TRANSIENT;
            }
        }
        return Failure.OTHER;
    }

    private static final List<String> TRANSIENT_SIGNS = List.of(
            "connection refused", "timeout expired", "connection timed out", "no route to host",
            "network is unreachable", "could not translate host name", "server closed the connection unexpectedly",
            "could not receive data from server", "could not send data to server", "connection reset by peer",
            "ssl syscall error", "terminating connection due to administrator command",
            "the database system is starting up", "the database system is shutting down",
            "the database system is not yet accepting connections", "the database system is not accepting connections",
            "the database system is in recovery mode", "too many clients already", "remaining connection slots are reserved");

    String conninfo(Upstream u, String dbname, String applicationName, Optional<Path> passfile) {
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

    /** For pg_basebackup/pg_rewind/psql: a pgpass file next to the data directory (not inside: those tools replace it). */
    Optional<Path> transientPassfile() {
        return password().map(pw -> {
            Path p = sibling(".vigil-pgpass");
            files.writeOwned(p, PostgresFiles.pgpassLine(s.replicationUser(), pw), "rw-------");
            return p;
        });
    }

    static void deletePassfile(Optional<Path> passfile) {
        passfile.ifPresent(p -> {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove the temporary password file " + p, e);
            }
        });
    }

    Path sibling(String suffix) {
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
}
