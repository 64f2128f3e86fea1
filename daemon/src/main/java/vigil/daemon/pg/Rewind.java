package vigil.daemon.pg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import vigil.daemon.pg.CommandResult.Failure;
import vigil.daemon.pg.PgCommands.Answer;

/**
 * pg_rewind of the local (stopped) data directory from another server of the same system, and what its failure
 * means. Invariants:
 * <ul>
 * <li>Both system identifiers are checked before anything runs: a foreign source or a foreign local cluster is
 *     refused ({@link Failure#FOREIGN_SYSTEM}) with nothing touched.
 * <li>A success means the target can follow the source. pg_rewind decides "no rewind required" by comparing the
 *     timeline numbers in the two control files only; right after a promotion the source's control file still
 *     shows the old timeline until its first checkpoint completes (minutes when that checkpoint is spread), and two
 *     separate promotions can both produce timeline 2. Both are caught here by comparing with the source's live
 *     timeline and its history, and reported as {@link Failure#TRANSIENT} and {@link Failure#REWIND_IMPOSSIBLE}.
 * <li>A target that pg_rewind began to rewrite and did not finish (failure, timeout, cancel, crash of vigild) is
 *     never started or rewound again: PostgreSQL's documentation says such a directory is likely unrecoverable. A
 *     marker next to the data directory ({@value #MARKER}) records the unfinished rewrite until a clone replaces it.
 * </ul>
 * pg_rewind runs with {@code --progress}, because its "need to copy" line is the last thing it prints before it
 * starts writing the target.
 */
final class Rewind {
    static final String MARKER = ".vigil-rewinding";
    private static final Duration COPY = Duration.ofHours(2);
    /** Printed by pg_rewind --progress just before its point of no return. */
    private static final String WRITING = "need to copy";

    private final PgCommands cmd;
    private final Postgres pg;

    Rewind(PgCommands cmd, Postgres pg) {
        this.cmd = cmd;
        this.pg = pg;
    }

    Path marker() {
        return cmd.sibling(MARKER);
    }

    /** Why the data directory must not be used, when a rewrite by pg_rewind was left unfinished. */
    Optional<String> unfinished() {
        if (!Files.exists(marker())) {
            return Optional.empty();
        }
        return Optional.of("a pg_rewind stopped after it had begun rewriting " + cmd.s.dataDir() + " (" + marker()
                + " exists); such a directory is likely unrecoverable — it needs a fresh copy (clone), which clears the mark");
    }

    CommandResult from(Upstream u, long expectedSystemId) {
        List<String> argv = new ArrayList<>(List.of(cmd.s.bin("pg_rewind").toString(), "--target-pgdata=" + cmd.s.dataDir(),
                "--progress"));
        if (pg.running()) {
            return CommandResult.failed(argv, "PostgreSQL is running (pid " + pg.postmasterPid().orElseThrow()
                    + ") — stop it before pg_rewind");
        }
        Optional<String> damaged = unfinished();
        if (damaged.isPresent()) {
            return CommandResult.failed(argv, Failure.REWIND_IMPOSSIBLE, damaged.get());
        }
        switch (pg.dataDirState()) {
            case EMPTY:
                return CommandResult.failed(argv, Failure.DATA_MISSING, "no PostgreSQL cluster in " + cmd.s.dataDir()
                        + " to rewind");
            case FOREIGN_FILES:
                return CommandResult.failed(argv, Failure.FOREIGN_SYSTEM, cmd.s.dataDir()
                        + " holds files but no PostgreSQL cluster (no PG_VERSION) — move them away");
            default:
                break;
        }
        Answer<ControlData> local = cmd.controlData(cmd.s.dataDir());
        if (!local.ok()) {
            return local.result();
        }
        long expected = expectedSystemId != 0 ? expectedSystemId : local.value().systemId();
        if (local.value().systemId() != expected) {
            return CommandResult.failed(argv, Failure.FOREIGN_SYSTEM, "the local cluster is system "
                    + Long.toUnsignedString(local.value().systemId()) + ", not the expected "
                    + Long.toUnsignedString(expected) + " — refusing to rewind it");
        }
        Answer<SourceSystem> source = cmd.identify(u, true);
        if (!source.ok()) {
            return source.result();
        }
        if (source.value().systemId() != expected) {
            return CommandResult.failed(argv, Failure.FOREIGN_SYSTEM, u.host() + ":" + u.port() + " is system "
                    + Long.toUnsignedString(source.value().systemId()) + ", not the expected "
                    + Long.toUnsignedString(expected) + " — refusing to rewind from it");
        }
        if (!local.value().state().clean()) {
            // pg_rewind first finishes the crash recovery of an unclean target in single-user mode, which refuses
            // to run with standby.signal ("standby mode is not supported by single-user servers"): a standby whose
            // host crashed could never rejoin. The next standby start writes the signal again (Postgres).
            try {
                Files.deleteIfExists(cmd.files.data("standby.signal"));
                Files.deleteIfExists(cmd.files.data("recovery.signal"));
            } catch (IOException e) {
                return CommandResult.failed(argv, "cannot remove the recovery signal files before pg_rewind: " + e.getMessage());
            }
        }
        // Its single-user recovery of an unclean target is a server start too: an empty postmaster.pid stops it.
        pg.clearStartupRemnants(java.util.List.of(cmd.files.data("postmaster.pid")));
        CommandResult r = run(u, argv);
        if (!r.ok()) {
            return r.failure() == Failure.OTHER ? r.as(classify(r.outputTail()), null) : r;
        }
        CommandResult checked = checkNoRewindClaim(r, local.value(), source.value());
        if (checked.ok()) {
            pg.markRejoined(); // "no rewind required" leaves an old primary's control file saying "shut down"
        }
        return checked;
    }

