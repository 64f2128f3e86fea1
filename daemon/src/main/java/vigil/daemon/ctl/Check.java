package vigil.daemon.ctl;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import vigil.protocol.admin.NodeStatusView;
import vigil.protocol.admin.PgClusterView;
import vigil.protocol.admin.ServiceOutcomeView;
import vigil.protocol.admin.StatusView;

/**
 * One daemon's status reduced to a monitoring plugin's answer, as Pacemaker's {@code check_crm} does for a
 * Pacemaker cluster: a state (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, the Nagios plugin convention that Icinga,
 * Sensu and Zabbix also read), one line naming every problem worst first, and performance data after {@code |}.
 *
 * <p>CRITICAL is what stops writes or may stop them at the next fault: no quorum, no leader, no primary recorded, the
 * primary not seen running, this node's supervisor waiting for a fence or a proof or refusing foreign data, a standby
 * past the critical lag. WARNING is lost redundancy: a voter out of reach, a standby not running, a standby past the
 * warning lag, this node's lease in doubt or its PostgreSQL failing, a failed service action. The thresholds compare
 * with what the answering daemon knows (a standby's lag as last reported to it), so run the check on the leader, or on
 * every node to see each one's view. The PostgreSQL of another node is known only from what it reported: that a
 * recorded primary elsewhere stopped running is seen on that node (normally the leader) or as its being out of reach.
 */
record Check(int code, String line) {
    static final int OK = 0;
    static final int WARNING = 1;
    static final int CRITICAL = 2;
    static final int UNKNOWN = 3;
    private static final String[] STATES = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

    /** Reasons of this node's supervisor that mean the cluster cannot write, or cannot fail over, until someone acts. */
    static final Set<String> CRITICAL_REASONS = Set.of("FENCING_REQUIRED", "FENCE_NOT_VERIFIED", "SELF_FENCE",
            "SYSTEM_ID_MISMATCH", "RECORDED_PRIMARY_DATA_MISSING", "OLD_PRIMARY_STILL_SERVING",
            "MIGRATION_THRESHOLD_REACHED");
    /** Reasons that mean this node's PostgreSQL is in trouble, or its lease in doubt, while the cluster still writes. */
    static final Set<String> WARNING_REASONS = Set.of("LEASE_IN_DOUBT", "PRIMARY_FAILING", "PRIMARY_CRASHED_RESTART",
            "STANDBY_STALLED", "STANDBY_FAILING", "REWIND_RETRY", "UNFIT");

    /** The answer when no status could be had (vigild unreachable, a refusal, a malformed reply). */
    static Check unknown(String why) {
        return new Check(UNKNOWN, "VIGIL UNKNOWN - " + why.strip().replace('\n', ' '));
    }

