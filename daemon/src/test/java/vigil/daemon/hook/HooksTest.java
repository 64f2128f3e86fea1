package vigil.daemon.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vigil.config.HookSettings;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;

/** Real hook scripts run by /bin/sh: what they receive, and that they never hold vigild up. */
class HooksTest {
    static final Duration LIMIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    final Log log = new Log("n1", new PrintStream(logged, true, StandardCharsets.UTF_8), Priority.DEBUG);
    Hooks hooks;

    @AfterEach
    void stop() {
        if (hooks != null) {
            hooks.close(Duration.ZERO);
        }
    }

    Path script(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    Hooks start(Path path, Duration timeout, String recipient) {
        hooks = new Hooks(List.of(new HookSettings(path, timeout, Optional.ofNullable(recipient))), "n1", "maas", log).start();
        return hooks;
    }

    String logText() {
        return logged.toString(StandardCharsets.UTF_8);
    }

    static void poll(String what, BooleanSupplier ok) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!ok.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not " + what + " within " + LIMIT);
            Thread.sleep(10);
        }
    }

    static Map<String, String> readEnv(Path file) throws IOException {
        return Files.readAllLines(file).stream().filter(l -> l.startsWith("VIGIL_") && l.contains("="))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1),
                        (a, b) -> b));
    }

    @Test
    void aHookGetsTheEventTheRoleAndTheTermInItsEnvironment() throws Exception {
        Path out = dir.resolve("env.out");
        start(script("env-hook", "env > " + out + ".tmp; mv " + out + ".tmp " + out + ".$VIGIL_SEQUENCE\n"),
                Duration.ofSeconds(5), "ops@example.org");
        log.event(Priority.NOTICE, "role", "role", "candidate→leader", "term", 7, "leader", "n1", "reason", "ELECTED");
        log.event(Priority.WARNING, "fence", "id", 3, "verified", true, "killed", 4, "replication_password", "hunter2");
        poll("both hooks ran", () -> Files.exists(Path.of(out + ".2")));

        Map<String, String> role = readEnv(Path.of(out + ".1"));
        assertEquals("role", role.get("VIGIL_EVENT"));
        assertEquals("n1", role.get("VIGIL_NODE"));
        assertEquals("maas", role.get("VIGIL_CLUSTER"));
        assertEquals("leader", role.get("VIGIL_ROLE"));
        assertEquals("candidate", role.get("VIGIL_ROLE_FROM"));
        assertEquals("7", role.get("VIGIL_TERM"));
        assertEquals("ELECTED", role.get("VIGIL_REASON"));
        assertEquals("notice", role.get("VIGIL_SEVERITY"));
        assertEquals("ops@example.org", role.get("VIGIL_RECIPIENT"));
        assertEquals("1", role.get("VIGIL_SEQUENCE"));
        assertTrue(role.get("VIGIL_DESCRIPTION").startsWith("<5>node=n1 event=role role=candidate→leader term=7"), role.toString());
        assertTrue(role.get("VIGIL_TIMESTAMP").matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), role.toString());

        Map<String, String> fence = readEnv(Path.of(out + ".2"));
        assertEquals("fence", fence.get("VIGIL_EVENT"));
        assertEquals("leader", fence.get("VIGIL_ROLE"), "the role is remembered from earlier events");
        assertEquals("7", fence.get("VIGIL_TERM"));
        assertEquals("true", fence.get("VIGIL_VERIFIED"));
        assertEquals("4", fence.get("VIGIL_KILLED"));
        assertEquals("****", fence.get("VIGIL_REPLICATION_PASSWORD"));
        assertEquals("warning", fence.get("VIGIL_SEVERITY"));
        assertFalse(Files.readString(Path.of(out + ".2")).contains("hunter2"));
        List<String> foreign = Files.readAllLines(Path.of(out + ".2")).stream().filter(l -> l.contains("="))
                .map(l -> l.substring(0, l.indexOf('='))).filter(k -> !k.startsWith("VIGIL_"))
                .filter(k -> !List.of("PATH", "LC_ALL", "PWD").contains(k)).toList();
        assertEquals(List.of(), foreign, "nothing of vigild's environment (only the shell's own PWD)");
    }

    @Test
    void infoEventsAndTheHooksOwnEventsRunNoHook() throws Exception {
        Path count = dir.resolve("count");
        start(script("count-hook", "echo \"$VIGIL_EVENT\" >> " + count + "; exit 3\n"), Duration.ofSeconds(5), null);
        log.event(Priority.INFO, "view", "members", "n1,n2");
        log.event(Priority.NOTICE, "ready");
        poll("the failure logged", () -> logText().contains("event=hook "));
        Thread.sleep(300); // a hook for the hook's own warning would have started by now
        assertEquals(List.of("ready"), Files.readAllLines(count));
        assertTrue(logText().contains("vigil_event=ready sequence=1 exit=3"), logText());
        assertTrue(logText().contains("reason=HOOK_FAILED"), logText());
    }

    @Test
    void aHookThatHangsIsKilledWithWhatItStartedAndTheNextEventStillRuns() throws Exception {
        Path pids = dir.resolve("pids");
        Path done = dir.resolve("done");
        start(script("slow-hook", """
                if [ "$VIGIL_EVENT" = first ]; then
                    sleep 600 &
                    echo $! > %s
                    sleep 600
                fi
                echo "$VIGIL_EVENT" >> %s
                """.formatted(pids, done)), Duration.ofMillis(300), null);
        log.event(Priority.NOTICE, "first");
        log.event(Priority.NOTICE, "second");
        poll("the second event's hook", () -> Files.exists(done));
        assertEquals(List.of("second"), Files.readAllLines(done));
        assertTrue(logText().contains("vigil_event=first sequence=1 exit=-1"), logText());
        assertTrue(logText().contains("reason=HOOK_TIMEOUT cause=\"killed after the timeout of 300 ms\""), logText());
        long child = Long.parseLong(Files.readString(pids).strip());
        poll("the hook's background child gone", () -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
    }

    @Test
    void loggingNeverWaitsForHooks() throws Exception {
        start(script("stuck-hook", "sleep 600\n"), Duration.ofSeconds(60), null);
        long start = System.nanoTime();
        for (int i = 0; i < Hooks.QUEUE + 50; i++) {
            log.event(Priority.NOTICE, "burst", "i", i);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 2000, "logging " + (Hooks.QUEUE + 50) + " events took " + ms + " ms behind a stuck hook");
        assertTrue(logText().contains("event=hook_dropped"), logText());
        assertTrue(logText().contains("reason=HOOK_QUEUE_FULL"), logText());
        assertEquals(1, logText().lines().filter(l -> l.contains("event=hook_dropped")).count(), "one warning, not one per event");
    }

    @Test
    void aStopGivesQueuedHooksTheirGraceThenKillsTheRunningOne() throws Exception {
        Path done = dir.resolve("done");
        start(script("slow-hook", "sleep 600; echo never >> " + done + "\n"), Duration.ofSeconds(60), null);
        log.event(Priority.NOTICE, "stopping");
        log.event(Priority.NOTICE, "stopped");
        poll("the first hook running", () -> ProcessHandle.current().descendants()
                .anyMatch(h -> h.info().commandLine().orElse("").contains("sleep 600")));
        long start = System.nanoTime();
        hooks.close(Duration.ofMillis(200));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 4000, "close took " + ms + " ms");
        assertTrue(logText().contains("cause=\"killed: vigild is stopping\""), logText());
        assertTrue(logText().contains("reason=STOPPING"), logText());
        assertFalse(Files.exists(done));
        poll("no hook process left", () -> ProcessHandle.current().descendants()
                .noneMatch(h -> h.info().commandLine().orElse("").contains("sleep 600")));
    }
}
