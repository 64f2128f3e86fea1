package vigil.daemon.pg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import vigil.daemon.pg.CommandResult.Failure;
import vigil.daemon.pg.PgCommands.Answer;

/**
 * The local PostgreSQL 15 instance: carries out what the daemon decided, never decides. Invariants: every
 * command runs as the OS user, has a timeout and is logged; the replication password is passed only through
 * files of mode 0600 owned by the OS user (never argv, environment or logs); PostgreSQL is started by nothing but
 * {@link #start()}; no data is destroyed: initdb runs only when the caller allows it, a clone or rewind refuses
 * another system and a clone keeps the old directory aside. Calls are blocking and meant to run one at a time on
 * one executor thread; the caller cancels one by interrupting that thread: the running command is killed, no
 * further command starts, the result says {@link Failure#CANCELLED} and the interrupt stays set.
 */
public final class Postgres {
    private static final Pattern ROLE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Duration QUICK = PgCommands.QUICK;
    private static final Duration CHECKPOINT = Duration.ofMinutes(30);
    /** Marks a data directory just cloned or rewound; see {@link #markRejoined()}. */
    static final String REJOINED = "vigil.rejoined";

    /** What the data directory holds, judged from its files alone (no command runs). */
    public enum DataDirState {
        /** Missing or empty: no cluster. */
        EMPTY,
        /** PG_VERSION is present: a cluster (maybe damaged; pg_controldata tells more). */
        CLUSTER,
        /** Not empty, but no PG_VERSION: something vigil must not touch. */
        FOREIGN_FILES
    }

    private final PgSettings s;
    private final PgCommands cmd;
    private final PostgresFiles files;
    private final OsAccount account;
    private final CommandLog log;
    private final Rewind rewinder;
    private final Clone cloner;
    private final PgProcesses group;
    private final WalEnd walEnd;
    private final RoleConf roles;
    private final StartBarrier barrier = new StartBarrier();
    /** The ticket of the action that runs now (action thread only; {@link #asked}). */
    private StartBarrier.Ticket asked = StartBarrier.Ticket.NONE;
    private volatile Runnable postmasterExited = () -> { };

    /** Without a process group (tests of single commands): the postmaster runs where vigild runs. */
    public Postgres(PgSettings s, CommandLog log) {
        this(s, log, null);
    }

    /** @param group where every PostgreSQL process runs, so the self-fence can kill them all; null: none */
    public Postgres(PgSettings s, CommandLog log, PgProcesses group) {
        for (String role : List.of(s.superuser(), s.replicationUser(), s.osUser())) {
            if (!ROLE_NAME.matcher(role).matches()) {
                throw new IllegalArgumentException("bad user name \"" + role + "\" — use lower-case letters, digits and '_'");
            }
        }
        this.s = s;
        this.cmd = new PgCommands(s, log);
        this.files = cmd.files;
        this.account = cmd.account;
        this.log = log;
        this.rewinder = new Rewind(cmd, this);
        this.cloner = new Clone(cmd, this, rewinder);
        this.group = group;
        this.walEnd = new WalEnd(cmd);
        this.roles = new RoleConf(cmd, this);
    }

    public Path dataDir() {
        return s.dataDir();
    }

    /** The socket file the self-fence checks refuses connections once every process is gone. */
    public Path socketFile() {
        return PgProbe.socketFile(s);
    }

    public WalEnd walEnd() {
        return walEnd;
    }

    /**
     * The server this node's standby configuration points at (from vigil.conf's primary_conninfo), so a restarted
     * vigild knows whom its running standby follows instead of restarting it to be sure.
     */
    public Optional<Upstream> configuredUpstream() {
        return roles.configuredUpstream();
    }

