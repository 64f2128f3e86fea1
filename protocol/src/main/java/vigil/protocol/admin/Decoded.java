package vigil.protocol.admin;

import java.util.Objects;

/**
 * The outcome of decoding one line: exactly one of a value or a typed error. Decoders return this
 * instead of throwing so that bad input from a peer can never escape as an exception.
 */
public record Decoded<T>(T value, AdminError error) {
    public Decoded {
        if ((value == null) == (error == null)) {
            throw new IllegalArgumentException("exactly one of value and error must be set");
        }
    }

    public static <T> Decoded<T> valid(T value) {
        return new Decoded<>(Objects.requireNonNull(value, "value"), null);
    }

    public static <T> Decoded<T> invalid(ErrorCode code, String message) {
        return new Decoded<>(null, new AdminError(code, message));
    }

    public static <T> Decoded<T> invalid(AdminError error) {
        return new Decoded<>(null, error);
    }

    public boolean isValid() {
        return value != null;
    }

    /** The decoded value; throws {@link IllegalStateException} if decoding failed. */
    public T orThrow() {
        if (value == null) {
            throw new IllegalStateException(error.toString());
        }
        return value;
    }
}
