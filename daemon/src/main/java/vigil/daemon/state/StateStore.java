package vigil.daemon.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import vigil.core.election.ClusterRecord;
import vigil.core.election.Durable;
import vigil.core.election.PgRecord;
import vigil.core.ha.HaDurable;

/**
 * The node's durable state in {@code state_dir/election.state}: the election's ({@link Durable}: term, vote, record)
 * and the supervisor's ({@link HaDurable}: the need to rewind, the reclaim window). {@link #save} returns only once the new
 * state is on disk: written to a temporary file, fsynced, renamed over the old one, directory fsynced. A crash at
 * any point leaves either the old or the new state, never a mix, so a term once used can never be forgotten.
 *
 * <p>The store holds an exclusive lock on {@code state_dir/lock} while open: two daemons sharing one state
 * directory could each vote once per term and together vote twice.
 */
public final class StateStore implements AutoCloseable {
    static final String FILE = "election.state";
    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private StateStore(Path dir, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Creates the directory (0700) when missing and takes the lock. */
    public static StateStore open(Path dir) throws StateException {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                ch.close();
                throw new StateException(dir.resolve("lock") + ": another vigild uses this state directory; "
                        + "give each node its own node.state_dir");
            }
            return new StateStore(dir, ch, lock);
        } catch (IOException e) {
            throw new StateException("cannot open state directory " + dir + ": " + e.getMessage()
                    + " (check node.state_dir and its permissions)");
        }
    }

    /** What a node kept on disk. */
    public record Saved(Durable election, HaDurable ha) {
        public static final Saved INITIAL = new Saved(Durable.INITIAL, HaDurable.INITIAL);
    }

    /**
     * The saved state, or {@link Saved#INITIAL} for a node that never ran. A damaged file is an error. Version 1 files
     * (before the record's PostgreSQL details and the supervisor's part) load with those parts empty.
     */
    public Saved load() throws StateException {
        Path f = dir.resolve(FILE);
        if (!Files.exists(f)) return Saved.INITIAL;
        Map<String, String> kv = new LinkedHashMap<>();
        try {
            int lineNo = 0;
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                lineNo++;
                if (line.isBlank() || line.startsWith("#")) continue;
                int eq = line.indexOf('=');
                if (eq <= 0) throw new StateException(f + ":" + lineNo + ": not key=value: " + line);
                kv.put(line.substring(0, eq), line.substring(eq + 1));
            }
            String version = kv.get("version");
            if (!"1".equals(version) && !"2".equals(version)) throw new StateException(f + ": unsupported version " + version);
            long term = Long.parseLong(req(kv, f, "term"));
            String votedFor = emptyToNull(req(kv, f, "voted_for"));
            long recordTerm = Long.parseLong(req(kv, f, "record_term"));
            long recordVersion = Long.parseLong(req(kv, f, "record_version"));
            String recordLeader = emptyToNull(req(kv, f, "record_leader"));
            String primary = emptyToNull(req(kv, f, "record_primary"));
            long timeline = Long.parseLong(req(kv, f, "record_timeline"));
            List<String> syncSet = list(req(kv, f, "record_sync"));
            long systemId = Long.parseUnsignedLong(kv.getOrDefault("record_system_id", "0"));
            String fork = kv.getOrDefault("record_fork", "");
            PgRecord.Fork forkPoint = fork.isEmpty() ? null : new PgRecord.Fork(Long.parseLong(fork.split("/")[0]),
                    Long.parseLong(fork.split("/")[1]));
            String former = emptyToNull(kv.getOrDefault("record_former_primary", ""));
            String confirmed = emptyToNull(kv.getOrDefault("record_confirmed_down", ""));
            PgRecord.Confirmed oath = confirmed == null ? null : new PgRecord.Confirmed(confirmed,
                    Long.parseLong(req(kv, f, "record_confirmed_term")), req(kv, f, "record_confirmed_by"),
                    req(kv, f, "record_confirmed_at"));
            String pausedBy = emptyToNull(kv.getOrDefault("record_paused_by", ""));
            PgRecord.Paused paused = pausedBy == null ? null : new PgRecord.Paused(pausedBy,
                    req(kv, f, "record_paused_at"), Long.parseLong(req(kv, f, "record_paused_term")));
            List<String> banned = list(kv.getOrDefault("record_banned", ""));
            Map<String, Long> ledIn = terms(kv.getOrDefault("record_led_in", ""));
            Map<String, Long> unwatched = terms(kv.getOrDefault("record_unwatched", ""));
            if ("1".equals(version) && recordLeader != null) ledIn.put(recordLeader, recordTerm);
            ClusterRecord record = new ClusterRecord(recordTerm, recordVersion, recordLeader,
                    new PgRecord(primary, systemId, timeline, forkPoint, syncSet, former, oath, paused, banned), ledIn,
                    unwatched);
            HaDurable ha = new HaDurable(Boolean.parseBoolean(kv.getOrDefault("needs_rewind", "false")),
                    kv.getOrDefault("reclaim_boot", ""), Long.parseLong(kv.getOrDefault("reclaim_until_mono_ms", "0")));
            return new Saved(new Durable(term, votedFor, record), ha);
        } catch (IOException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new StateException(f + ": damaged election state (" + e.getMessage() + "); this node must not "
                    + "guess its term. Restore the file, or if the node's data is to be discarded, remove it and "
                    + "start the node only after the others elected a leader");
        }
    }

    /** {@code node:term,node:term} as written by {@link #terms(Map)}. */
    private static Map<String, Long> terms(String text) {
        Map<String, Long> terms = new LinkedHashMap<>();
        for (String entry : list(text)) {
            int colon = entry.lastIndexOf(':');
            terms.put(entry.substring(0, colon), Long.parseLong(entry.substring(colon + 1)));
        }
        return terms;
    }

    private static String terms(Map<String, Long> terms) {
        StringBuilder text = new StringBuilder();
        terms.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> text.append(text.length() == 0 ? "" : ",").append(e.getKey()).append(':').append(e.getValue()));
        return text.toString();
    }

    /** A value on one line: a key=value file cannot hold a line break. */
    private static String oneLine(String v) {
        return v.replace('\n', ' ').replace('\r', ' ');
    }

    public void save(Durable d, HaDurable ha) throws StateException {
        ClusterRecord r = d.record();
        PgRecord pg = r.pg();
        String text = "# vigil node state, written by vigild; do not edit\nversion=2\nterm=" + d.term()
                + "\nvoted_for=" + nullToEmpty(d.votedFor()) + "\nrecord_term=" + r.term()
                + "\nrecord_version=" + r.version()
                + "\nrecord_leader=" + nullToEmpty(r.leader())
                + "\nrecord_primary=" + nullToEmpty(pg.primary())
                + "\nrecord_system_id=" + Long.toUnsignedString(pg.systemId())
                + "\nrecord_timeline=" + pg.timeline()
                + "\nrecord_fork=" + (pg.fork() == null ? "" : pg.fork().parentTimeline() + "/" + pg.fork().lsn())
                + "\nrecord_sync=" + String.join(",", pg.sync())
                + "\nrecord_former_primary=" + nullToEmpty(pg.formerPrimary())
                + "\nrecord_led_in=" + terms(r.ledIn())
                + (r.unwatched().isEmpty() ? "" : "\nrecord_unwatched=" + terms(r.unwatched()))
                + (pg.banned().isEmpty() ? "" : "\nrecord_banned=" + String.join(",", pg.banned()))
                + (pg.confirmedDown() == null ? "" : "\nrecord_confirmed_down=" + pg.confirmedDown().node()
                        + "\nrecord_confirmed_term=" + pg.confirmedDown().term()
                        + "\nrecord_confirmed_by=" + oneLine(pg.confirmedDown().operator())
                        + "\nrecord_confirmed_at=" + oneLine(pg.confirmedDown().at()))
                + (pg.paused() == null ? "" : "\nrecord_paused_by=" + oneLine(pg.paused().operator())
                        + "\nrecord_paused_at=" + oneLine(pg.paused().at())
                        + "\nrecord_paused_term=" + pg.paused().term())
                + "\nneeds_rewind=" + ha.needsRewind()
                + "\nreclaim_boot=" + ha.reclaimBoot()
                + "\nreclaim_until_mono_ms=" + ha.reclaimUntil() + "\n";
        Path tmp = dir.resolve(FILE + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            try {
                Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new StateException(dir + " does not support atomic rename; put node.state_dir on a local filesystem");
            }
            try (FileChannel dirChannel = FileChannel.open(dir, StandardOpenOption.READ)) {
                dirChannel.force(true);
            }
        } catch (IOException e) {
            throw new StateException("cannot save election state in " + dir + ": " + e.getMessage());
        }
    }

    private static List<String> list(String s) {
        return s.isEmpty() ? List.of() : List.of(s.split(","));
    }

    @Override
    public void close() {
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException ignored) {
            // the process is ending; the kernel drops the lock with the descriptor
        }
    }

    private static String req(Map<String, String> kv, Path f, String key) throws StateException {
        String v = kv.get(key);
        if (v == null) throw new StateException(f + ": missing " + key);
        return v;
    }

    private static String emptyToNull(String s) {
        return s.isEmpty() ? null : s;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
