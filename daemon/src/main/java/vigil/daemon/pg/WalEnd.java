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
 *
 * <p>pg_waldump names that position in one of two ways. Usually the invalid record is on a page already written:
 * "invalid record length at X/Y" (or another complaint "at X/Y"). When the last valid record ends exactly at a page
 * boundary, the next record starts on a page never written: its page header is rejected, "invalid magic number 0000
 * in log segment S, offset N" (zeros) or "unexpected pageaddr ... in log segment S, offset N" (a recycled segment),
 * and the end is that page, segment S's start plus N. A clean shutdown checkpoint ends on a page boundary often
 * enough that a switchover saw it (the end unknown, so the switchover was given up).
 */
public final class WalEnd {
    private static final Pattern END = Pattern.compile(
            "error in WAL record at [0-9A-F]+/[0-9A-F]+: .*?\\bat ([0-9A-F]+/[0-9A-F]+)");
    private static final Pattern PAGE_END = Pattern.compile("error in WAL record at [0-9A-F]+/[0-9A-F]+: "
            + "(?:invalid magic number [0-9A-F]+|unexpected pageaddr [0-9A-F]+/[0-9A-F]+) in log segment "
            + "([0-9A-F]{24}), offset ([0-9]+)");
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
        return parse(r.outputTail(), segmentSize(walDir));
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

    /** The end named by pg_waldump's {@code output}, for WAL segments of {@code segmentSize} bytes. */
    static Optional<Long> parse(String output, long segmentSize) {
        String text = output == null ? "" : output;
        Matcher page = PAGE_END.matcher(text);
        if (page.find()) {
            String name = page.group(1);
            long offset = Long.parseLong(page.group(2));
            if (offset % XLOG_BLCKSZ != 0 || offset >= segmentSize) return Optional.empty();
            long perLog = 0x1_0000_0000L / segmentSize;
            long log = Long.parseLong(name.substring(8, 16), 16);
            long seg = Long.parseLong(name.substring(16, 24), 16);
            if (seg >= perLog) return Optional.empty();
            return Optional.of((log * perLog + seg) * segmentSize + offset);
        }
        Matcher m = END.matcher(text);
        if (!m.find()) return Optional.empty();
        try {
            return Optional.of(Lsn.parse(m.group(1)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** PostgreSQL's WAL page size (the default build's; a page header is rejected only at such a boundary). */
    private static final long XLOG_BLCKSZ = 8192;
}
