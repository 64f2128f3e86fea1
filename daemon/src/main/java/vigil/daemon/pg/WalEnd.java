package vigil.daemon.pg;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the WAL of a stopped cluster ends: the durable position of a stopped standby (everything it received and
 * flushed), which the control file does not tell (its checkpoint and minimum recovery point can be far behind).
 * {@code pg_waldump} reads from the last checkpoint to the first record that is not valid; the position of that
 * record is the end. Empty (unknown) when pg_waldump says nothing usable, or when a newer timeline's history file
 * exists (WAL past a switch would not be followed): the core then treats the position as unknown, never guessed.
 */
public final class WalEnd {
    private static final Pattern END = Pattern.compile(
            "error in WAL record at [0-9A-F]+/[0-9A-F]+: .*?\\bat ([0-9A-F]+/[0-9A-F]+)");
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private final PgCommands cmd;

    WalEnd(PgCommands cmd) {
        this.cmd = cmd;
    }

    /** The end of the WAL of the stopped cluster described by {@code cd}, or empty when it cannot be told. */
    public Optional<Long> of(ControlData cd) {
        Path walDir = cmd.s.dataDir().resolve("pg_wal");
        long tli = cd.timeline();
        if (Files.exists(walDir.resolve(String.format("%08X.history", tli + 1)))) return Optional.empty();
        // pg_waldump waits 5 s for a segment that is not there (it retries for --follow's sake): the checkpoint's
        // segment on this timeline must exist (it does not after a promotion whose first checkpoint never ran: the
        // control file then names a checkpoint on the parent timeline).
        if (!Files.exists(walDir.resolve(segmentName(tli, cd.checkpointLsn(), segmentSize(walDir))))) return Optional.empty();
        CommandResult r = cmd.run(LIMIT, null, cmd.s.bin("pg_waldump").toString(), "-q", "-p", walDir.toString(),
                "-t", Long.toString(tli), "-s", Lsn.format(cd.checkpointLsn()));
        return parse(r.outputTail());
    }

    /** A WAL segment's file name: timeline, then the segment number split in "log" and "seg" as PostgreSQL does. */
    static String segmentName(long tli, long lsn, long segmentSize) {
        long perLog = 0x1_0000_0000L / segmentSize;
        long segNo = Long.divideUnsigned(lsn, segmentSize);
        return String.format("%08X%08X%08X", tli, segNo / perLog, segNo % perLog);
    }

    /** The size of this cluster's WAL segments, from any segment file in pg_wal (16 MB when none is there). */
    static long segmentSize(Path walDir) {
        try (var files = Files.list(walDir)) {
            return files.filter(f -> f.getFileName().toString().matches("[0-9A-F]{24}") && Files.isRegularFile(f))
                    .findFirst().map(f -> {
                        try {
                            long size = Files.size(f);
                            return size > 0 && Long.bitCount(size) == 1 ? size : 16L << 20;
                        } catch (java.io.IOException e) {
                            return 16L << 20;
                        }
                    }).orElse(16L << 20);
        } catch (java.io.IOException e) {
            return 16L << 20;
        }
    }

    static Optional<Long> parse(String output) {
        Matcher m = END.matcher(output == null ? "" : output);
        if (!m.find()) return Optional.empty();
        try {
            return Optional.of(Lsn.parse(m.group(1)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
