package vigil.core.election;

/**
 * What a node tells its peers about its own safety, in every heartbeat and acknowledgement (relayed by the leader
 * like positions). A new leader uses the old primary's report as a proof that it cannot write any more:
 *
 * <ul>
 * <li>{@code watchdogMs > 0}: the node's watchdog is armed and resets the host at most {@code watchdogMs} after its
 *     last keep-alive. A node keeps it alive while its PostgreSQL may write only as long as its lease stays valid
 *     for more than {@code watchdogMs}; so once its lease has ended (which the election guarantees before any new
 *     leader exists) its daemon has fenced PostgreSQL or the host has been reset.</li>
 * <li>{@code pg}: whether its PostgreSQL may accept writes. {@link PgSafety#STOPPED} and
 *     {@link PgSafety#STANDBY} prove that it cannot, as long as the node has not led since: only its own
 *     leadership could make that PostgreSQL writable again.</li>
 * </ul>
 * Both count only when heard in a term at least the last one the node led in ({@link ClusterRecord#ledIn}): an older
 * report may describe a node that has led, and changed, since. "PostgreSQL cannot write" counts from the term the node
 * last led in only as a farewell (its resignation): while it leads, a leader may start PostgreSQL at any moment after
 * it reported it stopped ({@link ElectionState#pgProvenSafe}).
 */
public record Report(long watchdogMs, PgSafety pg, Tracked tracked) {
    /** A node that told nothing yet: no watchdog, PostgreSQL may write. */
    public static final Report UNKNOWN = new Report(0, PgSafety.MAY_WRITE);
    /** A node without PostgreSQL (witness, or a cluster without managed PostgreSQL). */
    public static final Report NONE = new Report(0, PgSafety.NONE);
    /** What is assumed of a node never heard from. */
    public static final Heard NEVER = new Heard(0, UNKNOWN);

    public Report {
        if (watchdogMs < 0) throw new IllegalArgumentException("watchdogMs < 0");
        if (pg == null) throw new IllegalArgumentException("pg is null");
        if (tracked == null) throw new IllegalArgumentException("tracked is null");
    }

    /** A node that places no VIP by checks. */
    public Report(long watchdogMs, PgSafety pg) {
        this(watchdogMs, pg, Tracked.NONE);
    }

    /**
     * Where a node stands for the VIPs placed by checks (not a safety proof: the leader uses it to choose their holder).
     */
    public enum Tracked {
        /** It cannot hold them: none configured, or no PostgreSQL here (a witness). */
        NONE,
        /** Its tracked checks fail (or have not passed yet); it holds none, and no grant it had before counts. */
        FAILING,
        /** Its checks pass; it holds none. */
        PASSING,
        /** They are on this host, or may be (a claim or release under way). */
        HOLDING;

        public boolean candidate() {
            return this == PASSING || this == HOLDING;
        }
    }

    /**
     * A report as heard, with the term of the message that carried it (see {@link ClusterRecord#ledIn}).
     *
     * @param farewell it came with a resignation (or a planned stop's goodbye): the node acts no more in that term
     * @param seq      the sequence number of the message its own node sent it in (a leader's heartbeat for the
     *                 leader's report, an acknowledgement for a follower's, heard directly); 0 when relayed or not
     *                 known. Kept here only, never sent: within a term a message that arrives late (delayed,
     *                 duplicated) must not put back a report its node has since replaced, such as the watchdog
     *                 announcement a leader withdrew before a restart (the simulator's seeds 3072 and 3393 of the
     *                 planned-restart scenario: two writers).
     */
    public record Heard(long term, Report report, boolean farewell, long seq) {
        public Heard(long term, Report report) {
            this(term, report, false);
        }

        public Heard(long term, Report report, boolean farewell) {
            this(term, report, farewell, 0);
        }
    }

    public boolean watchdogArmed() {
        return watchdogMs > 0;
    }

    /** Whether a node's PostgreSQL may accept writes, as far as its own daemon can tell. */
    public enum PgSafety {
        /** No PostgreSQL on this node. */
        NONE,
        /** Verified: no process of its PostgreSQL runs. */
        STOPPED,
        /** Running in recovery, and no promotion or primary start is under way. */
        STANDBY,
        /** Anything else: writable, or not proven otherwise (hung, failing, unknown, being promoted). */
        MAY_WRITE;

        public boolean provenNotWritable() {
            return this == NONE || this == STOPPED || this == STANDBY;
        }
    }
}
