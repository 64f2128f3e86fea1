package vigil.daemon.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vigil.config.ServiceActionSettings;
import vigil.config.ServiceActionSettings.Trigger;
import vigil.daemon.exec.BoundedCommand;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;

/** Real /bin/sh commands: what runs for which trigger, in which order, and that nothing holds the caller up. */
class ServiceActionsTest {
    static final Duration LIMIT = Duration.ofSeconds(10);
    static final Duration LONG = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    final Log log = new Log("n1", new PrintStream(logged, true, StandardCharsets.UTF_8), Priority.DEBUG);
    ServiceActions services;

    @AfterEach
    void stop() {
        if (services != null) services.close();
    }

    static ServiceActionSettings sh(Trigger on, String vip, String script, Duration timeout, int retries, Duration backoff) {
        return new ServiceActionSettings(on, Optional.ofNullable(vip), List.of("/bin/sh", "-c", script), script, timeout,
                retries, backoff, "test");
    }

    static ServiceActionSettings sh(Trigger on, String vip, String script) {
        return sh(on, vip, script, LONG, 0, Duration.ofMillis(100));
    }

    ServiceActions start(ServiceActionSettings... actions) {
        services = new ServiceActions(List.of(actions), log);
        return services;
    }

    String logText() {
        return logged.toString(StandardCharsets.UTF_8);
    }

    static List<String> lines(Path f) {
        try {
            return Files.exists(f) ? Files.readAllLines(f) : List.of();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void poll(String what, BooleanSupplier ok) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!ok.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not " + what + " within " + LIMIT);
            Thread.sleep(10);
        }
    }

    /** Waits until {@code n} actions have an outcome. */
    List<ServiceActions.Outcome> outcomes(int n) throws InterruptedException {
        poll(n + " outcomes", () -> services.recent().size() >= n);
        return services.recent();
    }

    @Test
    void actionsRunInOrderForTheirTriggerAndVip() throws Exception {
        Path f = dir.resolve("ran");
        start(sh(Trigger.ACQUIRED, null, "echo any >> " + f),
                sh(Trigger.ACQUIRED, "db", "echo db-only >> " + f),
                sh(Trigger.RELEASED, null, "echo released >> " + f),
                sh(Trigger.PROMOTED, null, "echo promoted >> " + f),
                sh(Trigger.DEMOTED, null, "echo demoted >> " + f));
        services.on(Trigger.ACQUIRED, "web");
        services.on(Trigger.ACQUIRED, "db");
        services.on(Trigger.RELEASED, "db");
        services.on(Trigger.PROMOTED, null);
        poll("4 triggers handled", () -> lines(f).size() >= 5);
        assertEquals(List.of("any", "any", "db-only", "released", "promoted"), lines(f));
        List<ServiceActions.Outcome> o = outcomes(4);
        assertEquals(4, o.size(), "demoted never ran: " + o);
        assertEquals(List.of(Trigger.ACQUIRED, Trigger.ACQUIRED, Trigger.RELEASED, Trigger.PROMOTED),
                o.stream().map(ServiceActions.Outcome::trigger).toList());
        assertEquals(List.of("db", "db", "db", ""), o.stream().map(ServiceActions.Outcome::vip).toList());
        assertTrue(o.stream().allMatch(x -> x.ok() && x.exit() == 0 && x.attempts() == 1 && x.detail().isEmpty()), o.toString());
        // The outcome is kept before its line is logged: wait for the line, do not race it.
        String promoted = "event=service_action trigger=promoted vip=- action=\"echo promoted >> " + f
                + "\" source=test outcome=ok attempts=1 exit=0";
        poll("the promoted action logged", () -> logText().contains(promoted));
        assertTrue(logText().contains("event=command argv=\"[/bin/sh, -c, echo released >> " + f + "]\" exit=0"), logText());
    }

    @Test
    void anEarlierTriggersActionsEndBeforeALaterTriggersStart() throws Exception {
        Path f = dir.resolve("ran");
        start(sh(Trigger.ACQUIRED, null, "sleep 0.3; echo acquired-end >> " + f),
                sh(Trigger.RELEASED, null, "echo released-start >> " + f));
        services.on(Trigger.ACQUIRED, "v");
        services.on(Trigger.RELEASED, "v");
        poll("both ran", () -> lines(f).size() >= 2);
        assertEquals(List.of("acquired-end", "released-start"), lines(f));
    }

    @Test
    void aUnitIsRestartedWithSystemctl() throws Exception {
        Path f = dir.resolve("argv");
        Path recorder = dir.resolve("record");
        Files.writeString(recorder, "echo \"$@\" >> " + f + "\n");
        services = new ServiceActions(List.of(ServiceActionSettings.restart(Trigger.ACQUIRED, "apache2", "test"),
                ServiceActionSettings.restart(Trigger.ACQUIRED, "bind9", "test")), List.of("/bin/sh", recorder.toString()), log);
        services.on(Trigger.ACQUIRED, "maas");
        poll("both ran", () -> lines(f).size() >= 2);
        assertEquals(List.of("systemctl restart apache2", "systemctl restart bind9"), lines(f));
        assertEquals(List.of("restart apache2", "restart bind9"),
                outcomes(2).stream().map(ServiceActions.Outcome::action).toList());
    }

