package vigil.daemon.pg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which WAL segment the startup process of a PostgreSQL still in recovery reads, from its process title ("postgres:
 * startup recovering 000000010000000000000003", set each time it opens a segment, from pg_wal or received by
 * streaming; "startup waiting for 00000003000000000000000E" while it waits for one it does not have), or, before it opened any, the backup_label that pg_rewind or a copy left. A standby that is not yet
 * consistent refuses every connection (57P03), so this is the only way to see where its replay stands; vigild uses it
 * to ask the upstream whether that segment still exists ({@code UpstreamWal}).
 *
 * <p>Invariant: only the startup process of the postmaster of this data directory is read (postmaster.pid, checked
 * against the process's working directory), never another cluster's.
 */
public final class Recovery {
    private static final Pattern TITLE = Pattern.compile("startup (recovering|waiting for) ([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})");

    /**
     * @param timeline    the timeline of the WAL replay reads
     * @param at          where replay stands (a lower bound): the start of the segment it reads, or where a rewind
     *                    or a copy told it to begin
     * @param needed      the start of the segment to ask the upstream for: the one it reads (its local copy may end
     *                    before the record replay waits for, and the WAL receiver then asks for that segment again), or
     *                    the first one a label names
     * @param segmentSize the cluster's WAL segment size
     * @param waiting     nothing past it is in pg_wal (on any timeline): replay can only go on with WAL streamed from
     *                    its upstream. False: it has WAL of its own to replay first, nothing is concluded.
     */
    public record Reading(long timeline, long at, long needed, long segmentSize, boolean waiting) {}

    private Recovery() {}

    /**
     * What the startup process of {@code dataDir}'s postmaster reads now; empty when none runs, or nothing says where
     * it stands. Its title names the segment it last opened; a startup process that has opened none yet (a rewound or
     * copied cluster whose first segment is missing) is where its backup_label says replay begins.
     */
    public static Optional<Reading> of(Path dataDir) {
        Optional<String> title = startupTitle(dataDir);
        if (title.isEmpty()) return Optional.empty();
        Optional<Reading> r = parse(title.get(), dataDir.resolve("pg_wal"));
        if (r.isPresent()) return r;
        return title.get().matches("postgres: (.*: )?startup\\s*")
                ? fromLabel(dataDir.resolve("backup_label"), dataDir.resolve("pg_wal")) : Optional.empty();
    }

    /**
     * The segment the startup process of {@code dataDir}'s postmaster says it waits for ("startup waiting for F": it
     * does not have it), or empty. Only that title: one that reads a segment may be replaying it still.
     */
    public static Optional<String> waitingFor(Path dataDir) {
        Matcher m = TITLE.matcher(startupTitle(dataDir).orElse(""));
        return m.find() && m.group(1).equals("waiting for") ? Optional.of(m.group(2) + m.group(3) + m.group(4)) : Optional.empty();
    }

    /** The title of the startup process among the children of {@code dataDir}'s postmaster, or empty. */
    private static Optional<String> startupTitle(Path dataDir) {
        OptionalLong pm = ProcessTree.postmaster(dataDir);
        if (pm.isEmpty()) return Optional.empty();
        for (Map.Entry<Long, ProcessTree.Proc> p : ProcessTree.snapshot().entrySet()) {
            if (p.getValue().ppid() != pm.getAsLong() || p.getValue().zombie()) continue;
            String cmdline = ProcessTree.readSmall("/proc/" + p.getKey() + "/cmdline");
            String title = cmdline == null ? "" : cmdline.replace('\0', ' ');
            if (title.matches("postgres: (.*: )?startup\\b.*")) return Optional.of(title);
        }
        return Optional.empty();
    }

    /** The reading a startup process's title names; the segment size and the next segment taken from {@code walDir}. */
    static Optional<Reading> parse(String title, Path walDir) {
        Matcher m = TITLE.matcher(title);
        if (!m.find()) return Optional.empty();
        long tli = Long.parseLong(m.group(2), 16);
        long size = WalEnd.segmentSize(walDir);
        long start = segmentStart(m.group(3), m.group(4), size);
        if (m.group(1).equals("waiting for")) {
            // Set when it asks for a segment it does not have on a timeline it can use (from its WAL receiver, or an
            // archive): that one. A file of that number in pg_wal may be of an older timeline, unusable past the fork
            // (a rewound old primary keeps its own), so none is looked for.
            return Optional.of(new Reading(tli, start, start, size, true));
        }
        // The segment it reads is asked for, as its WAL receiver asks (from the start of the segment holding the record
        // it waits for), and only while the next one is not here: with more WAL of its own it is not waiting. Whether it
        // waits within this segment or for the next, an upstream that removed this one and a title that does not move
        // on for the whole stall time (the next segment, if the upstream still had it, would have streamed) mean stuck.
        return Optional.of(new Reading(tli, start, start, size, !present(walDir, tli, start + size, size)));
    }

    private static final Pattern LABEL = Pattern.compile("START WAL LOCATION: ([0-9A-F]+)/([0-9A-F]+) \\(file ([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})\\)");

    /** Where a backup_label (pg_rewind's, pg_basebackup's) says replay begins: that segment is needed first. */
    static Optional<Reading> fromLabel(Path label, Path walDir) {
        String text;
        try {
            text = Files.readString(label);
        } catch (IOException e) {
            return Optional.empty();
        }
        Matcher m = LABEL.matcher(text);
        if (!m.find()) return Optional.empty();
        long lsn = (Long.parseLong(m.group(1), 16) << 32) | Long.parseLong(m.group(2), 16);
        long tli = Long.parseLong(m.group(3), 16);
        long size = WalEnd.segmentSize(walDir);
        long start = segmentStart(m.group(4), m.group(5), size);
        return Optional.of(new Reading(tli, lsn, start, size, !present(walDir, tli, start, size)));
    }

    private static long segmentStart(String log, String seg, long size) {
        return (Long.parseLong(log, 16) * (0x1_0000_0000L / size) + Long.parseLong(seg, 16)) * size;
    }

    /** A segment holding {@code lsn} is in {@code walDir}, on any timeline (a read error counts as present: no guess). */
    private static boolean present(Path walDir, long tli, long lsn, long size) {
        String name = WalEnd.segmentName(tli, lsn, size).substring(8);
        try (var files = Files.list(walDir)) {
            return files.map(f -> f.getFileName().toString()).anyMatch(n -> n.length() == 24 && n.endsWith(name));
        } catch (IOException e) {
            return true;
        }
    }
}
