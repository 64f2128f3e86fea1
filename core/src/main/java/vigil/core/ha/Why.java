package vigil.core.ha;

/**
 * A supervisor reason with its cause: which peer it is about and what exactly (how far ahead, which proof is
 * missing, which error). Logged once per change; tests assert on {@code reason} and {@code peer}, the detail is for
 * operators.
 *
 * @param promotion set only on the decision that records this node as the primary in place of {@code peer}: why the
 *                  old primary is being replaced (logged and counted once, with that decision)
 */
public record Why(HaReason reason, String peer, String detail, PromotionCause promotion) {
    public Why {
        if (reason == null) throw new IllegalArgumentException("reason is null");
        if (detail == null) detail = "";
        if (promotion != null && reason != HaReason.PROMOTING) {
            throw new IllegalArgumentException("a promotion's cause goes with PROMOTING, not " + reason);
        }
    }

    public Why(HaReason reason, String peer, String detail) {
        this(reason, peer, detail, null);
    }

    public static Why of(HaReason reason) {
        return new Why(reason, null, "");
    }

    @Override
    public String toString() {
        return reason + (peer == null ? "" : "(" + peer + ")") + (detail.isEmpty() ? "" : ": " + detail);
    }
}
