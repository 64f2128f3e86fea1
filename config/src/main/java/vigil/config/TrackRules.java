package vigil.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Checks and binding of {@code node.track} and {@code cluster.vips[].follows}. A track entry names exactly one of a
 * unit ({@code systemctl is-active --quiet UNIT}) and a command (an absolute path only root can change, no shell),
 * like a service action. Tracked checks without a VIP that follows them would decide nothing: refused.
 */
final class TrackRules {
    static final String LIST = "node.track";

    private TrackRules() {}

    static String follows(Object word) {
        String w = ((String) word).toLowerCase(Locale.ROOT);
        return w.equals("primary") || w.equals("checks") ? null
                : "unknown placement \"" + word + "\" — write primary (the VIP is on the primary's node) or checks (on one"
                        + " data node whose node.track checks pass, chosen by the leader)";
    }

    static boolean followsChecks(Bound b, int vip) {
        return "checks".equalsIgnoreCase(b.get(VipRules.LIST + "[" + vip + "].follows", String.class));
    }

    static void check(Bound b, Problems problems) {
        boolean anyTracked = false;
        for (int i = 0; i < b.listSize(VipRules.LIST); i++) anyTracked |= followsChecks(b, i);
        if (b.listSize(LIST) > 0 && !anyTracked) {
            problems.error(LIST, b.at(LIST), "no VIP of cluster.vips follows checks, so these checks would decide "
                    + "nothing — add follows: checks to the VIPs they are for, or remove node.track");
        }
        for (int i = 0; i < b.listSize(LIST); i++) {
            ServiceRules.unitOrCommand(b, problems, LIST + "[" + i + "]",
                    "unit checks that a systemd unit is active, command runs a check command",
                    "unit: (systemctl is-active UNIT) or command: (a command that exits 0 when the service works)",
                    "no check given");
        }
        Duration interval = b.get("node.track_interval", Duration.class);
        Duration timeout = b.get("node.track_timeout", Duration.class);
        if (interval != null && timeout != null && timeout.compareTo(interval) > 0) {
            problems.error("node.track_timeout", b.at("node.track_timeout"), "the timeout (" + timeout.toMillis()
                    + " ms) is longer than node.track_interval (" + interval.toMillis() + " ms): a round would start "
                    + "before the last one ended — shorten the timeout or lengthen the interval");
        }
    }

    /** The checks of a file that passed every check. */
    static TrackSettings settings(Bound b) {
        List<TrackSettings.Check> checks = new ArrayList<>();
        for (int i = 0; i < b.listSize(LIST); i++) {
            String p = LIST + "[" + i + "].";
            String unit = b.get(p + "unit", String.class);
            List<String> argv = unit != null ? List.of("systemctl", "is-active", "--quiet", unit)
                    : CommandLine.split(b.get(p + "command", String.class));
            checks.add(new TrackSettings.Check(argv, unit != null ? "unit " + unit : b.get(p + "command", String.class).strip(),
                    LIST + "[" + i + "]"));
        }
        return new TrackSettings(checks, b.get("node.track_interval", Duration.class),
                b.get("node.track_timeout", Duration.class), b.get("node.track_fall", Integer.class),
                b.get("node.track_rise", Integer.class));
    }
}