    @Test
    void aTimeoutKillsTheCommandAndWhatItStarted() throws Exception {
        Path pid = dir.resolve("pid");
        start(sh(Trigger.ACQUIRED, null, "sleep 30 & echo $! > " + pid + "; wait", Duration.ofMillis(300), 0,
                Duration.ofMillis(100)));
        long t0 = System.nanoTime();
        services.on(Trigger.ACQUIRED, "v");
        ServiceActions.Outcome o = outcomes(1).get(0);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertFalse(o.ok());
        assertEquals(BoundedCommand.KILLED, o.exit());
        assertEquals("killed after the timeout of 300 ms", o.detail());
        assertTrue(ms < 5_000, "took " + ms + " ms");
        long child = Long.parseLong(lines(pid).get(0).trim());
        poll("the child killed", () -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
        // The outcome is kept before its line is logged: wait for the line, do not race it.
        poll("the failed action logged", () -> logText().contains("outcome=failed attempts=1 exit=-1"));
        assertTrue(logText().contains("reason=SERVICE_ACTION_FAILED cause=\"killed after the timeout of 300 ms\""), logText());
        assertTrue(logText().contains("<4>node=n1 event=service_action trigger=acquired vip=v"), logText());
    }

    @Test
    void aFailedAttemptIsRetriedAfterADoublingBackoff() throws Exception {
        Path f = dir.resolve("times");
        start(sh(Trigger.DEMOTED, null, "date +%s%N >> " + f + "; echo no luck; exit 3", LONG, 2, Duration.ofMillis(300)));
        services.on(Trigger.DEMOTED, null);
        ServiceActions.Outcome o = outcomes(1).get(0);
        List<Long> t = lines(f).stream().map(Long::parseLong).toList();
        assertEquals(3, t.size(), t.toString());
        long first = (t.get(1) - t.get(0)) / 1_000_000;
        long second = (t.get(2) - t.get(1)) / 1_000_000;
        assertTrue(first >= 300, "first retry after " + first + " ms");
        assertTrue(second >= 600, "second retry after " + second + " ms");
        assertFalse(o.ok());
        assertEquals(3, o.attempts());
        assertEquals(3, o.exit());
        assertEquals("exit 3: no luck", o.detail());
        assertTrue(logText().contains("event=command argv=\"[/bin/sh, -c, date +%s%N >> " + f + "; echo no luck; exit 3]\""
                + " exit=3"), logText());
        assertTrue(logText().contains("attempt=3 output=\"no luck\""), logText());
    }

    @Test
    void aRetryThatSucceedsEndsTheAction() throws Exception {
        Path flag = dir.resolve("flag");
        start(sh(Trigger.ACQUIRED, null, "[ -e " + flag + " ] || { touch " + flag + "; exit 1; }", LONG, 5,
                Duration.ofMillis(50)));
        services.on(Trigger.ACQUIRED, "v");
        ServiceActions.Outcome o = outcomes(1).get(0);
        assertTrue(o.ok(), o.toString());
        assertEquals(2, o.attempts());
    }

    @Test
    void aFailedActionBlocksNeitherTheNextActionNorLaterTriggers() throws Exception {
        Path f = dir.resolve("ran");
        start(sh(Trigger.ACQUIRED, null, "exit 1"),
                sh(Trigger.ACQUIRED, null, "echo acquired-next >> " + f),
                sh(Trigger.RELEASED, null, "echo released >> " + f));
        services.on(Trigger.ACQUIRED, "v");
        services.on(Trigger.RELEASED, "v");
        poll("both ran", () -> lines(f).size() >= 2);
        assertEquals(List.of("acquired-next", "released"), lines(f));
        List<ServiceActions.Outcome> o = outcomes(3);
        assertEquals(List.of(false, true, true), o.stream().map(ServiceActions.Outcome::ok).toList());
    }

    @Test
    void onReturnsAtOnceWhileAnActionHangsAndAFullQueueDrops() throws Exception {
        Path pid = dir.resolve("pid");
        start(sh(Trigger.ACQUIRED, null, "echo $$ > " + pid + "; exec sleep 30"));
        List<Long> took = new ArrayList<>();
        for (int i = 0; i < ServiceActions.QUEUE + 2; i++) {
            long t0 = System.nanoTime();
            services.on(Trigger.ACQUIRED, "v");
            took.add((System.nanoTime() - t0) / 1_000_000);
        }
        assertTrue(took.stream().allMatch(ms -> ms < 100), took.toString());
        assertTrue(logText().contains("event=service_action_dropped trigger=acquired vip=v reason=SERVICE_QUEUE_FULL"),
                logText());
        poll("the action started", () -> !lines(pid).isEmpty());
        long sleeper = Long.parseLong(lines(pid).get(0).trim());
        long t0 = System.nanoTime();
        services.close();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 5_000, "close took " + ms + " ms");
        assertFalse(services.running());
        assertTrue(ProcessHandle.of(sleeper).map(h -> !h.isAlive()).orElse(true), "the hanging action still runs");
        assertTrue(logText().contains("outcome=stopped"), logText());
        assertTrue(logText().contains("reason=STOPPING cause=\"vigild stopped before these triggers' service actions ran\""),
                logText());
    }

    @Test
    void aTriggerWithoutActionsQueuesNothing() {
        start(sh(Trigger.PROMOTED, null, "exit 0"));
        for (int i = 0; i < ServiceActions.QUEUE * 2; i++) services.on(Trigger.RELEASED, "v");
        assertFalse(logText().contains("service_action_dropped"), logText());
        assertEquals(List.of(), services.recent());
    }
}
