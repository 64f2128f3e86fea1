package vigil.protocol.admin;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * The cluster record's PostgreSQL part and why this node's supervisor last acted.
 *
 * @param primary  the recorded primary, or null before bootstrap
 * @param sync     the synchronous set (only these may be promoted in synchronous mode)
 * @param reason   the supervisor's last reason on the answering node (an HaReason name), or null
 * @param vips     the answering node's VIPs that follow the primary: "held", "claiming", "releasing", "not held" or
 *                 "kept (found at start)" (found on the host when vigild started, kept while this node reclaims the
 *                 primary that kept serving); null without them
 * @param tracked  the VIPs placed by checks; null without them
 * @param paused   maintenance mode as the record says it ("paused by OPERATOR at TIME (recorded in term T)"), or null
 * @param banned   the nodes an operator banned (never promoted), sorted
 */
@JsonPropertyOrder({"primary", "timeline", "sync", "synchronous_mode", "reason", "vips", "tracked", "paused", "banned"})
public record PgClusterView(
        @JsonProperty("primary") String primary,
        @JsonProperty("timeline") long timeline,
        @JsonProperty("sync") List<String> sync,
        @JsonProperty("synchronous_mode") boolean synchronousMode,
        @JsonProperty("reason") String reason,
        @JsonProperty("vips") @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String vips,
        @JsonProperty("tracked") @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) TrackedView tracked,
        @JsonProperty("paused") @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.ALWAYS) String paused,
        @JsonProperty("banned") @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.ALWAYS) List<String> banned) {
    @com.fasterxml.jackson.annotation.JsonCreator
    public PgClusterView {
        sync = sync == null ? List.of() : List.copyOf(sync);
        banned = banned == null ? List.of() : List.copyOf(banned);
    }

    /** Without VIPs. */
    public PgClusterView(String primary, long timeline, List<String> sync, boolean synchronousMode, String reason) {
        this(primary, timeline, sync, synchronousMode, reason, null, null, null, List.of());
    }

    /** Not paused. */
    public PgClusterView(String primary, long timeline, List<String> sync, boolean synchronousMode, String reason,
                         String vips, TrackedView tracked) {
        this(primary, timeline, sync, synchronousMode, reason, vips, tracked, null, List.of());
    }

    /** Without VIPs placed by checks. */
    public PgClusterView(String primary, long timeline, List<String> sync, boolean synchronousMode, String reason,
                         String vips) {
        this(primary, timeline, sync, synchronousMode, reason, vips, null, null, List.of());
    }
}
