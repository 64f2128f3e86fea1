package vigil.daemon.pg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import vigil.daemon.pg.CommandResult.Failure;
import vigil.daemon.pg.PgCommands.Answer;

/**
 * A fresh copy of another server (pg_basebackup -X stream) in place of the local data directory. Invariants:
 * <ul>
 * <li>Only a copy of the expected system replaces only a cluster of that system: the local cluster's identifier
 *     (when there is one) must be the expected one, the source's must be too (asked with IDENTIFY_SYSTEM before the
 *     copy) and the finished copy's as well (the address may lead elsewhere by then). Otherwise
 *     {@link Failure#FOREIGN_SYSTEM} and nothing is touched. With no expected identifier (0), the local cluster's
 *     is expected: a clone never silently turns a node into another system's.
 * <li>Nothing is deleted: the old data directory is kept aside as {@code <data_dir>}{@value #SET_ASIDE}; an older
 *     set-aside copy is replaced only once the new copy is complete and verified. The core discards it
 *     ({@link Postgres#discardSetAside()}) once the new standby streams.
 * <li>A failed or cancelled copy leaves the data directory as it was and removes the partial copy.
 * </ul>
 */
final class Clone {
    static final String SET_ASIDE = ".vigil-old";
    static final String PARTIAL = ".vigil-clone";
    private static final Duration COPY = Duration.ofHours(2);

    private final PgCommands cmd;
    private final Postgres pg;
    private final Rewind rewind;

    Clone(PgCommands cmd, Postgres pg, Rewind rewind) {
        this.cmd = cmd;
        this.pg = pg;
        this.rewind = rewind;
    }

    Path setAside() {
        return cmd.sibling(SET_ASIDE);
    }

    /** Deletes the set-aside copy ({@link Postgres#discardSetAside()}), reported to the command log. */
    CommandResult discardSetAside() {
        Path old = setAside();
        long t0 = System.nanoTime();
        CommandResult r;
        try {
            boolean existed = Files.exists(old);
            PostgresFiles.deleteTree(old);
            r = new CommandResult(List.of("delete-tree", old.toString()), 0, Duration.ofNanos(System.nanoTime() - t0),
                    existed ? "" : "nothing set aside");
        } catch (java.io.UncheckedIOException e) {
            r = new CommandResult(List.of("delete-tree", old.toString()), 1, Duration.ofNanos(System.nanoTime() - t0),
                    String.valueOf(e.getCause()), Failure.OTHER);
        }
        cmd.log.ran(r);
        return r;
    }

