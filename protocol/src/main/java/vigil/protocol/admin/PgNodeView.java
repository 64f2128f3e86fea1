package vigil.protocol.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One node's PostgreSQL as the answering daemon knows it: its own from its probe, the others from what they
 * reported in the election (position and eligibility). What {@code crm_mon -fAr} shows for the pgsql resource.
 *
 * @param role      {@code primary}, {@code standby}, {@code down}, {@code hung} or {@code unknown}
 * @param lsn       the flush LSN of a primary or the received LSN of a standby, as PostgreSQL writes it (X/Y)
 * @param lagBytes  how far behind the primary's last known position, when both are known
 * @param lagSeconds how long ago the answering daemon first saw the primary beyond this standby's position (0 when it
 *                  never did, so at most a probe or heartbeat late), when {@code lagBytes} is known; null otherwise, and
 *                  from a daemon older than the field
 * @param sync      named in the cluster record's synchronous set
 * @param eligible  could be promoted now
 * @param failcount local restarts within failure_timeout (the answering node only)
 * @param proof     what proves this node's PostgreSQL cannot write once the node is gone: {@code watchdog-armed}
 *                  (armed when last heard: its lease ending is the proof), {@code watchdog} (the answering node has one, armed
 *                  when it leads), {@code none} (the answering node has none: a crash of it as primary waits for a
 *                  proof), or null when not known (another node that has not announced an armed watchdog)
 * @param notCandidate why this node could not be promoted now, with its cause: on the answering node the rule that
 *                  withdrew its own candidacy (a ban, how far behind, which check failed); for another node what the
 *                  answering one knows (banned, unreachable, or it reports itself not a candidate: its own status says
 *                  why); null when it is a candidate, and from a daemon older than the field
 */
@JsonPropertyOrder({"role", "timeline", "lsn", "lag_bytes", "lag_seconds", "sync", "eligible", "failcount", "proof", "not_candidate"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record PgNodeView(
        @JsonProperty("role") String role,
        @JsonProperty("timeline") Long timeline,
        @JsonProperty("lsn") String lsn,
        @JsonProperty("lag_bytes") Long lagBytes,
        @JsonProperty("lag_seconds") Double lagSeconds,
        @JsonProperty("sync") boolean sync,
        @JsonProperty("eligible") boolean eligible,
        @JsonProperty("failcount") Integer failcount,
        @JsonProperty("proof") String proof,
        @JsonProperty("not_candidate") String notCandidate) {

    /** Without the reason it is not a candidate (not known). */
    public PgNodeView(String role, Long timeline, String lsn, Long lagBytes, Double lagSeconds, boolean sync,
                      boolean eligible, Integer failcount, String proof) {
        this(role, timeline, lsn, lagBytes, lagSeconds, sync, eligible, failcount, proof, null);
    }

    /** Without the lag in seconds (not known). */
    public PgNodeView(String role, Long timeline, String lsn, Long lagBytes, boolean sync, boolean eligible,
                      Integer failcount, String proof) {
        this(role, timeline, lsn, lagBytes, null, sync, eligible, failcount, proof, null);
    }

    /** Without the lag in seconds and the proof (not known). */
    public PgNodeView(String role, Long timeline, String lsn, Long lagBytes, boolean sync, boolean eligible,
                      Integer failcount) {
        this(role, timeline, lsn, lagBytes, null, sync, eligible, failcount, null, null);
    }

    /**
     * This view with what only the node itself knows of itself, from its own status ({@code own}, null: none): its
     * failcount and why it is not a candidate, which another node sees only as a flag. A node that says it is not a
     * candidate without saying why (a daemon older than the field) leaves this view's reason in place.
     */
    public PgNodeView withOwnReport(PgNodeView own) {
        if (own == null) return this;
        String why = own.notCandidate() == null && !own.eligible() ? notCandidate : own.notCandidate();
        return new PgNodeView(role, timeline, lsn, lagBytes, lagSeconds, sync, eligible, own.failcount(), proof, why);
    }

    /** PostgreSQL's own notation of an LSN: high and low 32 bits in hex. */
    public static String lsn(long value) {
        return Long.toHexString(value >>> 32).toUpperCase(java.util.Locale.ROOT) + "/"
                + Long.toHexString(value & 0xffffffffL).toUpperCase(java.util.Locale.ROOT);
    }
}
