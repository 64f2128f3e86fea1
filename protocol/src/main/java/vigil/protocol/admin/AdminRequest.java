package vigil.protocol.admin;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One request line: {@code {"version":1,"command":"status","args":{...}}}. {@code args} is never
 * null (an absent field decodes to an empty map) and is read-only; values are what Jackson makes of
 * JSON (String, Integer/Long, Double, Boolean, List, Map, or null).
 */
public record AdminRequest(int version, String command, Map<String, Object> args) {
    public AdminRequest {
        Objects.requireNonNull(command, "command");
        args = args == null || args.isEmpty()
                ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(args));
    }

    /** A request for {@code command} with arguments, in the current protocol version. */
    public static AdminRequest of(AdminCommand command, Map<String, Object> args) {
        return new AdminRequest(AdminCodec.PROTOCOL_VERSION, command.wireName(), args);
    }

    /** A request for {@code command} without arguments, in the current protocol version. */
    public static AdminRequest of(AdminCommand command) {
        return new AdminRequest(AdminCodec.PROTOCOL_VERSION, command.wireName(), Map.of());
    }
}
