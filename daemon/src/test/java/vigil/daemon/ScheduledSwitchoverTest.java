package vigil.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.AdminRequest;
import vigil.protocol.admin.ErrorCode;

/** {@code switchover --at}: held, shown, cancelled, and at its time asked exactly as an operator would ask it. */
class ScheduledSwitchoverTest {
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final Log log = new Log("n1", new PrintStream(logged, true, StandardCharsets.UTF_8), Priority.INFO);
    private final List<AdminRequest> asked = new CopyOnWriteArrayList<>();
    private final ScheduledSwitchover s = new ScheduledSwitchover("n1", log, Instant::now);

    {
        s.asking(r -> {
            asked.add(r);
            return CompletableFuture.completedFuture(AdminReply.success(Map.of("detail", "switchover begun")));
        });
    }

    @AfterEach
    void close() {
        s.close();
    }

    @Test
    void heldThenAskedAtItsTimeAsAnOperatorWould() throws Exception {
        Instant at = Instant.now().plusMillis(300);
        AdminReply r = s.schedule("n2", at, "alice");
        assertTrue(r.ok(), String.valueOf(r.error()));
        assertTrue(s.describe().startsWith("to n2 at ") && s.describe().endsWith(", asked by alice, held by n1"), s.describe());
        assertEquals(ErrorCode.REFUSED, s.schedule("n3", at, "bob").error().code(), "one at a time");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (asked.isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(1, asked.size());
        assertEquals("switchover", asked.get(0).command());
        assertEquals("n2", asked.get(0).args().get("to"));
        assertTrue(asked.get(0).args().get("operator").toString().startsWith("alice (scheduled for "));
        assertNull(s.describe(), "no longer held once asked");
        while (!logged.toString(StandardCharsets.UTF_8).contains("SCHEDULED_SWITCHOVER_BEGUN") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(logged.toString(StandardCharsets.UTF_8).contains("SCHEDULED_SWITCHOVER_BEGUN"), logged.toString(StandardCharsets.UTF_8));
    }

    @Test
    void cancelledItIsNeverAskedAndTimesOutsideTheWindowAreRefused() throws Exception {
        AdminReply held = s.schedule(null, Instant.now().plusMillis(1500), "alice");
        assertTrue(held.ok(), String.valueOf(held.error()));
        AdminReply cancelled = s.cancel("alice");
        assertTrue(cancelled.ok(), String.valueOf(cancelled.error()));
        Thread.sleep(1800); // past its time: a cancelled switchover must not run (nothing to poll for)
        assertTrue(asked.isEmpty());
        assertFalse(s.cancel("alice").ok(), "nothing held");
        assertEquals("--at 2001-01-01T00:00:00Z is not in the future",
                s.schedule(null, Instant.parse("2001-01-01T00:00:00Z"), "alice").error().message());
        assertTrue(s.schedule(null, Instant.now().plusSeconds(8 * 86400), "alice").error().message()
                .endsWith("is more than 7 days ahead"));
    }
}
