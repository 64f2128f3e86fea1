package vigil.protocol.admin;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Encodes and decodes admin protocol lines. A line is one compact JSON object without the
 * terminating newline (the transport adds and strips it); Jackson escapes control characters in
 * strings, so an encoded line never contains a raw newline.
 *
 * <p>Decoders never throw: any input, however broken, yields a {@link Decoded} with either the value
 * or a typed {@link AdminError} whose message tells the operator what was wrong and where. Typing is
 * strict (no "7" for 7, no 1 for true) because a lenient admin channel hides client bugs.
 */
public final class AdminCodec {
    /** The protocol version this code speaks; requests in any other version are refused. */
    public static final int PROTOCOL_VERSION = 1;
    /** Maximum length of one line in bytes (UTF-8), excluding the newline, in both directions. */
    public static final int MAX_LINE_BYTES = 64 * 1024;

    private static final int MAX_ERROR_DETAIL = 200;

    /**
     * Data binding, for what is not a plain tree (a map of arguments, a record to a tree and back). Built on first use:
     * the lines themselves are parsed and written without it ({@link JsonTrees}), so {@code vigilctl status} never
     * pays for building it.
     */
    private static final class Binding {
        static final ObjectMapper MAPPER = JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
    }

    static ObjectMapper mapper() {
        return Binding.MAPPER;
    }

    private AdminCodec() {
    }

    // ---- requests ------------------------------------------------------------------------------

