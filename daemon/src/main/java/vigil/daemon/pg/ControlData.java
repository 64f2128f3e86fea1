package vigil.daemon.pg;

import java.util.HashMap;
import java.util.Map;

/**
 * What {@code pg_controldata} says about a data directory (read from the control file itself when vigild knows its
 * layout, see {@link ControlFile}): which cluster it belongs to, whether it was shut down
 * cleanly, and the last checkpoint and minimum recovery point. It can be read while PostgreSQL is down, which is
 * what it is for: the system identifier of a stopped node, and whether its last shutdown was clean.
 *
 * <p>It is <b>not</b> the end of the WAL this node holds. A standby's walreceiver flushes WAL far beyond both the
 * latest (restart)point and the minimum recovery point: both move only when a restartpoint runs or data pages are
 * written. Measured on PostgreSQL 15: a streaming standby had received and flushed 0/6D5E9B8 while pg_controldata
 * still said checkpoint 0/2000060 and minimum recovery 0/2000100 (about 77 MB behind). Ranking standbys by these
 * values would promote the wrong one; ask the running server ({@link PgState#position()}) instead. Likewise right
 * after a promotion the checkpoint timeline stays the old one until the first checkpoint on the new timeline
 * completes, which can take minutes when that checkpoint is spread.
 *
 * @param systemId the database system identifier, an unsigned 64-bit number held in a long (compare with
 *                 {@code ==}; print with {@link Long#toUnsignedString(long)})
 * @param minRecoveryEndLsn 0 (0/0) when there is none (a primary)
 * @param minRecoveryEndTimeline 0 when there is none
 */
public record ControlData(long systemId, ClusterState state, long checkpointLsn, long checkpointTimeline,
                          long minRecoveryEndLsn, long minRecoveryEndTimeline) {
    /** The labels of the lines read, in pg_controldata's order. */
    static final java.util.List<String> LABELS = java.util.List.of("Database system identifier", "Database cluster state",
            "Latest checkpoint location", "Latest checkpoint's TimeLineID", "Minimum recovery ending location",
            "Min recovery ending loc's timeline");

    /**
     * {@code Database cluster state}. Declared in the order of PostgreSQL's {@code DBState}: {@link ControlFile}
     * reads the state as that number.
     */
    public enum ClusterState {
        STARTING_UP("starting up"),
        SHUT_DOWN("shut down"),
        SHUT_DOWN_IN_RECOVERY("shut down in recovery"),
        SHUTTING_DOWN("shutting down"),
        IN_CRASH_RECOVERY("in crash recovery"),
        IN_ARCHIVE_RECOVERY("in archive recovery"),
        IN_PRODUCTION("in production");

        private final String text;

        ClusterState(String text) {
            this.text = text;
        }

        static ClusterState of(String text) {
            for (ClusterState s : values()) {
                if (s.text.equals(text)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown database cluster state \"" + text + "\"");
        }

        /** A clean shutdown: a restart needs no crash recovery and pg_rewind needs no single-user run first. */
        public boolean clean() {
            return this == SHUT_DOWN || this == SHUT_DOWN_IN_RECOVERY;
        }
    }

    /** The newest timeline this control file knows of: a standby's minimum recovery point can be on a newer one than its checkpoint. */
    public long timeline() {
        return Math.max(checkpointTimeline, minRecoveryEndTimeline);
    }

    /**
     * Parses pg_controldata's output (run with LC_ALL=C.UTF-8, so labels are English). Throws
     * IllegalArgumentException naming the first label that is missing or unreadable.
     */
    static ControlData parse(String text) {
        Map<String, String> fields = new HashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        try {
            return new ControlData(
                    Long.parseUnsignedLong(field(fields, LABELS.get(0))),
                    ClusterState.of(field(fields, LABELS.get(1))),
                    Lsn.parse(field(fields, LABELS.get(2))),
                    Long.parseLong(field(fields, LABELS.get(3))),
                    Lsn.parse(field(fields, LABELS.get(4))),
                    Long.parseLong(field(fields, LABELS.get(5))));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unreadable pg_controldata output: " + e.getMessage(), e);
        }
    }

    private static String field(Map<String, String> fields, String label) {
        String v = fields.get(label);
        if (v == null) {
            throw new IllegalArgumentException("pg_controldata output has no \"" + label + "\" line");
        }
        return v;
    }

    @Override
    public String toString() {
        return "ControlData[systemId=" + Long.toUnsignedString(systemId) + ", state=" + state + ", checkpoint="
                + Lsn.format(checkpointLsn) + " on timeline " + checkpointTimeline + ", minRecoveryEnd="
                + Lsn.format(minRecoveryEndLsn) + " on timeline " + minRecoveryEndTimeline + "]";
    }
}
