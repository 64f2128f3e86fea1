package vigil.daemon.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LogTest {
    @Test
    void oneLineNodeFirstWithPriorityPrefixQuotedValuesAndMaskedSecrets() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Log log = new Log("n2", new PrintStream(bytes, true, StandardCharsets.UTF_8), Priority.INFO);
        log.event(Priority.WARNING, "role", "role", "leader→follower", "reason", "LEASE_EXPIRED", "error", "a b",
                "replication_password", "hunter2", "leader", null);
        log.event(Priority.DEBUG, "hidden");
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.startsWith("<4>node=n2 event=role role=leader→follower reason=LEASE_EXPIRED error=\"a b\" "
                + "replication_password=**** leader=- mono_ms="), out);
    }

    @Test
    void recentKeepsNoticeAndAboveWhateverTheThresholdOldestFirstAndBounded() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Log log = new Log("n1", new PrintStream(bytes, true, StandardCharsets.UTF_8), Priority.WARNING);
        log.event(Priority.NOTICE, "pg", "reason", "PROMOTED", "peer", null);
        log.event(Priority.INFO, "view", "members", "n1,n2");
        log.event(Priority.WARNING, Log.LIBRARY_EVENT, "message", "no physical address for n3, dropping message");
        log.event(Priority.WARNING, "role", "role", "leader→follower", "api_token", "s3cr3t");
        assertEquals(2, bytes.toString(StandardCharsets.UTF_8).lines().count(), "only the warnings are printed");
        var kept = log.recent().last(10);
        assertEquals(java.util.List.of("pg", "role"), kept.stream().map(Recent.Event::event).toList());
        assertEquals(java.util.Map.of("reason", "PROMOTED", "peer", ""), kept.get(0).fields());
        assertEquals("****", kept.get(1).fields().get("api_token"));
        assertEquals(java.util.List.of("reason", "peer"), java.util.List.copyOf(kept.get(0).fields().keySet()));
        assertTrue(kept.get(0).monoMs() > 0 && kept.get(0).wallMs() > 0);
        assertEquals(1, log.recent().last(1).size());
        assertEquals("role", log.recent().last(1).get(0).event(), "the newest");
        for (int i = 0; i < Recent.CAPACITY + 10; i++) log.event(Priority.NOTICE, "e" + i);
        var all = log.recent().last(Recent.CAPACITY + 100);
        assertEquals(Recent.CAPACITY, all.size());
        assertEquals("e10", all.get(0).event(), "the oldest are dropped first");
    }
}
