package vigil.daemon.exec;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one external command with a hard timeout, for the drivers outside the pg package (event hooks, VIPs, fence
 * agents, which get their password on stdin and mask it in the output themselves;
 * PostgreSQL's tools go through the pg package's runner, which masks the replication password). Invariants: nothing
 * it started is still running when {@link #run} returns (at the timeout, or when the calling thread is interrupted,
 * the command and every descendant it had are killed by PID and waited for); the output goes to a private temp file,
 * not a pipe, so a child that keeps it open cannot make the caller hang; an interrupted caller keeps its interrupt.
 */
public final class BoundedCommand {
    /** Exit value of a command killed at its timeout or by an interrupt. */
    public static final int KILLED = -1;
    /** Exit value of a command that could not be started. */
    public static final int NOT_RUN = -2;
    private static final int TAIL_BYTES = 1024;
    /** Largest stdin accepted: below the 64 KiB a Linux pipe buffers, so writing it cannot block. */
    public static final int MAX_STDIN = 16 * 1024;
    private static final Duration KILL_WAIT = Duration.ofSeconds(2);

    /**
     * @param output    the last {@value #TAIL_BYTES} bytes of its output, or why it could not run
     * @param timedOut  killed at its timeout
     * @param interrupted killed because the caller was interrupted
     */
    public record Ran(int exit, String output, boolean timedOut, boolean interrupted, long durationMs) {
        public boolean ok() {
            return exit == 0;
        }
    }

    private BoundedCommand() {
    }

    /** Runs {@code argv} with stdin from /dev/null, in /, with {@code env} as its whole environment (null: inherit). */
    public static Ran run(List<String> argv, Map<String, String> env, Duration timeout) {
        return run(argv, env, timeout, null);
    }

    /**
     * As {@link #run(List, Map, Duration)}, with {@code stdin} (null: /dev/null) written to the command's standard
     * input through a pipe, which is then closed. It is at most {@value #MAX_STDIN} bytes, less than a Linux pipe
     * holds, so the write never blocks on a command that does not read; one that exits without reading is not an
     * error. The bytes go nowhere else: no file, no argv, no log (fence agents get their passwords this way).
     */
    public static Ran run(List<String> argv, Map<String, String> env, Duration timeout, byte[] stdin) {
        if (stdin != null && stdin.length > MAX_STDIN) {
            throw new IllegalArgumentException("stdin of " + stdin.length + " bytes exceeds " + MAX_STDIN);
        }
        long start = System.nanoTime();
        Path out = null;
        try {
            out = Files.createTempFile("vigil-cmd-", ".out",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            ProcessBuilder pb = new ProcessBuilder(argv).directory(new File("/")).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).redirectInput(stdin == null
                            ? ProcessBuilder.Redirect.from(new File("/dev/null")) : ProcessBuilder.Redirect.PIPE);
            if (env != null) {
                pb.environment().clear();
                pb.environment().putAll(env);
            }
            Process p = pb.start();
            if (stdin != null) {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(stdin);
                } catch (IOException exitedWithoutReading) {
                    // a broken pipe: the command decides with what it read, its exit status tells
                }
            }
            int exit;
            boolean timedOut = false;
            boolean interrupted = false;
            try {
                if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    exit = p.exitValue();
                } else {
                    kill(p);
                    exit = KILLED;
                    timedOut = true;
                }
            } catch (InterruptedException ie) {
                kill(p);
                exit = KILLED;
                interrupted = true;
            }
            Ran r = new Ran(exit, tail(out), timedOut, interrupted, (System.nanoTime() - start) / 1_000_000);
            if (interrupted) Thread.currentThread().interrupt();
            return r;
        } catch (IOException e) {
            return new Ran(NOT_RUN, "could not run: " + e.getMessage(), false, false, (System.nanoTime() - start) / 1_000_000);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // an empty temp file left behind is harmless
                }
            }
        }
    }

    /** SIGKILL to the command and everything it started (a snapshot of its descendants), then waits for them. */
    private static void kill(Process p) {
        List<ProcessHandle> family = new ArrayList<>(p.descendants().toList());
        p.destroyForcibly();
        family.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        family.add(p.toHandle());
        boolean interrupted = false;
        for (ProcessHandle h : family) {
            try {
                h.onExit().get(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
            } catch (InterruptedException ie) {
                interrupted = true;
            } catch (ExecutionException | TimeoutException ignored) {
                // gone or not within the bound: the caller reports it killed either way
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private static String tail(Path out) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "r")) {
            long from = Math.max(0, f.length() - TAIL_BYTES);
            byte[] b = new byte[(int) (f.length() - from)];
            f.seek(from);
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8).strip();
        }
    }
}
