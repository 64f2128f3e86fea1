package vigil.protocol.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link JsonTrees} reads and writes exactly what the codec's data binding would (same trees, same bytes, same
 * refusals): it replaced the mapper on the lines only to save vigilctl the mapper's construction.
 */
class JsonTreesTest {
    private static final String STATUS = AdminCodec.encodeReply(AdminReply.success(AdminCodec.toTree(new StatusView(
            StatusView.FORMAT_VERSION, "n2", "maas", "follower", 3, "n1", 0, true, 3, 3,
            List.of(new NodeStatusView("n1", "data", "leader", true, false,
                    new PgNodeView("primary", 2L, "0/3000060", null, false, true, 0, "watchdog-armed"))),
            new PgClusterView("n1", 2, List.of("n2"), false, "STANDBY_HEALTHY", "not held",
                    new TrackedView("n1", "not held", "pass")),
            List.of(new ServiceOutcomeView("restart apache2 \"now\"", "acquired", "région", true, 0, 1, 0L, ""))))));

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"a\":1,\"b\":-2147483649,\"c\":123456789012345678901234567890,\"d\":1.5,\"e\":-0.0,\"f\":1e300}",
            "{\"s\":\"t\\u00e9\\n\\\"x\\\"\",\"n\":null,\"t\":true,\"f\":false,\"a\":[],\"o\":{},\"aa\":[[1],{\"x\":[null]}]}",
            "[1,\"two\",3.25]", "\"alone\"", "42", "  {\"spaced\" : [ 1 , 2 ] }  ",
    })
    void parsesTheTreeTheMapperWouldAndWritesItsBytes(String json) throws Exception {
        JsonNode mine = JsonTrees.parse(json);
        JsonNode theirs = AdminCodec.mapper().readTree(json);
        assertEquals(theirs, mine);
        assertEquals(AdminCodec.mapper().writeValueAsString(theirs), JsonTrees.write(mine, false));
        assertEquals(AdminCodec.mapper().writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(theirs),
                JsonTrees.write(mine, true));
    }

    @org.junit.jupiter.api.Test
    void aStatusReplyReadsAndPrintsAsWithTheMapper() throws Exception {
        JsonNode theirs = AdminCodec.mapper().readTree(STATUS);
        assertEquals(theirs, JsonTrees.parse(STATUS));
        assertEquals(STATUS, JsonTrees.write(theirs, false));
        assertEquals(AdminCodec.mapper().writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(theirs.get("result")),
                AdminCodec.toPrettyJson(JsonTrees.parse(STATUS).get("result")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":1,\"a\":2}", "{\"a\":1} {\"b\":2}", "{\"a\":1} x", "[1,2] 3", "{\"a\":", "{a:1}", "[1,]"})
    void refusesWhatTheMapperRefuses(String json) {
        assertThrows(JsonProcessingException.class, () -> AdminCodec.mapper().readTree(json));
        assertThrows(JsonProcessingException.class, () -> JsonTrees.parse(json));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void holdsNothingWhenBlank(String json) throws Exception {
        assertNull(JsonTrees.parse(json));
    }

    /** A request's arguments built by hand are the tree data binding builds, kinds of numbers and order included. */
    @org.junit.jupiter.api.Test
    void plainValuesMakeTheTreeTheMapperWouldAndAnythingElseIsLeftToIt() {
        java.util.Map<String, Object> args = new java.util.LinkedHashMap<>();
        args.put("limit", 20);
        args.put("at", 1_700_000_000_000L);
        args.put("node", "n2");
        args.put("cancel", true);
        args.put("nothing", null);
        args.put("nested", java.util.Map.of("list", List.of(1, "two", List.of())));
        JsonNode mine = JsonTrees.plain(args);
        JsonNode theirs = AdminCodec.mapper().valueToTree(args);
        assertEquals(theirs, mine);
        assertEquals(AdminCodec.mapper().valueToTree(args).toString(), mine.toString(), "same order");
        assertEquals(theirs, AdminCodec.toTree(args));
        assertNull(JsonTrees.plain(java.util.Map.of("d", 1.5)), "a double: the mapper's");
        assertNull(JsonTrees.plain(java.util.Map.of(1, "x")), "a key that is no text: the mapper's");
        assertNull(JsonTrees.plain(List.of(new TrackedView("n1", "held", "pass"))), "a record: the mapper's");
        assertEquals(AdminCodec.mapper().valueToTree(java.util.Map.of("d", 1.5)), AdminCodec.toTree(java.util.Map.of("d", 1.5)));
    }
}
