package vigil.daemon.pg;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs one external command with a hard timeout and reports it to the {@link CommandLog}. Invariants: nothing
 * it started is still running when {@link #run} returns (at the timeout, or at once when the calling thread is
 * interrupted, the process and every descendant are killed by PID; an interrupted caller keeps its interrupt
 * status, so the action it runs ends promptly too); secrets never reach the result (argv and output are masked); output goes to a private temp
 * file rather than a pipe, so a daemon that inherits it (a postmaster started by pg_ctl) cannot make us hang.
 */
final class CommandRunner {
    static final String MASK = "********";
    static final int TIMED_OUT = -1;
    static final int NOT_STARTED = -2;
    private static final int TAIL_BYTES = 2048;
    static final int MAX_STDIN = 16384;
    /** How long a kill waits for the killed processes to be gone (SIGKILL'd processes exit within milliseconds). */
    static final Duration KILL_WAIT = Duration.ofSeconds(2);

    private final CommandLog log;
    private final Supplier<Collection<String>> secrets;

    CommandRunner(CommandLog log, Supplier<Collection<String>> secrets) {
        this.log = log;
        this.secrets = secrets;
    }

    /**
     * Runs {@code argv} with {@code stdin} (null: /dev/null; at most {@value #MAX_STDIN} bytes, so writing it
     * cannot block on a full pipe before the timeout is armed) and returns once it has ended or was killed.
     */
    CommandResult run(List<String> argv, Duration timeout, String stdin) {
        if (stdin != null && stdin.getBytes(StandardCharsets.UTF_8).length > MAX_STDIN) {
            throw new IllegalArgumentException("standard input of " + argv.get(0) + " is larger than " + MAX_STDIN + " bytes");
        }
        Collection<String> hidden = secrets.get();
        List<String> shownArgv = argv.stream().map(a -> mask(a, hidden)).toList();
        long start = System.nanoTime();
        if (Thread.currentThread().isInterrupted()) {
            // preempted before it began: start nothing (the interrupt status stays set for the caller)
            CommandResult r = new CommandResult(shownArgv, NOT_STARTED, Duration.ZERO,
                    "not started: the daemon interrupted the action before the command began");
            log.ran(r);
            return r;
        }
        Path out = null;
        CommandResult result;
        try {
            out = Files.createTempFile("vigil-cmd-", ".out",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            ProcessBuilder pb = new ProcessBuilder(argv).directory(new File("/"))
                    .redirectErrorStream(true).redirectOutput(out.toFile());
            if (stdin == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            }
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(k -> k.startsWith("PG")); // no inherited PGPASSWORD, PGHOST, ... changes what runs
            env.put("LC_ALL", "C.UTF-8");
            Process p = pb.start();
            if (stdin != null) {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // the command exited without reading its input; its exit code tells the rest
                }
            }
            int exit;
            String note = "";
            boolean interrupted = false;
            try {
                if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    exit = p.exitValue();
                } else {
                    kill(p);
                    exit = TIMED_OUT;
                    note = "\n[vigil: killed after the timeout of " + timeout.toMillis() + " ms]";
                }
            } catch (InterruptedException e) {
                kill(p);
                exit = TIMED_OUT;
                note = "\n[vigil: killed because the daemon interrupted the command]";
                interrupted = true;
            }
            result = new CommandResult(shownArgv, exit, Duration.ofNanos(System.nanoTime() - start),
                    mask(tail(out) + note, hidden));
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        } catch (IOException e) {
            result = new CommandResult(shownArgv, NOT_STARTED, Duration.ofNanos(System.nanoTime() - start),
                    mask("could not run the command: " + e.getMessage(), hidden));
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException e) {
                    // a leftover empty temp file is harmless
                }
            }
        }
        log.ran(result);
        return result;
    }

    /**
     * SIGKILL to the process and every descendant, returning once none is left alive (zombies count as gone: a
     * descendant that was re-parented to init stays one until init reaps it, seconds on some hosts) or after
     * {@link #KILL_WAIT}. The process goes first (once SIGKILL is queued the kernel lets it fork no more), then the
     * descendants from a snapshot taken before; passes repeat for descendants forked meanwhile by those not yet dead.
     * A descendant that left the tree (its parent exited before the snapshot, e.g. pg_ctl's daemonised postmaster)
     * is out of reach by design.
     */
    private static void kill(Process p) {
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        Set<Long> killed = new LinkedHashSet<>();
        Set<Long> tree = new LinkedHashSet<>(List.of(p.pid()));
        tree.addAll(ProcessTree.descendants(ProcessTree.snapshot(), p.pid()));
        p.destroyForcibly();
        for (int pass = 0; pass < 3 && !tree.isEmpty(); pass++) {
            ProcessTree.kill(tree);
            killed.addAll(tree);
            Map<Long, ProcessTree.Proc> now = ProcessTree.snapshot();
            tree = new LinkedHashSet<>();
            for (long pid : killed) {
                tree.addAll(ProcessTree.descendants(now, pid));
            }
            tree.removeAll(killed);
            tree.removeIf(pid -> now.get(pid) == null || now.get(pid).zombie());
        }
        ProcessTree.awaitGone(killed, deadline);
    }

    private static String tail(Path out) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(0, len - TAIL_BYTES);
            byte[] b = new byte[(int) (len - from)];
            f.seek(from);
            f.readFully(b);
            String s = new String(b, StandardCharsets.UTF_8);
            return from > 0 ? "..." + s : s;
        }
    }

    static String mask(String text, Collection<String> secrets) {
        String s = text;
        for (String secret : secrets) {
            if (secret != null && !secret.isEmpty()) {
                s = s.replace(secret, MASK);
            }
        }
        return s;
    }
}