    public DataDirState dataDirState() {
        Path dir = s.dataDir();
        if (Files.isRegularFile(dir.resolve("PG_VERSION"))) {
            return DataDirState.CLUSTER;
        }
        if (!Files.exists(dir)) {
            return DataDirState.EMPTY;
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.findAny().isEmpty() ? DataDirState.EMPTY : DataDirState.FOREIGN_FILES;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    public boolean dataDirInitialised() {
        return dataDirState() == DataDirState.CLUSTER;
    }

    /**
     * pg_controldata of the data directory (see {@link ControlData} for what it can and cannot tell); empty when
     * the data directory holds no cluster. Throws IllegalStateException with the command's output when
     * pg_controldata fails or is cancelled.
     */
    public Optional<ControlData> controlData() {
        if (dataDirState() != DataDirState.CLUSTER) {
            return Optional.empty();
        }
        Answer<ControlData> a = cmd.controlData(s.dataDir());
        if (!a.ok()) {
            throw new IllegalStateException("pg_controldata -D " + s.dataDir() + " failed (" + a.result().failure()
                    + ", exit " + a.result().exitCode() + "): " + a.result().outputTail().strip());
        }
        return Optional.of(a.value());
    }

    /**
     * Records that the data directory was just rejoined to a primary (a clone or a pg_rewind, "no rewind required"
     * included): {@code vigil.rejoined} names the control file's checkpoint. pg_basebackup copies a running
     * primary's control file ("in production") and pg_rewind may leave an old primary's ("shut down") as it was, so
     * the control file alone would keep saying that this directory last ran as a primary.
     */
    void markRejoined() {
        controlData().ifPresent(cd -> files.writeOwned(files.data(REJOINED), cd.checkpointTimeline() + "/"
                + cd.checkpointLsn() + "\n", "rw-------"));
    }

    /**
     * Whether {@code cd} is the control file as it was when the directory was last rejoined: nothing has run on it
     * since (any start moves the checkpoint or the state; a promotion or a start as primary removes the marker).
     */
    public boolean rejoinedAt(ControlData cd) {
        try {
            Path marker = files.data(REJOINED);
            return Files.isRegularFile(marker) && Files.readString(marker).strip()
                    .equals(cd.checkpointTimeline() + "/" + cd.checkpointLsn());
        } catch (IOException e) {
            return false;
        }
    }

    void forgetRejoined() {
        try {
            Files.deleteIfExists(files.data(REJOINED));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + files.data(REJOINED), e);
        }
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

    /** The postmaster named in postmaster.pid is alive, not a zombie (a reused PID can fool it; judge health by probing). */
    public boolean postmasterRunning() {
        return running();
    }

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
     * Makes the data directory a primary's (see {@link Bootstrap}): initdb only when the directory is empty and
     * {@code mayInitialise}; otherwise {@link Failure#DATA_MISSING} with nothing run. Does not start PostgreSQL.
     */
    public CommandResult initPrimary(boolean mayInitialise) {
        return new Bootstrap(cmd, this).initPrimary(mayInitialise);
    }

    /**
     * Replaces the data directory with a fresh copy of {@code u}, keeping the old one aside; see {@link Clone} for
     * the checks of the system identifiers ({@code expectedSystemId} 0 = not known: the local cluster's, if any, is
     * expected). Failures: FOREIGN_SYSTEM (nothing touched), TRANSIENT (source unreachable or not ready),
     * CANCELLED, TIMEOUT, OTHER. Follow with {@link #configureStandby(Upstream)} and {@link #start()}.
     */
    public CommandResult cloneFrom(Upstream u, long expectedSystemId) {
        return cloner.from(u, expectedSystemId);
    }

    /** Whether an earlier data directory is kept aside by a clone ({@code <data_dir>.vigil-old}). */
    public boolean setAsideExists() {
        return Files.exists(cloner.setAside());
    }

    /** Deletes the set-aside copy; for the core to call once the cloned standby streams. Reported to the command log. */
    public CommandResult discardSetAside() {
        return cloner.discardSetAside();
    }

    /**
     * pg_rewind from {@code u} (PostgreSQL must be stopped; an unclean shutdown is finished by pg_rewind itself in
     * single-user mode); see {@link Rewind} for the checks and {@link Rewind#classify} for the failure kinds
     * (FOREIGN_SYSTEM, REWIND_IMPOSSIBLE, TRANSIENT, DATA_MISSING, CANCELLED, TIMEOUT, OTHER). vigil.conf and
     * vigil.pgpass are kept. Follow with {@link #configureStandby(Upstream)} and {@link #start()}.
     */
    public CommandResult rewind(Upstream u, long expectedSystemId) {
        return rewinder.from(u, expectedSystemId);
    }

    /**
     * Makes the next start (or a reload) follow {@code u}: vigil.conf gets primary_conninfo (application_name =
     * this node, the password via vigil.pgpass) and recovery_target_timeline = 'latest'; standby.signal is created.
     */
    public void configureStandby(Upstream u) {
        roles.writeStandby(u);
        reloadIfRunning();
    }

    /**
     * Makes a running standby follow {@code u}, or nobody ({@code null}), without a restart: primary_conninfo is
     * rewritten and reloaded (since PostgreSQL 13 the startup process then restarts its WAL receiver). Detaching
     * returns only once the WAL receiver is gone (within 5 s, else TIMEOUT): from then on this standby acknowledges
     * nothing more to its former upstream, which is what synchronous mode relies on.
     */
    public CommandResult repoint(Upstream u) {
        return roles.repoint(u);
    }

    /** Makes the next start a primary: no standby.signal or recovery.signal, no primary_conninfo. */
    public void configurePrimary() {
        roles.primary();
    }

    /**
     * {@code r} runs the moment a postmaster this object started exits (a crash, a kill, a stop): the supervisor probes
     * at once instead of at the next scheduled probe. Not for one started by an earlier vigild (no handle on it).
     */
    public void onPostmasterExit(Runnable r) {
        postmasterExited = r;
    }

    /** Orders this node's fences and its postmaster's starts ({@link StartBarrier}). */
    public StartBarrier barrier() {
        return barrier;
    }

    /**
     * The ticket the action about to run on this thread was asked with: a start under it gives up if a fence came
     * since. Set by the driver on the action thread before each action.
     */
    public void asked(StartBarrier.Ticket ticket) {
        asked = ticket;
    }

    /**
     * Starts the postmaster and returns once it accepts connections (or failed to within 45 s). vigil.conf's base
     * settings (port, addresses, WAL settings, synchronous_commit) are rewritten from the config first. Refuses a
     * data directory without a cluster (DATA_MISSING, FOREIGN_SYSTEM) and one that pg_rewind left half-rewritten
     * (REWIND_IMPOSSIBLE: it could serve inconsistent data). When cancelled while waiting, the postmaster may be
     * left starting: stopping it is the caller's next step. Spawns nothing (CANCELLED) when a fence came after the
     * action was asked ({@link #asked}, {@link StartBarrier}).
     */
    public CommandResult start() {
        List<String> argv = List.of(s.bin("pg_ctl").toString(), "start", "-D", pgctlDir().toString());
        DataDirState state = dataDirState();
        if (state != DataDirState.CLUSTER) {
            return CommandResult.failed(argv, state == DataDirState.EMPTY ? Failure.DATA_MISSING : Failure.FOREIGN_SYSTEM,
                    "no PostgreSQL cluster in " + s.dataDir() + " — initialise a primary or clone a standby first");
        }
        Optional<String> damaged = rewinder.unfinished();
        if (damaged.isPresent()) {
            return CommandResult.failed(argv, Failure.REWIND_IMPOSSIBLE, damaged.get());
        }
        if (!Files.isRegularFile(files.postgresqlConf())) {
            return CommandResult.failed(argv, "no " + files.postgresqlConf() + " — create the cluster's configuration first");
        }
        if (Thread.currentThread().isInterrupted()) {
            return CommandResult.failed(argv, Failure.CANCELLED, "not started: the action was cancelled");
        }
        files.writeConf(Map.of());
        files.ensureInclude();
        files.writeAccess(cmd.password().isPresent());
        clearStartupRemnants(StartupRemnants.lockFiles(s.dataDir(), s.socketDir(), s.port()));
        List<String> postmaster;
        try {
            postmaster = account.exec(List.of(s.bin("postgres").toString(), "-D", pgctlDir().toString()));
        } catch (IllegalStateException e) {
            return CommandResult.failed(argv, e.getMessage());
        }
        CommandResult r = Postmaster.start(postmaster, s.dataDir(), files.data("postmaster.log"), Duration.ofSeconds(45),
                account, processes(), group == null ? () -> { } : () -> postmasterExited.run(), asked);
        if (r.exitCode() == CommandRunner.TIMED_OUT && Thread.currentThread().isInterrupted()) {
            r = r.as(Failure.CANCELLED, "cancelled while waiting for the postmaster to accept connections");
        }
        log.ran(r);
        return r;
    }

    /**
     * Removes the empty lock files among {@code lockFiles} that a postmaster killed while starting left, which would
     * keep any server (a start, pg_rewind's single-user recovery) from starting; see {@link StartupRemnants}.
     */
    void clearStartupRemnants(List<Path> lockFiles) {
        StartupRemnants.clear(lockFiles, () -> processes().live(s.dataDir()), java.time.Instant.now()).forEach(log::ran);
    }

    /** Where PostgreSQL's processes are found: its group, or without one the process tree. */
    private PgProcesses processes() {
        return group != null ? group : PgProcesses.processTree("no group given");
    }

    /**
     * A shutdown in the given mode (fast: SIGINT to the postmaster; immediate: pg_ctl stop), returning once the
     * postmaster is gone (90 s at most, else TIMEOUT); with none running, nothing runs and it succeeds. See
     * {@link Shutdown}.
     */
    public CommandResult stop(StopMode mode) {
        return new Shutdown(cmd, this).stop(mode);
    }

    /** {@link #promote(String)} without touching synchronous_standby_names. */
    public CommandResult promote() {
        return promote(null);
    }

    /** {@link #promote(String, Runnable)} with nothing to tell. */
    public CommandResult promote(String synchronousStandbyNames) {
        return promote(synchronousStandbyNames, () -> { });
    }

    /**
     * Promotes this standby and returns once it has left recovery (10 s at most), then {@link #configurePrimary()};
     * no CHECKPOINT (see {@link #checkpoint()}). With {@code synchronousStandbyNames} (null: leave it), pg_promote runs
     * only in a session that sees that value in effect. {@code promoted} runs the moment the server takes writes. See
     * {@link Promotion}.
     */
    public CommandResult promote(String synchronousStandbyNames, Runnable promoted) {
        return new Promotion(cmd, this).promote(synchronousStandbyNames, promoted);
    }

    /**
     * CHECKPOINT: makes the new timeline durable in the control file (pg_rewind and pg_controldata read the timeline
     * from there, see {@link Rewind}). It can take long on a busy server; cancelling it loses nothing.
     */
    public CommandResult checkpoint() {
        return cmd.sql(CHECKPOINT, "CHECKPOINT");
    }

    /**
     * Writes synchronous_standby_names to vigil.conf and reloads a running PostgreSQL. vigil.conf also pins
     * {@code synchronous_commit = on} (always, see {@link PostgresFiles#base()}), so no line of postgresql.conf can
     * weaken it; ALTER SYSTEM, per-role or per-database settings and a session's own SET still can (the probe's
     * {@link PgState#synchronousCommit()} shows what is in effect for vigil's own session).
     */
    public CommandResult setSynchronousStandbyNames(String value) {
        requireOneLine(value);
        files.writeConf(Map.of("synchronous_standby_names", PostgresFiles.quote(value)));
        return running() ? cmd.sql(QUICK, "SELECT pg_reload_conf()")
                : CommandResult.nothingToDo("synchronous_standby_names written; PostgreSQL is not running");
    }

    /**
     * Takes {@code rules} as the operator's pg_hba lines ({@code vigilctl reload} of
     * {@code node.postgres.client_access}) and reloads a running PostgreSQL; rules PostgreSQL refuses are not kept.
     * See {@link ClientRules}.
     */
    public CommandResult applyClientRules(List<String> rules) {
        return new ClientRules(cmd, this).apply(rules);
    }

    static void requireOneLine(String value) {
        if (value.chars().anyMatch(c -> c < 0x20)) {
            throw new IllegalArgumentException("synchronous_standby_names must be one line, got \"" + value + "\"");
        }
    }

    CommandResult reloadIfRunning() {
        if (!running()) return CommandResult.nothingToDo("PostgreSQL is not running: nothing to reload");
        return cmd.sql(QUICK, "SELECT pg_reload_conf()");
    }

    /** Where pg_ctl and postgres look for postgresql.conf (Debian: config_dir, whose file names the data_directory). */
    private Path pgctlDir() {
        return s.configDir();
    }
}
