package vigil.daemon.pg;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A process tree shaped like PostgreSQL's for tests: a top process (the "postmaster", named in
 * {@code dataDir/postmaster.pid} and working in {@code dataDir}) whose children called setsid, as backends do.
 * Started through {@link PgProcesses#wrap}. {@link #close()} SIGKILLs by PID whatever of it is still alive.
 */
final class FakePostmaster implements AutoCloseable {
    /** The shell execs into the top sleep, so the top PID is the one the Process knows. */
    static final List<String> SETSID_TREE = List.of("/bin/sh", "-c",
            "setsid sleep 1000 & setsid sleep 1000 & exec sleep 1000");

    final Process top;
    final List<Long> pids = new ArrayList<>();

    FakePostmaster(PgProcesses group, Path dataDir) throws IOException {
        this(group, dataDir, SETSID_TREE, 3);
    }

    FakePostmaster(PgProcesses group, Path dataDir, List<String> argv, int processes) throws IOException {
        top = new ProcessBuilder(group.wrap(argv)).directory(dataDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        pids.add(top.pid());
        Files.writeString(dataDir.resolve("postmaster.pid"), top.pid() + "\n" + dataDir + "\n");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            var all = ProcessTree.snapshot();
            Set<Long> kids = ProcessTree.descendants(all, top.pid());
            boolean execd = all.containsKey(top.pid()) && !all.get(top.pid()).comm().equals("sh")
                    && kids.stream().allMatch(k -> all.containsKey(k) && all.get(k).comm().equals("sleep"));
            if (kids.size() + 1 == processes && execd) {
                pids.addAll(kids);
                return;
            }
            if (System.nanoTime() > deadline || !top.isAlive()) {
                close();
                throw new IllegalStateException("the test tree did not come up: top alive=" + top.isAlive()
                        + ", children " + kids);
            }
            sleepMs(2);
        }
    }

    /** Sends a signal by PID with kill(1) and waits until /proc shows it stopped ('T') when it is STOP. */
    static void signal(String sig, long pid) {
        PgFixture.signal(sig, pid);
        if (sig.equals("STOP")) {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (ProcessTree.read(pid).map(p -> p.state() != 'T').orElse(false)) {
                if (System.nanoTime() > deadline) throw new AssertionError("process " + pid + " did not stop");
                sleepMs(1);
            }
        }
    }

    /** PIDs that are neither gone nor zombies. */
    List<Long> alive() {
        return pids.stream().filter(p -> !ProcessTree.gone(p)).toList();
    }

    static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    @Override
    public void close() {
        for (long pid : pids) {
            if (!ProcessTree.gone(pid)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        try {
            top.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until the cgroup at {@code dir} holds no live process (its members were killed). */
    static void awaitEmpty(Path dir) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!Files.readString(dir.resolve("cgroup.events")).contains("populated 0")) {
            if (System.nanoTime() > deadline) throw new AssertionError(dir + " stays populated");
            sleepMs(1);
        }
    }

    /** A data directory for the fake: a fresh temp directory. */
    static Path dataDir(Path parent) {
        try {
            return Files.createDirectories(parent.resolve("data"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