    CommandResult from(Upstream u, long expectedSystemId) {
        Path clone = cmd.sibling(PARTIAL);
        List<String> argv = List.of(cmd.s.bin("pg_basebackup").toString(), "-D", clone.toString());
        if (pg.running()) {
            return CommandResult.failed(argv, "PostgreSQL is running (pid " + pg.postmasterPid().orElseThrow()
                    + ") — stop it before cloning over its data directory");
        }
        long expected = expectedSystemId;
        switch (pg.dataDirState()) {
            case FOREIGN_FILES:
                return CommandResult.failed(argv, Failure.FOREIGN_SYSTEM, cmd.s.dataDir() + " holds files but no"
                        + " PostgreSQL cluster (no PG_VERSION); vigil replaces only a cluster of this system — move them away");
            case CLUSTER:
                Answer<ControlData> local = cmd.controlData(cmd.s.dataDir());
                if (!local.ok()) {
                    return local.result();
                }
                if (expected != 0 && local.value().systemId() != expected) {
                    return CommandResult.failed(argv, Failure.FOREIGN_SYSTEM, "the local cluster is system "
                            + Long.toUnsignedString(local.value().systemId()) + ", not the expected "
                            + Long.toUnsignedString(expected) + " — refusing to replace it; move it away if it is not needed");
                }
                expected = local.value().systemId();
                break;
            default:
                break;
        }
        Answer<SourceSystem> source = cmd.identify(u, false);
        if (!source.ok()) {
            return source.result();
        }
        long sourceId = source.value().systemId();
        if (expected != 0 && sourceId != expected) {
            return CommandResult.failed(argv, Failure.FOREIGN_SYSTEM, u.host() + ":" + u.port() + " is system "
                    + Long.toUnsignedString(sourceId) + ", not the expected " + Long.toUnsignedString(expected)
                    + " — refusing to copy it over this node");
        }
        PostgresFiles.deleteTree(clone);
        cmd.files.makeOwnedDir(clone);
        CommandResult r = copy(u, clone);
        if (!r.ok()) {
            PostgresFiles.deleteTree(clone);
            return r.failure() == Failure.OTHER ? r.as(PgCommands.connectionFailure(r.outputTail()), null) : r;
        }
        Answer<ControlData> copied = cmd.controlData(clone);
        if (!copied.ok() || copied.value().systemId() != sourceId) {
            PostgresFiles.deleteTree(clone);
            return !copied.ok() ? copied.result() : CommandResult.failed(argv, Failure.FOREIGN_SYSTEM, "the copy is system "
                    + Long.toUnsignedString(copied.value().systemId()) + " although " + u.host() + ":" + u.port()
                    + " said " + Long.toUnsignedString(sourceId) + " — discarded");
        }
        if (Thread.currentThread().isInterrupted()) {
            PostgresFiles.deleteTree(clone);
            return r.as(Failure.CANCELLED, "cancelled before the copy replaced " + cmd.s.dataDir() + "; copy discarded");
        }
        try {
            swapIn(clone);
        } catch (IOException e) {
            PostgresFiles.deleteTree(clone);
            return r.as(Failure.OTHER, "cannot move the copy into " + cmd.s.dataDir() + ": " + e);
        }
        rewind.deleteMarker(); // an unfinished rewrite, if any, is now in the set-aside copy
        // the copy carries the upstream's vigil.conf and signal files: make them this node's, not yet a standby
        try {
            Files.deleteIfExists(cmd.files.data("standby.signal"));
            Files.deleteIfExists(cmd.files.data(PostgresFiles.PGPASS));
        } catch (IOException e) {
            return r.as(Failure.OTHER, "cannot remove the copied signal files: " + e);
        }
        cmd.files.ensureInclude();
        cmd.files.writeConf(Map.of("primary_conninfo", "''"));
        pg.markRejoined(); // the copied control file says "in production": it is the primary's, not this node's past
        return r;
    }

    private CommandResult copy(Upstream u, Path clone) {
        var passfile = cmd.transientPassfile();
        try {
            return cmd.run(COPY, null, cmd.s.bin("pg_basebackup").toString(), "-D", clone.toString(),
                    "-d", cmd.conninfo(u, "replication", cmd.s.applicationName() + "-clone", passfile), "-X", "stream",
                    "--checkpoint=fast", "--no-password");
        } finally {
            PgCommands.deletePassfile(passfile);
        }
    }

    /**
     * The complete copy becomes the data directory. A cluster there moves aside (replacing an older set-aside
     * copy); an empty directory is removed ({@link Files#delete} refuses a non-empty one); an older set-aside copy is
     * kept when there was no cluster to set aside, since it may be the only copy left of that data.
     */
    private void swapIn(Path clone) throws IOException {
        Path data = cmd.s.dataDir();
        Path old = setAside();
        boolean hadCluster = Files.isRegularFile(data.resolve("PG_VERSION"));
        if (hadCluster) {
            PostgresFiles.deleteTree(old);
            Files.move(data, old, StandardCopyOption.ATOMIC_MOVE);
        } else if (Files.exists(data)) {
            Files.delete(data);
        }
        try {
            Files.move(clone, data, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (hadCluster) {
                Files.move(old, data, StandardCopyOption.ATOMIC_MOVE); // put the old one back
            }
            throw e;
        }
    }
}
