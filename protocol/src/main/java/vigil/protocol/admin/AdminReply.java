package vigil.protocol.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One reply line. Success: {@code {"version":1,"ok":true,"result":{...}}}; failure:
 * {@code {"version":1,"ok":false,"error":{"code":"...","message":"..."}}}.
 *
 * <p>The result is kept as a JSON tree rather than a typed object so that a client can show it
 * exactly as the daemon sent it (fields it does not know included) and decode it into a typed view
 * ({@link AdminCodec#decodeResult}) only when it needs to. Treat the tree as read-only.
 */
public record AdminReply(int version, boolean ok, JsonNode result, AdminError error) {
    public AdminReply {
        if (ok && (result == null || result.isNull() || result.isMissingNode() || error != null)) {
            throw new IllegalArgumentException("a successful reply has a result and no error");
        }
        if (!ok && (error == null || result != null)) {
            throw new IllegalArgumentException("a failed reply has an error and no result");
        }
    }

    /**
     * A successful reply in the current protocol version. {@code result} is any Jackson-serialisable
     * value (for instance a {@link StatusView}) or an already built {@link JsonNode}.
     */
    public static AdminReply success(Object result) {
        Objects.requireNonNull(result, "result");
        return new AdminReply(AdminCodec.PROTOCOL_VERSION, true, AdminCodec.toTree(result), null);
    }

    /** A failed reply in the current protocol version. */
    public static AdminReply failure(ErrorCode code, String message) {
        return new AdminReply(AdminCodec.PROTOCOL_VERSION, false, null, new AdminError(code, message));
    }

    public static AdminReply failure(AdminError error) {
        return new AdminReply(AdminCodec.PROTOCOL_VERSION, false, null, error);
    }
}