    /** The request as one line; {@code args} is omitted when empty. */
    public static String encodeRequest(AdminRequest request) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("version", request.version());
        node.put("command", request.command());
        if (!request.args().isEmpty()) {
            node.set("args", toTree(request.args()));
        }
        return write(node);
    }

    /**
     * Decodes one request line. Checks, in order: size ({@link ErrorCode#TOO_LARGE}), JSON object
     * ({@link ErrorCode#BAD_REQUEST}), integer {@code version} equal to {@link #PROTOCOL_VERSION}
     * ({@link ErrorCode#UNSUPPORTED_VERSION}), non-blank string {@code command} and optional object
     * {@code args} ({@link ErrorCode#BAD_REQUEST}). The version is checked before the rest because a
     * request in another version may legitimately have another shape.
     */
    public static Decoded<AdminRequest> decodeRequest(String line) {
        try {
            Decoded<ObjectNode> object = parseObject(line, "request");
            if (!object.isValid()) {
                return Decoded.invalid(object.error());
            }
            ObjectNode node = object.value();
            Decoded<Integer> version = requireInt(node, "version", "request");
            if (!version.isValid()) {
                return Decoded.invalid(version.error());
            }
            if (version.value() != PROTOCOL_VERSION) {
                return Decoded.invalid(ErrorCode.UNSUPPORTED_VERSION, "protocol version " + version.value()
                        + " is not supported; this vigild speaks version " + PROTOCOL_VERSION
                        + " (use a vigilctl from the same vigil release)");
            }
            JsonNode command = node.get("command");
            if (command == null || !command.isTextual() || command.asText().isBlank()) {
                return Decoded.invalid(ErrorCode.BAD_REQUEST, "request field \"command\" must be a non-empty string, got "
                        + describe(command) + "; e.g. {\"version\":1,\"command\":\"status\"}");
            }
            JsonNode args = node.get("args");
            Map<String, Object> argMap = new LinkedHashMap<>();
            if (args != null && !args.isNull()) {
                if (!args.isObject()) {
                    return Decoded.invalid(ErrorCode.BAD_REQUEST,
                            "request field \"args\" must be an object, got " + describe(args));
                }
                args.properties().forEach(e -> argMap.put(e.getKey(), mapper().convertValue(e.getValue(), Object.class)));
            }
            return Decoded.valid(new AdminRequest(version.value(), command.asText(), argMap));
        } catch (RuntimeException e) {
            return Decoded.invalid(ErrorCode.INTERNAL, "could not decode request: " + e);
        }
    }

    // ---- replies -------------------------------------------------------------------------------

    public static String encodeReply(AdminReply reply) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("version", reply.version());
        node.put("ok", reply.ok());
        if (reply.ok()) {
            node.set("result", reply.result());
        } else {
            ObjectNode error = node.putObject("error");
            error.put("code", reply.error().code().name());
            error.put("message", reply.error().message());
        }
        return write(node);
    }

    /**
     * Decodes one reply line. A reply in another protocol version gives
     * {@link ErrorCode#UNSUPPORTED_VERSION}; any other malformation gives {@link ErrorCode#BAD_REQUEST}
     * (here meaning: the daemon's reply was bad). An error reply decodes successfully into an
     * {@link AdminReply} whose {@code ok} is false.
     */
    public static Decoded<AdminReply> decodeReply(String line) {
        try {
            Decoded<ObjectNode> object = parseObject(line, "reply");
            if (!object.isValid()) {
                return Decoded.invalid(object.error());
            }
            ObjectNode node = object.value();
            Decoded<Integer> version = requireInt(node, "version", "reply");
            if (!version.isValid()) {
                return Decoded.invalid(version.error());
            }
            if (version.value() != PROTOCOL_VERSION) {
                return Decoded.invalid(ErrorCode.UNSUPPORTED_VERSION, "vigild replied in protocol version "
                        + version.value() + " but this vigilctl speaks version " + PROTOCOL_VERSION
                        + " (use a vigilctl from the same vigil release as vigild)");
            }
            JsonNode ok = node.get("ok");
            if (ok == null || !ok.isBoolean()) {
                return badReply("field \"ok\" must be true or false, got " + describe(ok));
            }
            if (ok.booleanValue()) {
                JsonNode result = node.get("result");
                if (result == null || result.isNull()) {
                    return badReply("a successful reply must have a \"result\"");
                }
                return Decoded.valid(new AdminReply(version.value(), true, result, null));
            }
            JsonNode error = node.get("error");
            if (error == null || !error.isObject()) {
                return badReply("a failed reply must have an \"error\" object, got " + describe(error));
            }
            JsonNode code = error.get("code");
            JsonNode message = error.get("message");
            if (code == null || !code.isTextual()) {
                return badReply("field \"error.code\" must be a string, got " + describe(code));
            }
            if (message == null || !message.isTextual()) {
                return badReply("field \"error.message\" must be a string, got " + describe(message));
            }
            ErrorCode errorCode;
            try {
                errorCode = ErrorCode.valueOf(code.asText());
            } catch (IllegalArgumentException e) {
                return badReply("unknown error code " + quote(code.asText()) + " (message: " + message.asText() + ")");
            }
            return Decoded.valid(AdminReply.failure(errorCode, message.asText()));
        } catch (RuntimeException e) {
            return Decoded.invalid(ErrorCode.INTERNAL, "could not decode reply: " + e);
        }
    }

    // ---- results -------------------------------------------------------------------------------

    /**
     * Decodes a successful reply's result into a typed view such as {@link StatusView}. Unknown fields
     * are ignored (a newer daemon may add some); missing fields, nulls for numbers or booleans and
     * wrong types give {@link ErrorCode#BAD_REQUEST} naming the field, e.g. {@code nodes[1].reachable}.
     * Fields added to the status after its first release are optional on the wire (a daemon that manages no
     * PostgreSQL, or an older one, may leave them out): absent reads as null. Every other field stays required.
     *
     * <p>A status is read by hand ({@link StatusReader}, the same rules): it is what vigilctl decodes on every call,
     * and data binding's introspection would be most of a call's time.
     */
    @SuppressWarnings("unchecked")
    public static <T> Decoded<T> decodeResult(JsonNode result, Class<T> type) {
        try {
            if (result == null || !result.isObject()) {
                return badReply("result must be an object, got " + describe(result));
            }
            if (type == StatusView.class) {
                return (Decoded<T>) Decoded.valid(StatusReader.status(result));
            }
            return Decoded.valid(mapper().treeToValue(result, type));
        } catch (StatusReader.Bad e) {
            return badReply("result field " + e.path + ": " + clip(e.getMessage()));
        } catch (JsonMappingException e) {
            return badReply("result field " + path(e) + ": " + clip(e.getOriginalMessage()));
        } catch (JacksonException | RuntimeException e) {
            return badReply("result: " + clip(e.getMessage()));
        }
    }

    /**
     * The value as a JSON tree ({@link JsonNode}s are returned as they are). A status is written by hand
     * ({@link StatusWriter}, the same text), so that answering it never builds data binding in a running vigild; so are
     * plain maps and lists (a request's arguments: {@link JsonTrees#plain}), so that vigilctl does not build it either.
     */
    public static JsonNode toTree(Object value) {
        if (value instanceof JsonNode node) return node;
        if (value instanceof StatusView status) return StatusWriter.tree(status);
        JsonNode plain = value instanceof Map<?, ?> || value instanceof java.util.List<?> ? JsonTrees.plain(value) : null;
        return plain != null ? plain : mapper().valueToTree(value);
    }

    /** Indented JSON for people (several lines; not a protocol line). */
    public static String toPrettyJson(JsonNode node) {
        try {
            return JsonTrees.write(node, true);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot write JSON tree", e);
        }
    }

    /** The length of {@code text} in UTF-8 bytes, without encoding it. */
    public static int utf8Length(CharSequence text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static Decoded<ObjectNode> parseObject(String line, String what) {
        if (line == null) {
            return Decoded.invalid(ErrorCode.BAD_REQUEST, "empty " + what);
        }
        int bytes = utf8Length(line);
        if (bytes > MAX_LINE_BYTES) {
            return Decoded.invalid(ErrorCode.TOO_LARGE,
                    what + " is " + bytes + " bytes; the limit is " + MAX_LINE_BYTES + " bytes per line");
        }
        JsonNode node;
        try {
            node = JsonTrees.parse(line);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
            return Decoded.invalid(ErrorCode.BAD_REQUEST, "malformed JSON " + what + where + ": "
                    + clip(e.getOriginalMessage()) + "; expected one JSON object per line");
        } catch (java.io.IOException e) { // a String is read without IO: only a parse error can come
            return Decoded.invalid(ErrorCode.BAD_REQUEST, "malformed JSON " + what + ": " + clip(e.getMessage()));
        }
        if (node == null || !node.isObject()) {
            return Decoded.invalid(ErrorCode.BAD_REQUEST, what + " must be a JSON object, got " + describe(node)
                    + "; e.g. {\"version\":1,\"command\":\"status\"}");
        }
        return Decoded.valid((ObjectNode) node);
    }

    private static Decoded<Integer> requireInt(ObjectNode node, String field, String what) {
        JsonNode value = node.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToInt()) {
            return Decoded.invalid(ErrorCode.BAD_REQUEST,
                    what + " field \"" + field + "\" must be an integer, got " + describe(value));
        }
        return Decoded.valid(value.intValue());
    }

    private static <T> Decoded<T> badReply(String message) {
        return Decoded.invalid(ErrorCode.BAD_REQUEST, "malformed reply from vigild: " + message);
    }

    private static String write(ObjectNode node) {
        try {
            return JsonTrees.write(node, false);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot encode admin message: " + e.getMessage(), e);
        }
    }

    /** "a string (\"7\")", "nothing" — what the peer sent instead of what was expected. */
    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing (field missing)";
        }
        String type = switch (node.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
        if (node.isValueNode() && !node.isNull()) {
            return type + " (" + clip(node.toString()) + ")";
        }
        return type;
    }

    private static String path(JsonMappingException e) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (out.length() > 0) {
                    out.append('.');
                }
                out.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                out.append('[').append(ref.getIndex()).append(']');
            }
        }
        return out.length() == 0 ? "(top level)" : out.toString();
    }

    private static String quote(String s) {
        return "\"" + clip(s) + "\"";
    }

    private static String clip(String s) {
        if (s == null) {
            return "";
        }
        String oneLine = s.replace('\n', ' ').replace('\r', ' ');
        return oneLine.length() <= MAX_ERROR_DETAIL ? oneLine : oneLine.substring(0, MAX_ERROR_DETAIL) + "…";
    }
}
