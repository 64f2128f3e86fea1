package vigil.config;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Rules for {@code cluster.vips}: IPv4 literals only (IPv6 VIPs are not supported yet), names and addresses unique,
 * an address label that {@code ip} accepts, no VIP that is also a member's own address, and the device present on
 * this host when it is a data node (a VIP that cannot be added here would leave clients without a primary after a
 * failover to this node; better refused at {@code --check-config} than found out then).
 */
final class VipRules {
    static final String LIST = "cluster.vips";
    /** Linux interface names: at most 15 bytes, no '/', no white space. */
    private static final Pattern DEVICE = Pattern.compile("[A-Za-z0-9_.:@-]{1,15}");
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    /** {@code ip addr} labels: at most 15 characters. */
    static final int LABEL_MAX = 15;

    private VipRules() {}

    static Function<Object, String> address() {
        return v -> IPV4.matcher((String) v).matches() ? null
                : "\"" + v + "\" is not an IPv4 address — write e.g. 10.0.0.100 (IPv6 VIPs are not supported yet;"
                        + " the prefix length goes in `prefix`)";
    }

    static Function<Object, String> device() {
        return v -> DEVICE.matcher((String) v).matches() ? null
                : "\"" + v + "\" is not a network interface name — write the device as `ip link` shows it, e.g. eth0";
    }

    /** The label vigild gives the VIP's address: {@code <device>:<name>}. */
    static String label(String device, String name) {
        return device + ":" + name;
    }

    static void check(Bound b, Problems problems, Host host, boolean dataNode) {
        boolean followsPrimary = false;
        for (int i = 0; i < b.listSize(LIST); i++) followsPrimary |= !TrackRules.followsChecks(b, i);
        if (followsPrimary && dataNode && b.isPresent("node.postgres")) {
            String listen = b.get("node.postgres.listen_address", String.class);
            if (listen == null || !(listen.equals("0.0.0.0") || listen.equals("::"))) {
                String path = "node.postgres.listen_address";
                problems.error(path, b.isPresent(path) ? b.at(path) : b.at("node.postgres"), "clients reach PostgreSQL"
                        + " through the VIPs of cluster.vips that follow the primary, but PostgreSQL listens only on "
                        + (listen == null ? "this node's cluster address" : listen) + " — set listen_address: 0.0.0.0"
                        + " so that it also accepts connections on a VIP added later");
            }
        }
        Map<String, Integer> names = new HashMap<>();
        Map<String, Integer> addresses = new HashMap<>();
        for (int i = 0; i < b.listSize(LIST); i++) {
            String p = LIST + "[" + i + "].";
            String name = b.get(p + "name", String.class);
            String address = b.get(p + "address", String.class);
            String device = b.get(p + "device", String.class);
            if (name != null && names.putIfAbsent(name, i) != null) {
                problems.error(p + "name", b.at(p + "name"), "VIP name \"" + name + "\" is used twice (also by "
                        + LIST + "[" + names.get(name) + "]) — give each VIP its own name");
            }
            if (address != null && addresses.putIfAbsent(address, i) != null) {
                problems.error(p + "address", b.at(p + "address"), "VIP address " + address + " is listed twice (also by "
                        + LIST + "[" + addresses.get(address) + "]) — list each address once");
            }
            if (address != null) {
                for (int n = 0; n < b.listSize("cluster.nodes"); n++) {
                    if (address.equals(b.get("cluster.nodes[" + n + "].address", String.class))) {
                        problems.error(p + "address", b.at(p + "address"), "VIP address " + address + " is member "
                                + b.get("cluster.nodes[" + n + "].name", String.class) + "'s own address — a VIP must be"
                                + " an address no host has permanently");
                    }
                }
            }
            if (name != null && device != null && label(device, name).length() > LABEL_MAX) {
                problems.error(p + "name", b.at(p + "name"), "the address label " + label(device, name) + " is longer than "
                        + LABEL_MAX + " characters, which ip refuses — use a shorter VIP name (at most "
                        + Math.max(1, LABEL_MAX - device.length() - 1) + " characters on " + device + ")");
            }
            if (dataNode && device != null && !host.hasDevice().test(device)) {
                problems.error(p + "device", b.at(p + "device"), "this host has no network interface " + device
                        + " — every data node carries the VIP on the same device name (see `ip link`)");
            }
        }
    }
}
