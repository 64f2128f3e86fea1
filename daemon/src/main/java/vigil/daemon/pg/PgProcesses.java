package vigil.daemon.pg;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Every process of the local PostgreSQL, in one cgroup v2 group when the host has one, else found by walking /proc.
 *
 * <p>Why: the self-fence must end every PostgreSQL process — the postmaster and its backends, which call setsid and
 * so are in no session or process group of the postmaster's — at once and prove it within tens of milliseconds,
 * even when the postmaster is stopped (SIGSTOP) or the machine is loaded. A cgroup does that in two kernel calls:
 * one write to cgroup.kill signals every member (the kernel also catches forks in flight), and cgroup.events says
 * {@code populated 0} once none is left alive (zombies do not count; init here reaps them only every 1.5–2 s).
 *
 * <p>Invariants: the group is {@code <vigild's own group>/vigil-postgres-<node>}, per node because test rigs run
 * several vigild in one group; it is created when missing, reused as found (PostgreSQL outlives a crashed vigild),
 * never removed while populated; a process joins it before it execs PostgreSQL, so nothing it forks is ever outside.
 * Without a usable cgroup2 the same API walks /proc: the postmaster of postmaster.pid (only if it works in the data
 * directory), its descendants and any {@code postgres} process working in the data directory.
 * {@link #killAll} never blocks longer than its deadline plus one poll and one /proc pass.
 *
 * <p>Immutable, so safe to share between the action thread that starts PostgreSQL and the one that fences. A kill
 * alone cannot stop a start that is still in flight (its process has not joined the group yet) from coming up after
 * the kill is verified: {@link StartBarrier} orders the two (the driver counts each fence there before it kills, and a
 * start asked before it spawns nothing, or is killed by its handle). Processes that join while the kill is polling
 * are killed too.
 */
public final class PgProcesses {
    static final String PREFIX = "vigil-postgres-";
    private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final long POLL_NANOS = 500_000;
    private static final long FREEZE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final Cgroup group; // null: process-tree mode
    /**
     * This vigild's last freeze request was "freeze": a start never thaws the group then (only the node step does; the
     * kill path still thaws a group it emptied). Set when the request is made, before the freezer thread writes it.
     */
    private volatile boolean freezeWanted;
    private final String fallbackReason;

    private PgProcesses(Cgroup group, String fallbackReason) {
        this.group = group;
        this.fallbackReason = fallbackReason;
    }

    /**
     * Opens (creates if missing) the group {@code <own cgroup>/vigil-postgres-<nodeName>}; falls back to /proc walking
     * (told once to {@code warn}) when cgroup2 is absent, lacks cgroup.kill, or a process cannot join the group.
     */
    public static PgProcesses open(String nodeName, Consumer<String> warn) {
        checkName(nodeName);
        Cgroup.Location own;
        try {
            own = Cgroup.own();
        } catch (IOException e) {
            return fallBack(e.getMessage(), warn);
        }
        return open(own, nodeName, warn);
    }

    /** {@link #open(String, Consumer)} under the given group instead of vigild's own (tests; nested layouts). */
    static PgProcesses open(Cgroup.Location parent, String nodeName, Consumer<String> warn) {
        checkName(nodeName);
        try {
            String last = parent.path().substring(parent.path().lastIndexOf('/') + 1);
            if (last.startsWith(PREFIX)) {
                throw new IOException("vigild itself runs in " + parent.path() + ", a PostgreSQL group: a self-fence"
                        + " would kill vigild too — start vigild outside it");
            }
            Cgroup g = Cgroup.open(parent.child(PREFIX + nodeName));
            if (g.freezeRequested()) {
                warn.accept("PostgreSQL's group " + g + " is frozen (cgroup.freeze = 1, left by a previous vigild?):"
                        + " its processes stay stopped until they are fenced; an empty group is thawed at the next start");
            } else {
                g.tryJoin();
            }
            return new PgProcesses(g, null).warmUp();
        } catch (IOException | RuntimeException e) {
            return fallBack(e.getMessage(), warn);
        }
    }

    private static void checkName(String nodeName) {
        if (!NODE_NAME.matcher(nodeName).matches()) {
            throw new IllegalArgumentException("node name \"" + nodeName + "\" cannot name a cgroup — use letters,"
                    + " digits, '_', '.' and '-'");
        }
    }

    private static PgProcesses fallBack(String why, Consumer<String> warn) {
        warn.accept("PostgreSQL's processes are found by walking /proc, not in a cgroup: " + why
                + " — a self-fence then takes a /proc scan longer and can miss a helper (archive_command) forked"
                + " during the kill; on systemd hosts run vigild with Delegate=yes on a cgroup2 (unified) hierarchy");
        return new PgProcesses(null, why).warmUp();
    }

    /** The /proc-walking mode, whatever the host has (tests, and callers that were given no group). */
    public static PgProcesses processTree(String why) {
        return new PgProcesses(null, why).warmUp();
    }

    /** argv that joins the group before exec'ing argv (the process is in the group before it can fork). Identity without a group. */
    public List<String> wrap(List<String> argv) {
        return group == null ? List.copyOf(argv) : group.joinAndExec(argv);
    }

    /**
     * Creates the group's directory again if something removed it since {@link #open} (systemd trims empty groups of a
     * stopped unit), so the next start can join it. Throws when that fails; a no-op without a cgroup.
     */
    void ensureExists() throws IOException {
        if (group != null) Cgroup.open(group.where);
    }

    /** Whether this is the cgroup mode (else /proc walking). */
    public boolean hasCgroup() {
        return group != null;
    }

    /** Live (non-zombie) processes of the local PostgreSQL now; fallback: postmaster.pid's postmaster and its family. */
    public int live(Path dataDir) {
        if (group == null) {
            return ProcessTree.family(ProcessTree.snapshot(), dataDir).size();
        }
        try {
            int n = 0;
            for (long pid : group.procs()) {
                if (!ProcessTree.gone(pid)) n++;
            }
            return n + strays(dataDir).size();
        } catch (IOException e) {
            return ProcessTree.family(ProcessTree.snapshot(), dataDir).size();
        }
    }

    /**
     * A postmaster of this data directory that runs outside the group (started by a vigild without one, before an
     * upgrade), with its family: killAll must not miss it. Costs one read of postmaster.pid and of its /proc entry.
     */
    private Set<Long> strays(Path dataDir) {
        OptionalLong pm = ProcessTree.postmaster(dataDir);
        if (pm.isEmpty() || group.contains(pm.getAsLong())) return Set.of();
        Set<Long> family = ProcessTree.family(ProcessTree.snapshot(), dataDir);
        family.removeIf(group::contains);
        return family;
    }

    /** What a kill did: verified means no process is left alive (and, if asked, nothing accepts on the socket). */
    public record KillReport(boolean verified, int killed, Duration took, String detail) {}

    /** {@link #killAll(Path, Path, Duration)} without the socket check. */
    public KillReport killAll(Path dataDir, Duration deadline) {
        return killAll(dataDir, null, deadline);
    }

    /**
     * SIGKILL every process at once, then poll until none is left alive and nothing accepts connections on
     * {@code socketFile} (null: not checked), or the deadline passes. An interrupt of the calling thread does not cut
     * it short (the self-fence preempts actions by interrupting them); the interrupt status is kept.
     */
    public KillReport killAll(Path dataDir, Path socketFile, Duration deadline) {
        long t0 = System.nanoTime();
        long end = t0 + deadline.toNanos();
        boolean interrupted = Thread.interrupted();
        try {
            return group != null ? killGroup(dataDir, socketFile, t0, end) : killTree(dataDir, socketFile, t0, end);
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private KillReport killGroup(Path dataDir, Path socketFile, long t0, long end) {
        List<Long> members;
        try {
            members = group.procs();
        } catch (IOException e) {
            members = List.of();
        }
        String note = "";
        boolean byPid = false;
        try {
            group.kill();
        } catch (IOException e) {
            byPid = true;
            note = "; cgroup.kill failed (" + e.getMessage() + "), killed by PID instead";
            ProcessTree.kill(members);
        }
        long signalled = System.nanoTime();
        Set<Long> strays = strays(dataDir);
        if (!strays.isEmpty()) {
            ProcessTree.kill(strays);
            note += "; also killed " + strays.size() + " processes of this data directory outside the group: " + strays;
        }
        List<Long> leftStrays = new ArrayList<>(strays);
        while (true) {
            leftStrays.removeIf(ProcessTree::gone);
            boolean populated = group.populated();
            boolean accepts = !populated && leftStrays.isEmpty() && socketFile != null && socketAccepts(socketFile);
            long now = System.nanoTime();
            if (!populated && leftStrays.isEmpty() && !accepts) {
                if (group.freezeRequested()) {
                    thaw(); // so the next postmaster is not born frozen
                }
                return new KillReport(true, members.size() + strays.size(), Duration.ofNanos(now - t0),
                        "killed " + members.size() + " processes of cgroup " + group + " (signalled after "
                                + ms(signalled - t0) + "); none left after " + ms(now - t0) + socketNote(socketFile) + note);
            }
            if (now - end >= 0) {
                String what = accepts
                        ? "no process of the group is left, but something still accepts connections on " + socketFile
                          + " (a PostgreSQL outside vigil's group?)"
                        : "still alive: " + ProcessTree.describe(stillIn(leftStrays));
                return new KillReport(false, members.size() + strays.size(), Duration.ofNanos(now - t0),
                        "killed cgroup " + group + " but after " + ms(now - t0) + " " + what + note);
            }
            if (populated) {
                // again, for a process that joined after the first write (a start in flight); the kernel skips
                // members already dying, so this costs a fraction of a millisecond
                try {
                    if (byPid) {
                        ProcessTree.kill(group.procs());
                    } else {
                        group.kill();
                    }
                } catch (IOException e) {
                    // reported at the deadline
                }
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    private List<Long> stillIn(List<Long> strays) {
        List<Long> out = new ArrayList<>(strays);
        try {
            group.procs().stream().filter(pid -> !ProcessTree.gone(pid)).forEach(out::add);
        } catch (IOException e) {
            // the strays are all we can name
        }
        return out;
    }

    /**
     * Without a cgroup: the postmaster (of postmaster.pid, if it works in the data directory) and its descendants are
     * read from the kernel's per-process children lists, and SIGKILLed at once, postmaster first (once its signal is
     * queued the kernel lets it fork no more). Then one /proc pass finds the rest: any {@code postgres} process working
     * in the data directory — forked between the listing and the kill (the dying postmaster may have re-parented it
     * already), or left behind by an earlier crash — with its descendants. No SIGSTOP: without native code it costs a
     * kill(1) process, 10 ms idle and up to 200 ms under load here.
     */
    private KillReport killTree(Path dataDir, Path socketFile, long t0, long end) {
        OptionalLong pm = ProcessTree.postmaster(dataDir);
        Set<Long> targets = pm.isEmpty() ? new LinkedHashSet<>() : ProcessTree.treeOf(pm.getAsLong());
        if (targets == null) { // no children lists in this kernel: the /proc pass finds the tree
            targets = ProcessTree.family(ProcessTree.snapshot(), dataDir, pm);
        }
        ProcessTree.kill(targets);
        long signalled = System.nanoTime();
        Set<Long> more = ProcessTree.family(ProcessTree.snapshot(), dataDir, pm);
        more.removeAll(targets);
        ProcessTree.kill(more);
        targets.addAll(more);
        while (true) {
            List<Long> left = ProcessTree.awaitGone(targets, end);
            boolean accepts = left.isEmpty() && socketFile != null && socketAccepts(socketFile);
            long now = System.nanoTime();
            if (left.isEmpty() && !accepts) {
                return new KillReport(true, targets.size(), Duration.ofNanos(now - t0), "killed " + targets.size()
                        + " processes of " + dataDir + " (signalled after " + ms(signalled - t0) + ", "
                        + more.size() + " more found in /proc after); none left after " + ms(now - t0)
                        + socketNote(socketFile));
            }
            if (now - end >= 0) {
                String what = accepts ? "no process is left, but something still accepts connections on " + socketFile
                        : "still alive: " + ProcessTree.describe(left);
                return new KillReport(false, targets.size(), Duration.ofNanos(now - t0), "killed " + targets.size()
                        + " processes of " + dataDir + " but after " + ms(now - t0) + " " + what);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    private static String socketNote(Path socketFile) {
        return socketFile == null ? "" : ", nothing accepts on " + socketFile;
    }

    private static String ms(long nanos) {
        return (nanos / 100_000) / 10.0 + " ms"; // not String.format: its first use loads a regex engine (ms, cold)
    }

    /**
     * Runs every path of {@link #killAll} that kills nothing once, so the classes it needs are loaded before the day
     * it must be fast (a cold first kill took 6–27 ms longer here). Touches no process; a frozen group stays frozen.
     */
    private PgProcesses warmUp() {
        Path nowhere = Path.of("/nonexistent/vigil-warm-up");
        socketAccepts(nowhere.resolve(".s.PGSQL.0"));
        ProcessTree.family(ProcessTree.snapshot(), nowhere);
        ProcessTree.treeOf(ProcessHandle.current().pid());
        ProcessTree.kill(List.of());
        ProcessTree.awaitGone(List.of(ProcessHandle.current().pid()), System.nanoTime());
        if (group != null) {
            try {
                group.procs();
                group.populated();
                strays(nowhere);
                if (!group.freezeRequested()) {
                    group.freeze(false); // the same write path as cgroup.kill, and a no-op on a thawed group
                }
            } catch (IOException e) {
                // open() already proved the group usable; the real kill reports its own errors
            }
        }
        new KillReport(true, 0, Duration.ofNanos(System.nanoTime()), ms(1));
        return this;
    }

    /**
     * Whether something accepts connections on a Unix socket file (PostgreSQL's {@code .s.PGSQL.<port>}). A missing
     * file or a refused connection is false; any other answer, a full backlog included, counts as accepting.
     */
    public static boolean socketAccepts(Path socketFile) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.configureBlocking(false); // a listener that does not accept must not hang us
            ch.connect(UnixDomainSocketAddress.of(socketFile));
            return true; // connected, or pending: a listener is there
        } catch (ConnectException | NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            return !(m.contains("No such file") || m.contains("refused"));
        }
    }

    /**
     * Freezes (or thaws) every process of the group at once through cgroup.freeze and waits briefly until the kernel
     * reports it done. False without a cgroup, or when the state was not reached within 200 ms.
     */
    public boolean freeze(boolean frozen) {
        return freezeAndWait(frozen).reached();
    }

    /**
     * What a freeze or thaw did: {@code written} once cgroup.freeze took the request (the kernel then finishes it on its
     * own, even when {@code reached} is still false after the wait: a process in uninterruptible sleep freezes when it
     * leaves it); not written without a cgroup or when the write failed ({@code detail} says why).
     */
    public record FreezeOutcome(boolean written, boolean reached, String detail) {
    }

    /** {@link #freeze(boolean)}, saying what happened. */
    public FreezeOutcome freezeAndWait(boolean frozen) {
        String what = frozen ? "frozen" : "thawed";
        if (group == null) return new FreezeOutcome(false, false, "no cgroup to freeze (" + fallbackReason + ")");
        long t0 = System.nanoTime();
        synchronized (this) { // the write and the wish together: a start's thawIfEmpty never slips between them
            freezeWanted = frozen;
            try {
                group.freeze(frozen);
            } catch (IOException e) {
                return new FreezeOutcome(false, false, "cannot write cgroup.freeze of " + group + ": " + e.getMessage());
            }
        }
        long end = t0 + FREEZE_WAIT_NANOS;
        while (group.frozen() != frozen) {
            if (System.nanoTime() - end >= 0) {
                return new FreezeOutcome(true, false, "cgroup " + group + " asked to be " + what + ", not yet after "
                        + ms(System.nanoTime() - t0));
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        return new FreezeOutcome(true, true, "cgroup " + group + " " + what + " in " + ms(System.nanoTime() - t0));
    }

    /**
     * Thaws a frozen group that holds no process and that this vigild did not freeze (a vigild that froze PostgreSQL
     * died, and PostgreSQL was stopped or killed since): nothing in it can write, and a postmaster started in it must
     * not be born frozen. True when the group is thawed now; false when processes are left in it (they are fenced
     * first), when this vigild's own freeze stands (only the node step thaws that), or when it cannot be written.
     */
    public synchronized boolean thawIfEmpty() {
        if (group == null || !group.freezeRequested()) return true;
        if (freezeWanted || group.populated()) return false;
        return freezeAndWait(false).reached();
    }

    /** Notes a freeze (or thaw) request as it is made, before the freezer thread writes it ({@link #thawIfEmpty}). */
    public synchronized void wantFrozen(boolean frozen) {
        freezeWanted = frozen;
    }

    /** Whether a freeze is in force (cgroup.freeze = 1); a postmaster started now would be frozen at birth. */
    public boolean frozen() {
        return group != null && group.freezeRequested();
    }

    private void thaw() {
        try {
            group.freeze(false);
        } catch (IOException e) {
            // the next start reports the frozen group
        }
    }

    /** e.g. "cgroup /sys/fs/cgroup/unified/vigil-postgres-n1" or "process tree (cgroup2 is not mounted ...)". */
    public String describe() {
        return group != null ? "cgroup " + group : "process tree (" + fallbackReason + ")";
    }

    /** Removes the group's directory if it is empty (tests; vigild keeps it). True when removed. */
    boolean removeIfEmpty() {
        return group != null && group.removeIfEmpty();
    }

    /** The group's directory, for tests and diagnostics; null without a cgroup. */
    Path dir() {
        return group == null ? null : group.where.dir();
    }

    @Override
    public String toString() {
        return describe();
    }
}
