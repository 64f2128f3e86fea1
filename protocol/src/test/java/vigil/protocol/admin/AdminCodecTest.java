package vigil.protocol.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AdminCodecTest {

    static StatusView threeNodeStatus() {
        return new StatusView(1, "n1", "maas", "leader", 7, "n1", 1312, true, 3, 2, List.of(
                new NodeStatusView("n1", "data", "leader", true, true),
                new NodeStatusView("n2", "data", "follower", true, false),
                new NodeStatusView("w1", "witness", "unknown", false, false)));
    }

    // ---- requests ------------------------------------------------------------------------------

    @Test
    void statusRequestEncodesToTheContractLine() {
        assertEquals("{\"version\":1,\"command\":\"status\"}",
                AdminCodec.encodeRequest(AdminRequest.of(AdminCommand.STATUS)));
    }

    @Test
    void requestWithArgsRoundTrips() {
        AdminRequest request = new AdminRequest(1, "ban", Map.of("node", "n2", "seconds", 30, "force", true));
        String line = AdminCodec.encodeRequest(request);
        assertFalse(line.contains("\n"));
        Decoded<AdminRequest> decoded = AdminCodec.decodeRequest(line);
        assertTrue(decoded.isValid(), () -> decoded.error().toString());
        assertEquals(request, decoded.value());
    }

    @Test
    void absentOrNullArgsDecodeToEmptyMap() {
        assertEquals(Map.of(), AdminCodec.decodeRequest("{\"version\":1,\"command\":\"status\"}").orThrow().args());
        assertEquals(Map.of(), AdminCodec.decodeRequest("{\"version\":1,\"command\":\"status\",\"args\":null}").orThrow().args());
    }

    @Test
    void unknownTopLevelFieldsInRequestAreIgnored() {
        assertEquals("status", AdminCodec.decodeRequest("{\"version\":1,\"command\":\"status\",\"trace\":\"x\"}").orThrow().command());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "   ", "garbage", "{", "{\"version\":1,", "[1,2]", "\"status\"", "42", "null",
            "{\"version\":1,\"command\":\"status\"} trailing",
            "{\"version\":1,\"command\":\"status\"}{\"version\":1,\"command\":\"status\"}",
            "{\"version\":1,\"version\":1,\"command\":\"status\"}",
            "{\"command\":\"status\"}", "{\"version\":\"1\",\"command\":\"status\"}",
            "{\"version\":1.0,\"command\":\"status\"}", "{\"version\":null,\"command\":\"status\"}",
            "{\"version\":99999999999,\"command\":\"status\"}",
            "{\"version\":1}", "{\"version\":1,\"command\":7}", "{\"version\":1,\"command\":\"\"}",
            "{\"version\":1,\"command\":null}", "{\"version\":1,\"command\":[\"status\"]}",
            "{\"version\":1,\"command\":\"status\",\"args\":[1]}", "{\"version\":1,\"command\":\"status\",\"args\":\"x\"}",
    })
    void malformedRequestsGiveBadRequest(String line) {
        Decoded<AdminRequest> decoded = AdminCodec.decodeRequest(line);
        assertFalse(decoded.isValid());
        assertEquals(ErrorCode.BAD_REQUEST, decoded.error().code(), decoded.error().message());
        assertFalse(decoded.error().message().isBlank());
    }

    @Test
    void badRequestMessagesSayWhatWasWrong() {
        assertTrue(AdminCodec.decodeRequest("{\"version\":\"1\",\"command\":\"status\"}").error().message()
                .contains("\"version\" must be an integer, got a string (\"1\")"));
        assertTrue(AdminCodec.decodeRequest("{\"version\":1}").error().message()
                .contains("\"command\" must be a non-empty string, got nothing"));
        assertTrue(AdminCodec.decodeRequest("{\"version\":1,").error().message().startsWith("malformed JSON request"));
    }

    @Test
    void deeplyNestedInputIsATypedErrorNotAStackOverflow() {
        String deep = "{\"version\":1,\"command\":\"status\",\"args\":{\"a\":" + "[".repeat(20_000) + "]".repeat(20_000) + "}}";
        Decoded<AdminRequest> decoded = AdminCodec.decodeRequest(deep);
        assertFalse(decoded.isValid());
        assertEquals(ErrorCode.BAD_REQUEST, decoded.error().code());
    }

    @Test
    void otherProtocolVersionIsUnsupportedEvenWithAnotherShape() {
        Decoded<AdminRequest> decoded = AdminCodec.decodeRequest("{\"version\":2,\"verb\":\"status\"}");
        assertEquals(ErrorCode.UNSUPPORTED_VERSION, decoded.error().code());
        assertTrue(decoded.error().message().contains("version 2"));
    }

    @Test
    void oversizedLineIsTooLarge() {
        String big = "{\"version\":1,\"command\":\"status\",\"args\":{\"pad\":\"" + "é".repeat(AdminCodec.MAX_LINE_BYTES / 2) + "\"}}";
        assertTrue(big.length() < AdminCodec.MAX_LINE_BYTES, "only the UTF-8 length exceeds the limit");
        assertEquals(ErrorCode.TOO_LARGE, AdminCodec.decodeRequest(big).error().code());
        assertEquals(ErrorCode.TOO_LARGE, AdminCodec.decodeReply(big).error().code());
    }

    @Test
    void nullLineIsBadRequest() {
        assertEquals(ErrorCode.BAD_REQUEST, AdminCodec.decodeRequest(null).error().code());
        assertEquals(ErrorCode.BAD_REQUEST, AdminCodec.decodeReply(null).error().code());
    }

    @Test
    void utf8LengthCountsBytes() {
        assertEquals(0, AdminCodec.utf8Length(""));
        assertEquals(1, AdminCodec.utf8Length("a"));
        assertEquals(2, AdminCodec.utf8Length("é"));
        assertEquals(3, AdminCodec.utf8Length("→"));
        assertEquals(4, AdminCodec.utf8Length("😀"));
        String mixed = "a→é😀x";
        assertEquals(mixed.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, AdminCodec.utf8Length(mixed));
    }

    // ---- replies -------------------------------------------------------------------------------

    @Test
    void statusReplyRoundTripsThroughALine() {
        StatusView status = threeNodeStatus();
        String line = AdminCodec.encodeReply(AdminReply.success(status));
        assertFalse(line.contains("\n"));
        AdminReply reply = AdminCodec.decodeReply(line).orThrow();
        assertTrue(reply.ok());
        assertEquals(AdminCodec.PROTOCOL_VERSION, reply.version());
        assertEquals(status, AdminCodec.decodeResult(reply.result(), StatusView.class).orThrow());
    }

    @Test
    void statusJsonUsesTheContractNamesAndOrder() {
        String line = AdminCodec.encodeReply(AdminReply.success(threeNodeStatus()));
        assertTrue(line.startsWith("{\"version\":1,\"ok\":true,\"result\":{\"version\":1,\"node\":\"n1\",\"cluster\":\"maas\","
                + "\"role\":\"leader\",\"term\":7,\"leader\":\"n1\",\"lease_remaining_ms\":1312,\"quorum\":true,"
                + "\"voters\":3,\"reachable_voters\":2,\"nodes\":[{\"name\":\"n1\",\"kind\":\"data\",\"role\":\"leader\","
                + "\"reachable\":true,\"self\":true},"), line);
    }

    @Test
    void nullLeaderIsWrittenAsNullAndReadBack() {
        StatusView noLeader = new StatusView(1, "n2", "maas", "candidate", 8, null, 0, false, 3, 1,
                List.of(new NodeStatusView("n2", "data", "candidate", true, true)));
        JsonNode tree = AdminCodec.toTree(noLeader);
        assertTrue(tree.has("leader") && tree.get("leader").isNull());
        assertNull(AdminCodec.decodeResult(tree, StatusView.class).orThrow().leader());
    }

    @Test
    void aScheduledSwitchoverRoundTripsAndIsAbsentWhenNone() {
        StatusView held = threeNodeStatus().withScheduledSwitchover("to n2 at 2026-12-03T02:00:00Z, asked by alice, held by n1");
        JsonNode tree = AdminCodec.toTree(held);
        assertEquals("to n2 at 2026-12-03T02:00:00Z, asked by alice, held by n1", tree.get("scheduled_switchover").asText());
        assertEquals(held, AdminCodec.decodeResult(tree, StatusView.class).orThrow());
        assertFalse(AdminCodec.toTree(threeNodeStatus()).has("scheduled_switchover"), "absent when none");
        assertNull(AdminCodec.decodeResult(AdminCodec.toTree(threeNodeStatus()), StatusView.class).orThrow()
                .scheduledSwitchover(), "and a reply without it (an older daemon's) decodes");
    }

    @Test
    void theContractExampleDecodes() {
        String example = "{\"version\":1,\"ok\":true,\"result\":{\"version\":1,\"node\":\"n1\",\"cluster\":\"maas\",\"role\":\"leader\","
                + "\"term\":7,\"leader\":\"n1\",\"lease_remaining_ms\":1312,\"quorum\":true,\"voters\":3,\"reachable_voters\":3,"
                + "\"nodes\":[{\"name\":\"n1\",\"kind\":\"data\",\"role\":\"leader\",\"reachable\":true,\"self\":true},"
                + "{\"name\":\"n2\",\"kind\":\"data\",\"role\":\"follower\",\"reachable\":true,\"self\":false},"
                + "{\"name\":\"n3\",\"kind\":\"data\",\"role\":\"unknown\",\"reachable\":false,\"self\":false}]}}";
        StatusView status = AdminCodec.decodeResult(AdminCodec.decodeReply(example).orThrow().result(), StatusView.class).orThrow();
        assertEquals(3, status.nodes().size());
        assertEquals(1312, status.leaseRemainingMs());
        assertEquals("n3", status.nodes().get(2).name());
    }

    @Test
    void errorReplyRoundTrips() {
        for (ErrorCode code : ErrorCode.values()) {
            String line = AdminCodec.encodeReply(AdminReply.failure(code, "because \"x\"\nhappened"));
            assertFalse(line.contains("\n"));
            AdminReply reply = AdminCodec.decodeReply(line).orThrow();
            assertFalse(reply.ok());
            assertNull(reply.result());
            assertEquals(new AdminError(code, "because \"x\"\nhappened"), reply.error());
        }
        assertEquals("{\"version\":1,\"ok\":false,\"error\":{\"code\":\"FORBIDDEN\",\"message\":\"no\"}}",
                AdminCodec.encodeReply(AdminReply.failure(ErrorCode.FORBIDDEN, "no")));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "nonsense", "[]", "{\"ok\":true,\"result\":{}}", "{\"version\":1,\"result\":{}}",
            "{\"version\":1,\"ok\":\"true\",\"result\":{}}", "{\"version\":1,\"ok\":true}",
            "{\"version\":1,\"ok\":true,\"result\":null}", "{\"version\":1,\"ok\":false}",
            "{\"version\":1,\"ok\":false,\"error\":\"boom\"}", "{\"version\":1,\"ok\":false,\"error\":{\"message\":\"m\"}}",
            "{\"version\":1,\"ok\":false,\"error\":{\"code\":\"NOPE\",\"message\":\"m\"}}",
            "{\"version\":1,\"ok\":false,\"error\":{\"code\":\"INTERNAL\"}}",
            "{\"version\":1,\"ok\":false,\"error\":{\"code\":\"INTERNAL\",\"message\":3}}",
    })
    void malformedRepliesGiveBadRequest(String line) {
        Decoded<AdminReply> decoded = AdminCodec.decodeReply(line);
        assertFalse(decoded.isValid());
        assertEquals(ErrorCode.BAD_REQUEST, decoded.error().code(), decoded.error().message());
    }

    @Test
    void replyInAnotherVersionIsUnsupported() {
        assertEquals(ErrorCode.UNSUPPORTED_VERSION, AdminCodec.decodeReply("{\"version\":2,\"ok\":true,\"result\":{}}").error().code());
    }

    // ---- typed results -------------------------------------------------------------------------

    @Test
    void unknownStatusFieldsAreIgnored() {
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) AdminCodec.toTree(threeNodeStatus());
        tree.put("future_field", "x");
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("nodes").get(0)).put("lag_bytes", 5);
        assertEquals(threeNodeStatus(), AdminCodec.decodeResult(tree, StatusView.class).orThrow());
    }

    @Test
    void statusWithWrongTypesOrMissingFieldsIsATypedErrorNamingTheField() {
        assertStatusError("term", "\"7\"", "term");
        assertStatusError("quorum", "1", "quorum");
        assertStatusError("voters", "3.5", "voters");
        assertStatusError("voters", "null", "voters");
        assertStatusError("node", "null", null);
        assertStatusError("nodes", "{}", "nodes");
        String line = AdminCodec.toTree(threeNodeStatus()).toString().replace("\"reachable\":false", "\"reachable\":\"no\"");
        Decoded<StatusView> decoded = AdminCodec.decodeResult(AdminCodec.mapper().valueToTree(parse(line)), StatusView.class);
        assertEquals(ErrorCode.BAD_REQUEST, decoded.error().code());
        assertTrue(decoded.error().message().contains("nodes[2].reachable"), decoded.error().message());

        var missing = (com.fasterxml.jackson.databind.node.ObjectNode) AdminCodec.toTree(threeNodeStatus());
        missing.remove("lease_remaining_ms");
        Decoded<StatusView> m = AdminCodec.decodeResult(missing, StatusView.class);
        assertEquals(ErrorCode.BAD_REQUEST, m.error().code());
        assertTrue(m.error().message().contains("lease_remaining_ms"), m.error().message());

        assertEquals(ErrorCode.BAD_REQUEST, AdminCodec.decodeResult(parse("[1]"), StatusView.class).error().code());
        assertEquals(ErrorCode.BAD_REQUEST, AdminCodec.decodeResult(null, StatusView.class).error().code());
    }

    /** Every field a status can carry: PostgreSQL, VIPs, tracked checks, pause, bans, services, a held switchover. */
    static StatusView fullStatus() {
        PgNodeView primary = new PgNodeView("primary", 3L, "0/3000148", 0L, false, false, 0, "watchdog");
        PgNodeView unknown = new PgNodeView(null, null, null, null, false, false, null, null);
        return new StatusView(1, "n1", "maas", "leader", 7, "n1", 1312, true, 3, 2, List.of(
                new NodeStatusView("n1", "data", "leader", true, true, primary),
                new NodeStatusView("n2", "data", "follower", true, false,
                        new PgNodeView("standby", 3L, "0/3000000", 328L, true, true, 2)),
                new NodeStatusView("n3", "data", "unknown", false, false, unknown),
                new NodeStatusView("w1", "witness", "follower", true, false)),
                new PgClusterView("n1", 3, List.of("n2"), true, "STEADY", "db 10.232.0.100 on n1",
                        new TrackedView("n1", "up", "ping ok"), "paused by alice at 2026-12-02T23:00:00Z", List.of("n3")),
                List.of(new ServiceOutcomeView("restart-maas", "promoted", null, false, 1, 3, 1_764_000_000_000L, "exit 1")))
                .withScheduledSwitchover("to n2 at 2026-12-03T02:00:00Z, asked by alice, held by n1");
    }

    @Test
    void everyStatusFieldRoundTrips() {
        for (StatusView status : List.of(fullStatus(), threeNodeStatus())) {
            assertEquals(status, AdminCodec.decodeResult(AdminCodec.toTree(status), StatusView.class).orThrow());
        }
    }

    @Test
    void nestedStatusErrorsNameTheirPath() {
        assertNestedError("\"timeline\":3,\"sync\"", "\"timeline\":\"3\",\"sync\"", "postgres.timeline");
        assertNestedError("[\"n2\"]", "[2]", "postgres.sync[0]");
        assertNestedError("\"lag_bytes\":328", "\"lag_bytes\":3.5", "nodes[1].postgres.lag_bytes");
        assertNestedError("\"failcount\":2,", "", "nodes[1].postgres.failcount");
        assertNestedError("\"holder\":\"n1\",", "", "postgres.tracked.holder");
        assertNestedError("\"exit\":1", "\"exit\":null", "services[0].exit");
        assertNestedError("\"ok\":false,\"exit\"", "\"ok\":0,\"exit\"", "services[0].ok");
    }

    private static void assertNestedError(String from, String to, String expectedPath) {
        String line = AdminCodec.toTree(fullStatus()).toString();
        assertTrue(line.contains(from), from + " in " + line);
        Decoded<StatusView> decoded = AdminCodec.decodeResult(parse(line.replaceFirst(java.util.regex.Pattern.quote(from),
                java.util.regex.Matcher.quoteReplacement(to))), StatusView.class);
        assertFalse(decoded.isValid(), expectedPath + " should be rejected");
        assertEquals(ErrorCode.BAD_REQUEST, decoded.error().code());
        assertTrue(decoded.error().message().contains("result field " + expectedPath + ":"), decoded.error().message());
    }

    private static void assertStatusError(String field, String json, String expectedPath) {
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) AdminCodec.toTree(threeNodeStatus());
        tree.set(field, parse(json));
        Decoded<StatusView> decoded = AdminCodec.decodeResult(tree, StatusView.class);
        assertFalse(decoded.isValid(), field + "=" + json + " should be rejected");
        assertEquals(ErrorCode.BAD_REQUEST, decoded.error().code());
        if (expectedPath != null) {
            assertTrue(decoded.error().message().contains(expectedPath), decoded.error().message());
        }
    }

    private static JsonNode parse(String json) {
        try {
            return AdminCodec.mapper().readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
