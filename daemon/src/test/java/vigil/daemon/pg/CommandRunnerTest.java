package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandRunnerTest {
    private final List<CommandResult> logged = new ArrayList<>();
    private final CommandRunner runner = new CommandRunner(logged::add, () -> List.of("hunter2"));

    @Test
    void reportsExitCodeAndOutputToTheLog() {
        CommandResult r = runner.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), Duration.ofSeconds(10), null);
        assertEquals(3, r.exitCode());
        assertFalse(r.ok());
        assertEquals("out\nerr\n", r.outputTail());
        assertEquals(List.of(r), logged);
    }

    @Test
    void secretsAreMaskedInArgvAndOutput() {
        CommandResult r = runner.run(List.of("sh", "-c", "echo pw=hunter2; cat", "x-hunter2"), Duration.ofSeconds(10), "in:hunter2\n");
        assertTrue(r.ok());
        assertEquals("pw=********\nin:********\n", r.outputTail());
        assertEquals(List.of("sh", "-c", "echo pw=********; cat", "x-********"), r.argv());
    }

    @Test
    void outputIsCutToItsTail() {
        CommandResult r = runner.run(List.of("sh", "-c", "seq 1 10000"), Duration.ofSeconds(10), null);
        assertTrue(r.outputTail().startsWith("..."));
        assertTrue(r.outputTail().endsWith("9999\n10000\n"));
        assertTrue(r.outputTail().length() <= 2048 + 3);
    }

    @Test
    void timeoutKillsTheProcessAndItsChildren(@TempDir Path dir) throws Exception {
        Path pids = dir.resolve("pids");
        // a child in the background plus the shell itself; both must be gone when run() returns
        CommandResult r = runner.run(List.of("sh", "-c", "sleep 60 & echo $! > " + pids + "; echo $$ >> " + pids + "; wait"),
                Duration.ofMillis(300), null);
        assertEquals(CommandRunner.TIMED_OUT, r.exitCode());
        assertTrue(r.outputTail().contains("killed after the timeout of 300 ms"), r.outputTail());
        assertTrue(r.duration().toMillis() < 5000, r.duration().toString());
        for (String pid : Files.readAllLines(pids)) {
            assertFalse(Postgres.alive(Long.parseLong(pid.trim())), "process " + pid + " survived");
        }
    }

    @Test
    void aMissingProgramIsReportedNotThrown() {
        CommandResult r = runner.run(List.of("/nonexistent/program"), Duration.ofSeconds(5), null);
        assertEquals(CommandRunner.NOT_STARTED, r.exitCode());
        assertTrue(r.outputTail().startsWith("could not run the command"), r.outputTail());
    }

    @Test
    void anInterruptedActionEndsItsCommandAndEveryDescendantAtOnce(@TempDir Path dir) throws Exception {
        Path pids = dir.resolve("pids");
        // children in their own sessions (as pg tools' helpers may be), and a grandchild
        String script = "setsid sleep 60 & echo $! >> " + pids + "; (sleep 60 & echo $! >> " + pids + "; wait) &"
                + " echo $$ >> " + pids + "; wait";
        CommandResult[] result = new CommandResult[1];
        boolean[] stillInterrupted = new boolean[1];
        Thread action = new Thread(() -> {
            result[0] = runner.run(List.of("sh", "-c", script), Duration.ofSeconds(60), null);
            stillInterrupted[0] = Thread.currentThread().isInterrupted();
        }, "action");
        action.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.exists(pids) || Files.readAllLines(pids).size() < 3) {
            assertTrue(System.nanoTime() < deadline, "the script did not start its children");
            Thread.sleep(5);
        }
        long t0 = System.nanoTime();
        action.interrupt();
        action.join(5000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertFalse(action.isAlive(), "run() did not return after the interrupt");
        System.out.println("[measure] interrupted command and its tree gone after " + ms + " ms");
        assertTrue(ms < 500, ms + " ms");
        assertEquals(CommandRunner.TIMED_OUT, result[0].exitCode());
        assertTrue(result[0].outputTail().contains("interrupted"), result[0].outputTail());
        assertTrue(stillInterrupted[0], "the caller keeps its interrupt status");
        for (String pid : Files.readAllLines(pids)) {
            assertTrue(ProcessTree.gone(Long.parseLong(pid.trim())), "process " + pid + " survived");
        }
        assertEquals(List.of(result[0]), logged);
    }

    @Test
    void anAlreadyInterruptedThreadStartsNothing() {
        Thread.currentThread().interrupt();
        CommandResult r = runner.run(List.of("sh", "-c", "sleep 60"), Duration.ofSeconds(60), null);
        assertTrue(Thread.interrupted(), "the interrupt status is kept");
        assertEquals(CommandRunner.NOT_STARTED, r.exitCode());
        assertTrue(r.duration().toMillis() < 100);
        assertEquals(List.of(r), logged);
    }
}