    /** Runs pg_rewind, keeping vigil.conf and vigil.pgpass (pg_rewind would copy the source's) and the marker. */
    private CommandResult run(Upstream u, List<String> argv) {
        Optional<byte[]> conf = PostgresFiles.readIfExists(cmd.files.data(PostgresFiles.CONF));
        Optional<byte[]> pgpass = PostgresFiles.readIfExists(cmd.files.data(PostgresFiles.PGPASS));
        Optional<Path> passfile = cmd.transientPassfile();
        CommandResult r = null;
        try {
            argv.add("--source-server=" + cmd.conninfo(u, "postgres", cmd.s.applicationName() + "-rewind", passfile));
            if (!cmd.s.configDir().equals(cmd.s.dataDir())) {
                argv.add("--config-file=" + cmd.files.postgresqlConf());
            }
            cmd.files.writeOwned(marker(), "pg_rewind from " + u.host() + ":" + u.port() + " started " + Instant.now()
                    + "\n", "rw-------");
            r = cmd.run(COPY, null, argv.toArray(String[]::new));
            return r;
        } finally {
            PgCommands.deletePassfile(passfile);
            if (r != null && (r.ok() || untouched(r.outputTail()))) {
                deleteMarker();
            }
            conf.ifPresent(b -> cmd.files.writeOwned(cmd.files.data(PostgresFiles.CONF), new String(b, StandardCharsets.UTF_8), "rw-------"));
            pgpass.ifPresent(b -> cmd.files.writeOwned(cmd.files.data(PostgresFiles.PGPASS), new String(b, StandardCharsets.UTF_8), "rw-------"));
            if (pg.dataDirState() == Postgres.DataDirState.CLUSTER) {
                cmd.files.ensureInclude();
            }
        }
    }

    /** pg_rewind never reached its point of no return: the whole output is there and has no "need to copy" line. */
    static boolean untouched(String output) {
        return !output.startsWith("...") && !output.contains(WRITING);
    }

    void deleteMarker() {
        try {
            Files.deleteIfExists(marker());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + marker(), e);
        }
    }

    /**
     * pg_rewind said "source and target cluster are on the same timeline": true only when the source's live
     * timeline is the target's, and, above timeline 1, both forked off at the same points.
     */
    private CommandResult checkNoRewindClaim(CommandResult r, ControlData target, SourceSystem source) {
        if (!r.outputTail().contains("same timeline")) {
            return r;
        }
        long targetTli = target.checkpointTimeline();
        if (source.timeline() != targetTli) {
            return r.as(Failure.TRANSIENT, "not rewound: the source is on timeline " + source.timeline()
                    + " but its control file still says " + targetTli + " (its first checkpoint since the promotion has not"
                    + " completed), so pg_rewind compared the wrong timelines — retry after a CHECKPOINT on the source");
        }
        if (targetTli <= 1) {
            return r;
        }
        Path own = cmd.s.dataDir().resolve("pg_wal").resolve(String.format("%08X.history", targetTli));
        List<ForkPoint> local;
        try {
            local = ForkPoint.parseHistory(Files.readString(own, StandardCharsets.UTF_8));
        } catch (IOException | IllegalArgumentException e) {
            return r.as(Failure.OTHER, "cannot tell whether this node's timeline " + targetTli + " is the source's: "
                    + own + " is unreadable (" + e.getMessage() + ")");
        }
        if (!local.equals(source.history())) {
            return r.as(Failure.REWIND_IMPOSSIBLE, "not rewound: both servers are on timeline " + targetTli
                    + " but it forked differently (here " + local + ", on the source " + source.history()
                    + "): two promotions produced the same timeline number, and pg_rewind cannot repair that");
        }
        return r;
    }

    /**
     * What a failed pg_rewind's output means. REWIND_IMPOSSIBLE: pg_rewind proved it cannot repair this divergence
     * (the target's WAL back to the last common checkpoint is gone, or no common timeline), or it failed after it
     * began rewriting the target (then even a lost connection or "source system was in unexpected state at end of
     * rewind" leaves a half-rewritten directory). FOREIGN_SYSTEM: another system. TRANSIENT: the source could not be
     * reached or was not ready (see {@link PgCommands#connectionFailure}) before pg_rewind wrote anything. A target
     * whose own crash recovery finds no checkpoint (its WAL is gone) is REWIND_IMPOSSIBLE too. OTHER: needs an
     * operator (authentication, missing wal_log_hints, ...); retried with back-off.
     */
    static Failure classify(String output) {
        String o = output.toLowerCase(Locale.ROOT);
        if (o.contains("source and target clusters are from different systems")
                || o.contains("wal file is from different database system")) {
            return Failure.FOREIGN_SYSTEM;
        }
        if (!untouched(output)) {
            return Failure.REWIND_IMPOSSIBLE;
        }
        if (o.contains("could not find common ancestor") || o.contains("could not find previous wal record")
                || o.contains("could not read wal record") || o.contains("is not a valid end point")
                || o.contains("wal record modifies a relation, but record type is not recognized")) {
            return Failure.REWIND_IMPOSSIBLE;
        }
        // The target was not shut down cleanly, and the crash recovery pg_rewind runs first (single-user mode) found
        // no checkpoint to start from: its own WAL is gone, so no rewind can ever work on it.
        if (o.contains("single-user mode in target cluster failed") && o.contains("could not locate a valid checkpoint record")) {
            return Failure.REWIND_IMPOSSIBLE;
        }
        return PgCommands.connectionFailure(output);
    }
}