    static Check of(StatusView s, long lagWarningBytes, long lagCriticalBytes) {
        List<String> critical = new ArrayList<>();
        List<String> warning = new ArrayList<>();
        if (!s.quorum()) {
            critical.add("no quorum: " + s.reachableVoters() + " of " + s.voters() + " voters reachable from " + s.node());
        }
        if (s.leader() == null) critical.add("no leader in term " + s.term());
        PgClusterView pg = s.postgres();
        String primary = pg == null ? null : pg.primary();
        List<String> unreachable = s.nodes().stream()
                .filter(n -> !n.reachable() && !n.self() && !n.name().equals(primary)).map(NodeStatusView::name).toList();
        if (!unreachable.isEmpty()) warning.add("out of reach: " + String.join(", ", unreachable));
        long maxLag = 0;
        if (pg != null) {
            if (primary == null) critical.add("no primary recorded");
            for (NodeStatusView n : s.nodes()) {
                if (n.postgres() == null) continue;
                String role = n.postgres().role();
                if (n.name().equals(primary)) {
                    if (!n.reachable() && !n.self()) critical.add("primary " + n.name() + " out of reach");
                    else if (!"primary".equals(role)) critical.add("primary " + n.name() + " is " + role);
                    continue;
                }
                if ("primary".equals(role)) {
                    critical.add(n.name() + " runs as a primary, but " + primary + " is the recorded one");
                } else if (n.reachable() || n.self()) {
                    if (!"standby".equals(role)) warning.add("standby " + n.name() + " is " + role);
                }
                Long lag = n.postgres().lagBytes();
                if (lag == null) continue;
                maxLag = Math.max(maxLag, lag);
                if (lag >= lagCriticalBytes) critical.add(n.name() + " lags " + bytes(lag));
                else if (lag >= lagWarningBytes) warning.add(n.name() + " lags " + bytes(lag));
            }
            if (pg.paused() != null) warning.add("maintenance mode, " + pg.paused());
            String code = reasonCode(pg.reason());
            if (CRITICAL_REASONS.contains(code)) critical.add(s.node() + ": " + shortened(pg.reason()));
            else if (WARNING_REASONS.contains(code)) warning.add(s.node() + ": " + shortened(pg.reason()));
        }
        for (ServiceOutcomeView o : s.services()) {
            if (!o.ok()) warning.add("service action \"" + o.action() + "\" failed (exit " + o.exit() + ")");
        }
        int state = !critical.isEmpty() ? CRITICAL : !warning.isEmpty() ? WARNING : OK;
        List<String> said = new ArrayList<>(critical);
        said.addAll(warning);
        if (said.isEmpty()) said.add(summary(s));
        String perf = "term=" + s.term() + " voters_reachable=" + s.reachableVoters() + ";;;0;" + s.voters()
                + (pg == null ? "" : " max_lag_bytes=" + maxLag + "B;" + lagWarningBytes + ";" + lagCriticalBytes + ";0");
        // '|' starts the performance data: none may come from a name or a reason
        return new Check(state, "VIGIL " + STATES[state] + " - " + String.join("; ", said).replace('|', '/') + " | " + perf);
    }

    /**
     * The reason's name: the status gives the supervisor's reason as {@code NAME}, {@code NAME(peer)} or
     * {@code NAME(peer): cause} ({@code vigil.core.ha.Why}); null for none.
     */
    static String reasonCode(String reason) {
        if (reason == null) return null;
        int end = reason.length();
        for (char c : new char[] {'(', ':', ' '}) {
            int i = reason.indexOf(c);
            if (i >= 0) end = Math.min(end, i);
        }
        return reason.substring(0, end);
    }

    /** A reason with its cause, cut to what one line of a monitoring system shows. */
    static String shortened(String reason) {
        return reason.length() <= 160 ? reason : reason.substring(0, 157) + "...";
    }

    private static String summary(StatusView s) {
        StringBuilder b = new StringBuilder(s.leader()).append(" leads term ").append(s.term()).append(" (")
                .append(s.reachableVoters()).append('/').append(s.voters()).append(" voters)");
        PgClusterView pg = s.postgres();
        if (pg != null) {
            List<String> standbys = s.nodes().stream()
                    .filter(n -> n.postgres() != null && !n.name().equals(pg.primary())).map(NodeStatusView::name).toList();
            b.append("; primary ").append(pg.primary());
            if (!standbys.isEmpty()) b.append(", standbys ").append(String.join(" ", standbys));
        }
        return b.toString();
    }

    /** A size as PostgreSQL's settings write it: 16MB, 1GB, or a plain number of bytes. Negative when malformed. */
    static long parseSize(String text) {
        String t = text.strip().toUpperCase(Locale.ROOT);
        long unit = 1;
        for (String[] u : new String[][] {{"KB", "1024"}, {"MB", "1048576"}, {"GB", "1073741824"}, {"TB", "1099511627776"},
                {"B", "1"}}) {
            if (t.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                t = t.substring(0, t.length() - u[0].length()).strip();
                break;
            }
        }
        try {
            long n = Long.parseLong(t);
            return n < 0 || n > Long.MAX_VALUE / unit ? -1 : n * unit;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static String bytes(long n) {
        if (n >= 1L << 30) return String.format(Locale.ROOT, "%.1f GB", n / (double) (1L << 30));
        if (n >= 1L << 20) return String.format(Locale.ROOT, "%.1f MB", n / (double) (1L << 20));
        if (n >= 1L << 10) return String.format(Locale.ROOT, "%.1f kB", n / (double) (1L << 10));
        return n + " B";
    }
}
