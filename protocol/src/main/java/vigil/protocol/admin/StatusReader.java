package vigil.protocol.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Reads a status result ({@link StatusView} and the views inside it) from its JSON tree, field by field.
 *
 * <p>Why by hand: {@code vigilctl status} is a fresh JVM for every call, and Jackson's data binding spends a large
 * part of such a short life introspecting six record types (reflection, annotations, generated accessors) before it
 * reads one field. Walking the tree that the reply was already parsed into costs almost nothing.
 *
 * <p>The rules are the codec's own (see {@link AdminCodec#decodeResult}): every field must be present, except those
 * added after the first release, which read as null (or empty) when absent — {@code postgres}, {@code services},
 * {@code scheduled_switchover}, {@code vips}, {@code tracked}, each node's {@code postgres}, and in it
 * {@code lag_seconds} and {@code not_candidate}; numbers and
 * booleans must not be null; types are strict (no "7" for 7, no 1 for true, no 3.5 for an integer); unknown fields are
 * ignored, so a newer daemon may add some. A violation is a {@link Bad} naming the field's path, e.g.
 * {@code nodes[2].reachable}.
 */
final class StatusReader {

    /** A field that is missing, null where a value is needed, or of the wrong type. */
    static final class Bad extends RuntimeException {
        final String path;

        Bad(String path, String message) {
            super(message, null, false, false);
            this.path = path;
        }
    }

    private StatusReader() {
    }

    static StatusView status(JsonNode o) {
        return new StatusView(
                int32(o, "", "version"), text(o, "", "node", true), text(o, "", "cluster", true),
                text(o, "", "role", true), int64(o, "", "term"), text(o, "", "leader", false),
                int64(o, "", "lease_remaining_ms"), bool(o, "", "quorum"), int32(o, "", "voters"),
                int32(o, "", "reachable_voters"), list(o, "", "nodes", true, StatusReader::node),
                optional(o, "postgres") ? object(o, "", "postgres", StatusReader::pgCluster) : null,
                optional(o, "services") ? list(o, "", "services", false, StatusReader::service) : List.of(),
                optional(o, "scheduled_switchover") ? text(o, "", "scheduled_switchover", false) : null);
    }

    private static NodeStatusView node(JsonNode o, String p) {
        return new NodeStatusView(text(o, p, "name", true), text(o, p, "kind", true), text(o, p, "role", true),
                bool(o, p, "reachable"), bool(o, p, "self"),
                optional(o, "postgres") ? object(o, p, "postgres", StatusReader::pgNode) : null);
    }

    private static PgClusterView pgCluster(JsonNode o, String p) {
        return new PgClusterView(text(o, p, "primary", false), int64(o, p, "timeline"), texts(o, p, "sync"),
                bool(o, p, "synchronous_mode"), text(o, p, "reason", false),
                optional(o, "vips") ? text(o, p, "vips", false) : null,
                optional(o, "tracked") ? object(o, p, "tracked", StatusReader::tracked) : null,
                text(o, p, "paused", false), texts(o, p, "banned"));
    }

    private static PgNodeView pgNode(JsonNode o, String p) {
        return new PgNodeView(text(o, p, "role", false), boxedLong(o, p, "timeline"), text(o, p, "lsn", false),
                boxedLong(o, p, "lag_bytes"), optional(o, "lag_seconds") ? boxedDouble(o, p, "lag_seconds") : null,
                bool(o, p, "sync"), bool(o, p, "eligible"), boxedInt(o, p, "failcount"), text(o, p, "proof", false),
                optional(o, "not_candidate") ? text(o, p, "not_candidate", false) : null);
    }

    private static TrackedView tracked(JsonNode o, String p) {
        return new TrackedView(text(o, p, "holder", false), text(o, p, "here", false), text(o, p, "checks", false));
    }

    private static ServiceOutcomeView service(JsonNode o, String p) {
        return new ServiceOutcomeView(text(o, p, "action", false), text(o, p, "trigger", false),
                text(o, p, "vip", false), bool(o, p, "ok"), int32(o, p, "exit"), int32(o, p, "attempts"),
                int64(o, p, "at_epoch_ms"), text(o, p, "detail", false));
    }

