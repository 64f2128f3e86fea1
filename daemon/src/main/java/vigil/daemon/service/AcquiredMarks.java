package vigil.daemon.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import vigil.config.ServiceActionSettings;

/**
 * Which VIPs had every {@code acquired} action complete on this host since this host last acquired them, and with
 * which actions (a digest of their argv, in order): {@code <state_dir>/vip-acquired}, one line per VIP. A VIP kept from
 * start (a restart of vigild left it on the host) runs its actions again unless its mark matches the actions configured
 * now: the process that acquired it may have ended before they ran (queued actions are dropped at a stop), or the
 * restart may have been made to add one. A mark is erased before a VIP's {@code acquired} actions start and when its
 * {@code released} actions are asked for, so a process that ends half-way leaves none: the worst a lost or unreadable
 * file costs is one more run of the actions.
 *
 * <p>The marks in memory are the truth for this process; the file follows them on a thread of its own. No caller
 * waits for the disk: a release is asked for by the lease guard on its way to fencing PostgreSQL, and a stalled disk
 * must not hold it (nor the VIP worker, nor a lock either takes).
 */
final class AcquiredMarks implements AutoCloseable {
    static final String FILE = "vip-acquired";
    private static final long FLUSH_MS = 2_000;

    private final Path file;
    private final Map<String, String> marks = new TreeMap<>();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "vigil-service-marks");
        t.setDaemon(true);
        return t;
    });
    private volatile Consumer<IOException> failed = e -> { };

    private AcquiredMarks(Path file) {
        this.file = file;
    }

    /** Told when the file could not be written (the marks in memory stand; the file lags until the next write). */
    void onFailure(Consumer<IOException> f) {
        failed = f;
    }

    /** The marks kept in {@code stateDir}; an unreadable file counts as none. */
    static AcquiredMarks open(Path stateDir) {
        AcquiredMarks m = new AcquiredMarks(stateDir.resolve(FILE));
        try {
            if (Files.exists(m.file)) {
                for (String line : Files.readAllLines(m.file, StandardCharsets.UTF_8)) {
                    int tab = line.indexOf('\t');
                    if (tab > 0) m.marks.put(line.substring(0, tab), line.substring(tab + 1));
                }
            }
        } catch (IOException | RuntimeException e) {
            m.marks.clear();
        }
        return m;
    }

    /** The digest of the actions that run when {@code vip} is acquired, in the order they run. */
    static String digest(List<ServiceActionSettings> actions, String vip) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (ServiceActionSettings a : actions) {
                if (!a.matches(ServiceActionSettings.Trigger.ACQUIRED, vip)) continue;
                md.update(String.join("\u0000", a.argv()).getBytes(StandardCharsets.UTF_8));
                md.update((byte) '\n');
            }
            return HexFormat.of().formatHex(md.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    synchronized boolean matches(String vip, String digest) {
        return digest.equals(marks.get(vip));
    }

    synchronized void put(String vip, String digest) {
        if (!digest.equals(marks.put(vip, digest))) write();
    }

    synchronized void erase(String vip) {
        if (marks.remove(vip) != null) write();
    }

    /** Erases every mark but those of {@code kept} (at start: the VIPs found on the host and kept). */
    synchronized void keepOnly(Collection<String> kept) {
        if (marks.keySet().retainAll(kept)) write();
    }

    /** Queues a write of the marks as they are now; writes run in order, so the last one leaves the newest. */
    private void write() {
        StringBuilder out = new StringBuilder();
        marks.forEach((vip, d) -> out.append(vip).append('\t').append(d).append('\n'));
        try {
            writer.execute(() -> {
                try {
                    Path tmp = file.resolveSibling(FILE + ".tmp");
                    Files.writeString(tmp, out, StandardCharsets.UTF_8);
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    failed.accept(e);
                }
            });
        } catch (RejectedExecutionException e) {
            // closed: this process no longer acts on VIPs
        }
    }

    /** Lets the queued writes finish (for a bounded time) and stops the writer. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(FLUSH_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
