package vigil.protocol.admin;

import java.util.Objects;

/** A typed failure: what kind ({@link ErrorCode}) and a message meant for the operator. */
public record AdminError(ErrorCode code, String message) {
    public AdminError {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return code + ": " + message;
    }
}