    // ---- fields --------------------------------------------------------------------------------

    /** A field added after the first release: absent reads as null, present is read by the usual rules. */
    private static boolean optional(JsonNode o, String field) {
        return o.has(field);
    }

    private static String path(String p, String field) {
        return p.isEmpty() ? field : p + "." + field;
    }

    /** The field's value, present (possibly JSON null); a missing field is {@link Bad}. */
    private static JsonNode present(JsonNode o, String p, String field) {
        JsonNode v = o.get(field);
        if (v == null) throw new Bad(path(p, field), "missing (a required field)");
        return v;
    }

    private static JsonNode nonNull(JsonNode o, String p, String field, String what) {
        JsonNode v = present(o, p, field);
        if (v.isNull()) throw new Bad(path(p, field), "null where " + what + " is required");
        return v;
    }

    private static String text(JsonNode o, String p, String field, boolean required) {
        JsonNode v = required ? nonNull(o, p, field, "a string") : present(o, p, field);
        if (v.isNull()) return null;
        if (!v.isTextual()) throw wrong(p, field, "a string", v);
        return v.textValue();
    }

    private static boolean bool(JsonNode o, String p, String field) {
        JsonNode v = nonNull(o, p, field, "true or false");
        if (!v.isBoolean()) throw wrong(p, field, "true or false", v);
        return v.booleanValue();
    }

    private static int int32(JsonNode o, String p, String field) {
        return integer(nonNull(o, p, field, "an integer"), p, field);
    }

    private static long int64(JsonNode o, String p, String field) {
        return longInteger(nonNull(o, p, field, "an integer"), p, field);
    }

    private static Integer boxedInt(JsonNode o, String p, String field) {
        JsonNode v = present(o, p, field);
        return v.isNull() ? null : integer(v, p, field);
    }

    private static Long boxedLong(JsonNode o, String p, String field) {
        JsonNode v = present(o, p, field);
        return v.isNull() ? null : longInteger(v, p, field);
    }

    private static Double boxedDouble(JsonNode o, String p, String field) {
        JsonNode v = present(o, p, field);
        if (v.isNull()) return null;
        if (!v.isNumber()) throw wrong(p, field, "a number", v);
        return v.doubleValue();
    }

    private static int integer(JsonNode v, String p, String field) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw wrong(p, field, "an integer (32 bits)", v);
        return v.intValue();
    }

    private static long longInteger(JsonNode v, String p, String field) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw wrong(p, field, "an integer (64 bits)", v);
        return v.longValue();
    }

    /** A list of strings, or null (the views read a null list as empty). */
    private static List<String> texts(JsonNode o, String p, String field) {
        JsonNode v = present(o, p, field);
        if (v.isNull()) return null;
        if (!v.isArray()) throw wrong(p, field, "an array of strings", v);
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isTextual()) throw new Bad(path(p, field) + "[" + i + "]", "expected a string, got " + AdminCodec.describe(e));
            out.add(e.textValue());
        }
        return out;
    }

    private static <T> T object(JsonNode o, String p, String field, BiFunction<JsonNode, String, T> read) {
        JsonNode v = present(o, p, field);
        if (v.isNull()) return null;
        if (!v.isObject()) throw wrong(p, field, "an object", v);
        return read.apply(v, path(p, field));
    }

    /** A list of objects; null reads as null unless {@code required}. */
    private static <T> List<T> list(JsonNode o, String p, String field, boolean required,
                                    BiFunction<JsonNode, String, T> read) {
        JsonNode v = required ? nonNull(o, p, field, "an array") : present(o, p, field);
        if (v.isNull()) return null;
        if (!v.isArray()) throw wrong(p, field, "an array", v);
        List<T> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            String at = path(p, field) + "[" + i + "]";
            JsonNode e = v.get(i);
            if (!e.isObject()) throw new Bad(at, "expected an object, got " + AdminCodec.describe(e));
            out.add(read.apply(e, at));
        }
        return out;
    }

    private static Bad wrong(String p, String field, String expected, JsonNode got) {
        return new Bad(path(p, field), "expected " + expected + ", got " + AdminCodec.describe(got));
    }
}
