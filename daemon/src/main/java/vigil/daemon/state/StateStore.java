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

/**
 * The node's durable election state in {@code state_dir/election.state}. {@link #save} returns only once the new
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

    /** The saved state, or {@link Durable#INITIAL} for a node that never ran. A damaged file is an error. */
    public Durable load() throws StateException {
        Path f = dir.resolve(FILE);
        if (!Files.exists(f)) return Durable.INITIAL;
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
            if (!"1".equals(kv.get("version"))) throw new StateException(f + ": unsupported version " + kv.get("version"));
            long term = Long.parseLong(req(kv, f, "term"));
            String votedFor = emptyToNull(req(kv, f, "voted_for"));
            long recordTerm = Long.parseLong(req(kv, f, "record_term"));
            long recordVersion = Long.parseLong(req(kv, f, "record_version"));
            String recordLeader = emptyToNull(req(kv, f, "record_leader"));
            String primary = emptyToNull(req(kv, f, "record_primary"));
            long timeline = Long.parseLong(req(kv, f, "record_timeline"));
            String sync = req(kv, f, "record_sync");
            List<String> syncSet = sync.isEmpty() ? List.of() : List.of(sync.split(","));
            return new Durable(term, votedFor,
                    new ClusterRecord(recordTerm, recordVersion, recordLeader, primary, timeline, syncSet));
        } catch (IOException | IllegalArgumentException e) {
            throw new StateException(f + ": damaged election state (" + e.getMessage() + "); this node must not "
                    + "guess its term. Restore the file, or if the node's data is to be discarded, remove it and "
                    + "start the node only after the others elected a leader");
        }
    }

    public void save(Durable d) throws StateException {
        String text = "# vigil election state, written by vigild; do not edit\nversion=1\nterm=" + d.term()
                + "\nvoted_for=" + nullToEmpty(d.votedFor()) + "\nrecord_term=" + d.record().term()
                + "\nrecord_version=" + d.record().version()
                + "\nrecord_leader=" + nullToEmpty(d.record().leader())
                + "\nrecord_primary=" + nullToEmpty(d.record().primary())
                + "\nrecord_timeline=" + d.record().timeline()
                + "\nrecord_sync=" + String.join(",", d.record().sync()) + "\n";
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
