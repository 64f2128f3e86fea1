package vigil.core.ha;

/**
 * A supervisor reason with its cause: which peer it is about and what exactly (how far ahead, which proof is
 * missing, which error). Logged once per change; tests assert on {@code reason} and {@code peer}, the detail is for
 * operators.
 */
public record Why(HaReason reason, String peer, String detail) {
    public Why {
        if (reason == null) throw new IllegalArgumentException("reason is null");
        if (detail == null) detail = "";
    }

    public static Why of(HaReason reason) {
        return new Why(reason, null, "");
    }

    @Override
    public String toString() {
        return reason + (peer == null ? "" : "(" + peer + ")") + (detail.isEmpty() ? "" : ": " + detail);
    }
}
