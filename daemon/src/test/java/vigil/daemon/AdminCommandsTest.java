package vigil.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.AdminRequest;
import vigil.protocol.admin.ErrorCode;

/** The admin commands answered without the loop: history (from the log's recent events) and version. */
class AdminCommandsTest {
    private final Log log = new Log("n1", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            Priority.INFO);
    private final AdminCommands commands = new AdminCommands("n1", null, null, null, () -> 0L, log, null);

    private AdminReply ask(String command, Map<String, Object> args) {
        return commands.handle(new AdminRequest(AdminCodec.PROTOCOL_VERSION, command, args)).join();
    }

    @Test
    void historyReturnsTheNewestEventsOldestFirstWithTheirFields() {
        log.event(Priority.NOTICE, "role", "role", "candidate→leader", "term", 3);
        log.event(Priority.NOTICE, "pg", "reason", "PROMOTED", "term", 3);
        log.event(Priority.NOTICE, "vip_acquired", "vip", "db");
        AdminReply r = ask("history", Map.of("limit", 2));
        assertTrue(r.ok());
        var entries = r.result().path("entries");
        assertEquals(2, entries.size());
        assertEquals("pg", entries.get(0).path("event").asText());
        assertEquals("PROMOTED", entries.get(0).path("fields").path("reason").asText());
        assertEquals("notice", entries.get(0).path("priority").asText());
        assertTrue(entries.get(0).path("at").asText().endsWith("Z"), entries.toString());
        assertEquals("vip_acquired", entries.get(1).path("event").asText());
        assertEquals(3, ask("history", Map.of()).result().path("entries").size(), "the default limit covers all three");
    }

    /**
     * Replies are built on a thread of their own, the same one call after call: not the loop's (it completes the
     * futures), and not a thread started per call (the default async pool on two CPUs).
     */
    @Test
    void repliesAreBuiltOnOneThreadOfTheirOwn() {
        java.util.Set<Thread> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 5; i++) {
            java.util.concurrent.CompletableFuture.runAsync(() -> seen.add(Thread.currentThread()), AdminCommands.REPLIES).join();
        }
        assertEquals(1, seen.size(), "threads: " + seen);
        assertEquals("vigil-admin-reply", seen.iterator().next().getName());
    }

    @Test
    void historyRefusesALimitOutOfRange() {
        for (Object bad : List.of(0, 501, "5")) {
            AdminReply r = ask("history", Map.of("limit", bad));
            assertFalse(r.ok(), "limit " + bad);
            assertEquals(ErrorCode.BAD_REQUEST, r.error().code());
            assertTrue(r.error().message().contains("1 to 500"), r.error().message());
        }
    }

    @Test
    void versionNamesTheBuildTheProtocolAndTheProcess() {
        AdminReply r = ask("version", Map.of());
        assertTrue(r.ok());
        assertEquals(Version.of(), r.result().path("vigild").asText());
        assertFalse(Version.of().equals("unknown"), "the build writes the version");
        assertEquals(AdminCodec.PROTOCOL_VERSION, r.result().path("admin_protocol").asInt());
        assertEquals(ProcessHandle.current().pid(), r.result().path("pid").asLong());
        assertEquals("n1", r.result().path("node").asText());
        assertTrue(r.result().path("uptime_s").asLong() >= 0);
    }

    /** A cleanup of n2 is forwarded to n2; one that reached n1 although it names n2 is refused, never applied here. */
    @Test
    void aForwardedCleanupOfAnotherNodeIsRefusedWithWhereToRunIt() {
        AdminReply r = commands.carry(new AdminRequest(AdminCodec.PROTOCOL_VERSION, "cleanup",
                Map.of("node", "n2", "operator", "alice", Forwarding.FORWARDED_BY, "n3"))).join();
        assertFalse(r.ok());
        assertEquals(ErrorCode.REFUSED, r.error().code());
        assertEquals("failcounts are kept by each node's own vigild: run vigilctl cleanup on n2 (this is n1)",
                r.error().message());
    }

    /** Only vigild marks a request as forwarded: from the socket the mark is refused, so nothing is logged as a peer's. */
    @Test
    void aClientCannotPassItsRequestOffAsForwarded() {
        AdminReply r = ask("pause", Map.of("operator", "mallory", Forwarding.FORWARDED_BY, "n2"));
        assertFalse(r.ok());
        assertEquals(ErrorCode.BAD_REQUEST, r.error().code());
        assertEquals("forwarded_by is set by vigild on the peer channel only, not by a client", r.error().message());
    }

    /** A switchover's purpose is one of the words metrics count it by; another is refused before anything is asked. */
    @Test
    void aSwitchoverWithAnUnknownPurposeIsRefused() {
        AdminReply r = ask("switchover", Map.of("operator", "alice", "purpose", "whim"));
        assertFalse(r.ok());
        assertEquals(ErrorCode.BAD_REQUEST, r.error().code());
        assertEquals("purpose must be one of operator, scheduled, rolling-restart, restart-daemon, got whim",
                r.error().message());
    }
}
