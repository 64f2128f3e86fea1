package vigil.protocol.admin;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Why a switchover was asked for: the {@code purpose} argument of {@link AdminCommand#SWITCHOVER}. It changes nothing
 * of what is done; it is logged with the switchover and counts it in {@code vigil_switchovers_total{purpose}}, so an
 * operator tells the switchovers asked by hand from those of a rolling restart, a restart of vigild or a schedule.
 */
public enum SwitchoverPurpose {
    /** {@code vigilctl switchover}, and any request without the argument. */
    OPERATOR("operator"),
    /** {@code vigilctl switchover --at}: the time held came. */
    SCHEDULED("scheduled"),
    /** {@code vigilctl restart-pg --rolling}: the primary's turn. */
    ROLLING_RESTART("rolling-restart"),
    /** {@code vigilctl restart-daemon --switchover} on the primary. */
    RESTART_DAEMON("restart-daemon");

    private final String word;

    SwitchoverPurpose(String word) {
        this.word = word;
    }

    /** As written in requests, logs and metrics. */
    public String word() {
        return word;
    }

    /** The purpose named {@code word} (null: {@link #OPERATOR}). */
    public static SwitchoverPurpose of(String word) {
        if (word == null) return OPERATOR;
        for (SwitchoverPurpose p : values()) if (p.word.equals(word)) return p;
        throw new IllegalArgumentException("purpose must be one of " + Arrays.stream(values()).map(SwitchoverPurpose::word)
                .collect(Collectors.joining(", ")) + ", got " + word);
    }
}
