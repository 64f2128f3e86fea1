package vigil.daemon.pg;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * What /proc says about processes, and SIGKILL by PID. Invariants: a zombie counts as gone (it runs no code, holds
 * no socket and no shared memory; init on some hosts reaps orphans only every 1.5–2 s, so waiting for the reaping
 * would make every kill look slow); a PID is only ever taken for PostgreSQL's when the process works in the data
 * directory (its cwd, which the postmaster and every backend inherit), so a stale postmaster.pid naming a reused
 * PID never gets an unrelated process killed. PID 1 and vigild itself are never signalled.
 */
final class ProcessTree {
    /** One line of /proc/PID/stat: the fields we need. {@code state} is 'T' for both stopped and traced. */
    record Proc(long pid, long ppid, char state, String comm) {
        boolean zombie() {
            return state == 'Z' || state == 'X';
        }
    }

    private static final Path PROC = Path.of("/proc");
    private static final long SELF = ProcessHandle.current().pid();
    private static final long POLL_NANOS = 500_000;

    private ProcessTree() {}

    /** Every process now, by PID (one pass over /proc; processes that exit meanwhile are left out). */
    static Map<Long, Proc> snapshot() {
        Map<Long, Proc> all = new HashMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC)) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
                    read(Long.parseLong(name)).ifPresent(proc -> all.put(proc.pid(), proc));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
        }
        return all;
    }

    /** The process {@code pid} as /proc/PID/stat shows it, or empty when there is none. */
    static Optional<Proc> read(long pid) {
        String stat = readSmall("/proc/" + pid + "/stat");
        if (stat == null) return Optional.empty();
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so cut at the last ')'
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open || close + 4 > stat.length()) return Optional.empty();
        char state = stat.charAt(close + 2);
        int ppidEnd = stat.indexOf(' ', close + 4);
        try {
            long ppid = Long.parseLong(stat.substring(close + 4, ppidEnd < 0 ? stat.length() : ppidEnd).trim());
            return Optional.of(new Proc(pid, ppid, state == 't' ? 'T' : state, stat.substring(open + 1, close)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * A small kernel file (procfs, cgroupfs) read whole, or null when it cannot be read. A plain read into one buffer
     * costs a fourth of {@code Files.readAllBytes} here (about 10 µs against 25–50 µs), and the self-fence reads
     * hundreds of these.
     */
    static String readSmall(String path) {
        try (FileInputStream in = new FileInputStream(path)) {
            byte[] buf = new byte[4096];
            int len = 0;
            for (int n; len < buf.length && (n = in.read(buf, len, buf.length - len)) > 0; ) {
                len += n;
            }
            return new String(buf, 0, len, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    /** No such process, or only its zombie is left. */
    static boolean gone(long pid) {
        return read(pid).map(Proc::zombie).orElse(true);
    }

    /** Every descendant of {@code root} in {@code all} (by parent PID chains; setsid does not change the parent). */
    static Set<Long> descendants(Map<Long, Proc> all, long root) {
        Map<Long, List<Long>> children = new HashMap<>();
        for (Proc p : all.values()) {
            children.computeIfAbsent(p.ppid(), k -> new ArrayList<>()).add(p.pid());
        }
        Set<Long> out = new LinkedHashSet<>();
        Deque<Long> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            for (long c : children.getOrDefault(todo.pop(), List.of())) {
                if (c != root && out.add(c)) todo.push(c);
            }
        }
        return out;
    }

    /**
     * {@code root} and its descendants, read from each process's /proc/PID/task/PID/children (its main thread's
     * children) without scanning all of /proc: cheap enough to run before the first signal of a kill. Null when the
     * kernel has no such file (CONFIG_PROC_CHILDREN). Not race-free: a child forked meanwhile is missed (callers scan
     * for those afterwards).
     */
    static Set<Long> treeOf(long root) {
        Set<Long> out = new LinkedHashSet<>(List.of(root));
        Deque<Long> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            long pid = todo.pop();
            String children = readSmall("/proc/" + pid + "/task/" + pid + "/children");
            if (children == null) {
                if (pid == root && !Files.exists(PROC.resolve("self/task/" + SELF + "/children"))) return null;
                continue; // it exited meanwhile
            }
            for (String c : children.trim().split(" ")) {
                if (!c.isEmpty() && out.add(Long.parseLong(c))) todo.push(Long.parseLong(c));
            }
        }
        return out;
    }

    /** The resolved data directory, or null when it does not exist (then no process can work in it). */
    static Path realDir(Path dataDir) {
        try {
            return dataDir.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }

    /** Whether {@code pid}'s current directory is {@code realDir} (false when unreadable: not provably ours). */
    static boolean worksIn(long pid, Path realDir) {
        if (realDir == null) return false;
        try {
            return Files.readSymbolicLink(PROC.resolve(Long.toString(pid)).resolve("cwd")).equals(realDir);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The PID in dataDir/postmaster.pid when that process is alive and works in the data directory. */
    static OptionalLong postmaster(Path dataDir) {
        long pid;
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            if (lines.isEmpty()) return OptionalLong.empty();
            pid = Long.parseLong(lines.get(0).trim());
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
        if (pid <= 1 || pid == SELF || gone(pid) || !worksIn(pid, realDir(dataDir))) return OptionalLong.empty();
        return OptionalLong.of(pid);
    }

    /**
     * Every process of the PostgreSQL in {@code dataDir}, postmaster first: the postmaster of postmaster.pid and its
     * descendants, plus any process named {@code postgres} working in the data directory (backends left behind by a
     * postmaster that died, or forked just before a kill). Zombies are left out.
     */
    static Set<Long> family(Map<Long, Proc> all, Path dataDir) {
        return family(all, dataDir, postmaster(dataDir));
    }

    /** {@link #family(Map, Path)} with the postmaster already known (it may have been killed meanwhile). */
    static Set<Long> family(Map<Long, Proc> all, Path dataDir, OptionalLong pm) {
        Set<Long> out = new LinkedHashSet<>();
        if (pm.isPresent()) {
            out.add(pm.getAsLong());
            out.addAll(descendants(all, pm.getAsLong()));
        }
        Path real = realDir(dataDir);
        if (real != null) {
            for (Proc p : all.values()) {
                if ("postgres".equals(p.comm()) && !out.contains(p.pid()) && !p.zombie() && worksIn(p.pid(), real)) {
                    out.add(p.pid());
                    out.addAll(descendants(all, p.pid()));
                }
            }
        }
        out.removeIf(pid -> pid <= 1 || pid == SELF || !all.containsKey(pid) || all.get(pid).zombie());
        return out;
    }

    /** SIGKILL to each PID in order (PID 1 and vigild itself excepted); returns how many were signalled. */
    static int kill(Collection<Long> pids) {
        int n = 0;
        for (long pid : pids) {
            if (pid > 1 && pid != SELF && ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false)) {
                n++;
            }
        }
        return n;
    }

    /** Polls until every PID is gone (or a zombie) or the deadline passes; returns those still there. */
    static List<Long> awaitGone(Collection<Long> pids, long deadlineNanos) {
        List<Long> left = new ArrayList<>(pids);
        while (true) {
            left.removeIf(ProcessTree::gone);
            if (left.isEmpty() || System.nanoTime() - deadlineNanos >= 0) return left;
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** "1234 (postgres, T), 1240 (postgres, D)": what is left, for a log line. */
    static String describe(Collection<Long> pids) {
        List<String> parts = new ArrayList<>();
        for (long pid : pids) {
            parts.add(read(pid).map(p -> pid + " (" + p.comm() + ", " + p.state() + ")").orElse(pid + " (gone)"));
        }
        return String.join(", ", parts);
    }
}
