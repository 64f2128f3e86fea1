package vigil.daemon.pg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
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
    /** The client rules' check and reload: short, they run on the action thread ({@link #applyClientRules}). */
    private static final Duration RULES_WAIT = Duration.ofSeconds(2);
    private static final Duration STOP = Duration.ofSeconds(90);
    private static final Duration CHECKPOINT = Duration.ofMinutes(30);
    private static final int PROMOTE_WAIT_S = 10;
    /** Marks a data directory just cloned or rewound; see {@link #markRejoined()}. */
    static final String REJOINED = "vigil.rejoined";
    /** How long promote waits for a reloaded synchronous_standby_names to be in effect before it gives up. */
    private static final Duration RELOAD_WAIT = Duration.ofSeconds(5);
    private static final String NOT_YET = "synchronous_standby_names is not yet in effect";

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

    private void forgetRejoined() {
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

    /** Whether the PID in postmaster.pid is a live process (a reused PID can fool it; good enough to refuse copies). */
    /** The postmaster named in postmaster.pid is alive (not a zombie). */
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
        Path old = cloner.setAside();
        long t0 = System.nanoTime();
        CommandResult r;
        try {
            boolean existed = Files.exists(old);
            PostgresFiles.deleteTree(old);
            r = new CommandResult(List.of("delete-tree", old.toString()), 0, Duration.ofNanos(System.nanoTime() - t0),
                    existed ? "" : "nothing set aside");
        } catch (UncheckedIOException e) {
            r = new CommandResult(List.of("delete-tree", old.toString()), 1, Duration.ofNanos(System.nanoTime() - t0),
                    String.valueOf(e.getCause()), Failure.OTHER);
        }
        log.ran(r);
        return r;
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
        writeStandbyConf(u);
        reloadIfRunning();
    }

    /** The standby's files for following {@code u} (nobody when null), without telling a running server. */
    private void writeStandbyConf(Upstream u) {
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
                files.writeOwned(passfile.get(), PostgresFiles.pgpassLine(s.replicationUser(), pw.get()), "rw-------");
            }
            changes.put("primary_conninfo", PostgresFiles.quote(cmd.conninfo(u, null, s.applicationName(), passfile)));
            changes.put("primary_slot_name", s.slots().enabled() ? PostgresFiles.quote(s.slots().own()) : null);
            changes.put("recovery_target_timeline", PostgresFiles.quote("latest"));
        }
        files.writeConf(changes);
        files.ensureInclude();
        files.writeAccess(pw.isPresent());
        files.touch(files.data("standby.signal"));
    }

    /**
     * Makes a running standby follow {@code u}, or nobody ({@code null}), without a restart: primary_conninfo is
     * rewritten and reloaded (since PostgreSQL 13 the startup process then restarts its WAL receiver). Detaching
     * returns only once the WAL receiver is gone (within 5 s, else TIMEOUT): from then on this standby acknowledges
     * nothing more to its former upstream, which is what synchronous mode relies on.
     */
    public CommandResult repoint(Upstream u) {
        if (u != null) {
            writeStandbyConf(u);
            // The reload is what makes the running server take the new conninfo: failed, the standby stays on its old
            // upstream while vigil would name the new one (the action fails and the supervisor tries again).
            CommandResult reload = reloadIfRunning();
            if (!reload.ok()) return reload;
            return CommandResult.nothingToDo("primary_conninfo points at " + u.host() + ":" + u.port());
        }
        Map<String, String> changes = new HashMap<>();
        changes.put("primary_conninfo", PostgresFiles.quote(""));
        files.writeConf(changes);
        if (!running()) return CommandResult.nothingToDo("primary_conninfo cleared; PostgreSQL is not running");
        CommandResult reload = cmd.sql(QUICK, "SELECT pg_reload_conf()");
        if (!reload.ok()) return reload;
        long deadline = System.nanoTime() + RELOAD_WAIT.toNanos();
        CommandResult r;
        do {
            r = cmd.sql(QUICK, "SELECT count(*) FROM pg_stat_wal_receiver");
            if (r.ok() && r.outputTail().strip().equals("0")) return r;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return r.as(Failure.CANCELLED, "cancelled while waiting for the WAL receiver to stop");
            }
        } while (System.nanoTime() < deadline);
        return r.as(Failure.TIMEOUT, "the WAL receiver still runs " + RELOAD_WAIT.toSeconds() + " s after the reload");
    }

    /** Makes the next start a primary: no standby.signal or recovery.signal, no primary_conninfo. */
    public void configurePrimary() {
        forgetRejoined(); // from now on it may write
        try {
            Files.deleteIfExists(files.data("standby.signal"));
            Files.deleteIfExists(files.data("recovery.signal"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the signal files in " + s.dataDir(), e);
        }
        Map<String, String> changes = new HashMap<>();
        changes.put("primary_conninfo", null);
        changes.put("primary_slot_name", null);
        files.writeConf(changes);
        files.ensureInclude();
        files.writeAccess(cmd.password().isPresent());
        reloadIfRunning();
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
     * A shutdown in the given mode (fast: SIGINT to the postmaster; immediate: pg_ctl stop), then a wait until the
     * postmaster is gone (90 s at most, else failed). Idempotent:
     * when no postmaster is running it runs nothing and succeeds, since callers (fencing) want the outcome. pg_ctl's
     * own wait ({@code -w}) looks every 100 ms: measured, a fast shutdown of 20-30 ms took 113-117 ms with it, and a
     * switchover's writes stand still for all of it. Here the postmaster is looked at every 5 ms (a zombie counts as
     * gone: PID 1 reaps orphans only every second or two).
     */
    public CommandResult stop(StopMode mode) {
        if (!running()) {
            return CommandResult.nothingToDo("PostgreSQL is not running");
        }
        long pid = postmasterPid().orElseThrow();
        if (mode == StopMode.IMMEDIATE && processState(pid) == 'T') {
            // A stopped (SIGSTOP) postmaster acts on no signal: queue the immediate-shutdown signal first, then let
            // it run, so it wakes straight into the shutdown (its backends quit at once) and not into normal work.
            CommandResult quit = cmd.runAsIs(List.of("kill", "-QUIT", Long.toString(pid)), QUICK, null);
            CommandResult cont = cmd.runAsIs(List.of("kill", "-CONT", Long.toString(pid)), QUICK, null);
            if (!quit.ok() || !cont.ok()) return quit.ok() ? cont : quit;
        }
        long start = System.nanoTime();
        // A fast shutdown is SIGINT to the postmaster, all pg_ctl would send; pg_ctl under runuser took 37 ms to start.
        CommandResult signalled = mode == StopMode.FAST
                ? cmd.runAsIs(List.of("kill", "-INT", Long.toString(pid)), QUICK, null)
                : cmd.run(QUICK, null, s.bin("pg_ctl").toString(), "stop", "-D", pgctlDir().toString(), "-m",
                        mode.pgCtlName(), "-W");
        if (!signalled.ok()) return signalled;
        long deadline = start + STOP.toNanos();
        while (alive(pid)) {
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

    /** {@link #promote(String)} without touching synchronous_standby_names. */
    public CommandResult promote() {
        return promote(null);
    }

    /** {@link #promote(String, Runnable)} with nothing to tell. */
    public CommandResult promote(String synchronousStandbyNames) {
        return promote(synchronousStandbyNames, () -> { });
    }

    /**
     * {@code pg_promote(false)}, then {@code pg_is_in_recovery()} every 5 ms until it is false (10 s at most), and
     * nothing else (no CHECKPOINT: see {@link #checkpoint()}); then
     * {@link #configurePrimary()}. With {@code synchronousStandbyNames} (null: leave it), that value is written to
     * vigil.conf and reloaded first, and pg_promote runs only in a session that sees it in effect, so the new primary
     * waits for its synchronous standbys from its first commit. (A reload reaches every process asynchronously: a
     * new session sees the postmaster's reloaded value, and the checkpointer, which publishes whether synchronous
     * standbys are defined, was signalled by then and applies it within moments; a value already in vigil.conf
     * when the standby started leaves no such window.) A failure can come after PostgreSQL began promoting (10 s
     * passed, or a cancel): the probe tells what the server became. {@code promoted} runs the moment pg_promote has
     * returned true, before the configuration is tidied up: the server takes writes from then on.
     */
    public CommandResult promote(String synchronousStandbyNames, Runnable promoted) {
        forgetRejoined(); // from now on it may write
        String guard = "";
        if (synchronousStandbyNames != null) {
            requireOneLine(synchronousStandbyNames);
            if (synchronousStandbyNames.contains("$vigil$")) {
                throw new IllegalArgumentException("synchronous_standby_names must not contain $vigil$");
            }
            files.writeConf(Map.of("synchronous_standby_names", PostgresFiles.quote(synchronousStandbyNames)));
            CommandResult reload = cmd.execute(QUICK, "SELECT pg_reload_conf()");
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
        CommandResult r = cmd.execute(QUICK, promote);
        while (!r.ok() && r.outputTail().contains(NOT_YET) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return r.as(Failure.CANCELLED, "cancelled while waiting for the reload; not promoted");
            }
            r = cmd.execute(QUICK, promote);
        }
        if (r.ok()) {
            promoted.run();
            configurePrimary();
        }
        return r;
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
     * Takes {@code rules} as the operator's pg_hba lines ({@code vigilctl reload} of {@code node.postgres.client_access}):
     * vigil's block of pg_hba.conf is rewritten with them and a running PostgreSQL reloads it, no restart (pg_hba.conf
     * is read anew on SIGHUP; sessions already open stay). Every later write of the block uses them. First PostgreSQL
     * reads the written file back ({@code pg_hba_file_rules}): a file it refuses would be ignored by the reload and
     * stop the next start. When the file cannot be written, PostgreSQL refuses it, cannot be asked, or is not
     * reloaded, the rules before are written back and stay in force, in the file and for later writes.
     */
    public CommandResult applyClientRules(List<String> rules) {
        List<String> before = files.clientRules();
        boolean withPassword = cmd.password().isPresent();
        files.clientRules(rules);
        try {
            files.writeHba(withPassword);
        } catch (RuntimeException e) {
            files.clientRules(before);
            return CommandResult.failed(List.of(), "pg_hba.conf in " + s.configDir() + " not written, the rules before"
                    + " stay: " + e.getMessage());
        }
        if (!running()) return CommandResult.nothingToDo("pg_hba.conf written; PostgreSQL is not running (it reads it at start)");
        // PostgreSQL keeps its old rules when the file does not parse, and then would not start with it: read back
        // what it makes of the file before it is told to load it. Short deadlines: this runs on the action thread.
        CommandResult check = cmd.sql(RULES_WAIT, "SELECT line_number || ': ' || error FROM pg_hba_file_rules"
                + " WHERE error IS NOT NULL");
        String problem;
        if (!check.ok()) {
            problem = "PostgreSQL could not check them (" + check.outputTail().strip() + ")";
        } else if (!check.outputTail().isBlank()) {
            problem = "PostgreSQL refuses pg_hba.conf with them (line: error): " + check.outputTail().strip().replace('\n', ';');
        } else {
            CommandResult reload = cmd.sql(RULES_WAIT, "SELECT pg_reload_conf()");
            if (reload.ok()) return reload;
            problem = "PostgreSQL was not reloaded (" + reload.outputTail().strip() + ")";
        }
        files.clientRules(before);
        try {
            files.writeHba(withPassword);
        } catch (RuntimeException e) {
            return CommandResult.failed(List.of(), problem + "; and pg_hba.conf could not be put back: " + e.getMessage());
        }
        return CommandResult.failed(check.argv(), problem + "; the rules before stay, in pg_hba.conf too");
    }

    private static void requireOneLine(String value) {
        if (value.chars().anyMatch(c -> c < 0x20)) {
            throw new IllegalArgumentException("synchronous_standby_names must be one line, got \"" + value + "\"");
        }
    }

    private CommandResult reloadIfRunning() {
        if (!running()) return CommandResult.nothingToDo("PostgreSQL is not running: nothing to reload");
        return cmd.sql(QUICK, "SELECT pg_reload_conf()");
    }

    /** Where pg_ctl and postgres look for postgresql.conf (Debian: config_dir, whose file names the data_directory). */
    private Path pgctlDir() {
        return s.configDir();
    }
}
