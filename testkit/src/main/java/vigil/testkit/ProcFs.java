package vigil.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Reads of /proc used by the rig and the bench (Linux only). */
public final class ProcFs {
    private ProcFs() {
    }

    public static Optional<String> comm(long pid) {
        return read(Path.of("/proc", Long.toString(pid), "comm")).map(String::strip);
    }

    /** Fields of /proc/PID/stat after the ")" closing comm; index 0 is field 3 (state). */
    static Optional<String[]> statFields(long pid) {
        return read(Path.of("/proc", Long.toString(pid), "stat")).map(s -> {
            int close = s.lastIndexOf(')');
            return s.substring(close + 2).strip().split(" ");
        });
    }

    /** Start time in clock ticks since boot (field 22): with the PID, identifies a process across PID reuse. */
    public static Optional<Long> startTime(long pid) {
        return statFields(pid).map(f -> Long.parseLong(f[19]));
    }

    /** utime + stime in clock ticks (fields 14 and 15). */
    public static Optional<Long> cpuTicks(long pid) {
        return statFields(pid).map(f -> Long.parseLong(f[11]) + Long.parseLong(f[12]));
    }

    /** VmRSS in kB from /proc/PID/status. */
    public static Optional<Long> rssKb(long pid) {
        return read(Path.of("/proc", Long.toString(pid), "status")).flatMap(s -> s.lines()
                .filter(l -> l.startsWith("VmRSS:"))
                .map(l -> Long.parseLong(l.substring(6).strip().split("\\s+")[0]))
                .findFirst());
    }

    /** CLK_TCK, the unit of /proc/PID/stat times (from getconf; 100 on every common Linux build). */
    public static long clockTicksPerSecond() {
        ExecResult r = Shell.run(java.time.Duration.ofSeconds(5), "getconf", "CLK_TCK");
        try {
            return r.ok() ? Long.parseLong(r.output().strip()) : 100;
        } catch (NumberFormatException e) {
            return 100;
        }
    }

    /** One thread's scheduler account (/proc/PID/task/TID/schedstat): time on a CPU and how often it ran. */
    public record ThreadRun(String name, long runNs, long slices) {
    }

    /**
     * Every thread of {@code pid} by thread id: its name (comm, at most 15 characters) and its scheduler account. A
     * thread that ends between the listing and the read is left out.
     */
    public static java.util.Map<Long, ThreadRun> threads(long pid) {
        java.util.Map<Long, ThreadRun> out = new java.util.TreeMap<>();
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (java.util.stream.Stream<Path> s = Files.list(tasks)) {
            for (Path t : (Iterable<Path>) s::iterator) {
                Optional<String> name = read(t.resolve("comm")).map(String::strip);
                Optional<String> sched = read(t.resolve("schedstat")).map(String::strip);
                if (name.isEmpty() || sched.isEmpty()) continue;
                String[] f = sched.get().split(" ");
                if (f.length < 3) continue;
                out.put(Long.parseLong(t.getFileName().toString()),
                        new ThreadRun(name.get(), Long.parseLong(f[0]), Long.parseLong(f[2])));
            }
        } catch (IOException | RuntimeException e) {
            // the process is gone: nothing to account
        }
        return out;
    }

    /** Effective uid of this JVM. */
    static long euid() {
        return read(Path.of("/proc/self/status")).flatMap(s -> s.lines()
                .filter(l -> l.startsWith("Uid:"))
                .map(l -> Long.parseLong(l.substring(4).strip().split("\\s+")[1]))
                .findFirst()).orElse(-1L);
    }

    private static Optional<String> read(Path p) {
        try {
            return Optional.of(Files.readString(p, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
