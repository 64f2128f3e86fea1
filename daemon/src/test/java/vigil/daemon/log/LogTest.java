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
}
