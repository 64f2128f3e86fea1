package vigil.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rules that relate several settings: membership (unique names and endpoints, this node among the
 * members, at least one data node, enough voters) and timing (lease vs heartbeats, failure detection).
 * Settings that already failed their own checks are skipped, so one mistake yields one problem.
 */
final class ClusterRules {
    private static final String NODES = "cluster.nodes";
    private static final String T = "cluster.timing.";

    private final Bound b;
    private final Problems problems;

    private ClusterRules(Bound b, Problems problems) {
        this.b = b;
        this.problems = problems;
    }

    static void check(Bound b, Problems problems, String hostname) {
        ClusterRules r = new ClusterRules(b, problems);
        r.uniqueMembers();
        r.votersAndRoles();
        r.selfIsMember(hostname);
        r.timing();
    }

    private static String item(int i, String key) {
        return NODES + "[" + i + "]." + key;
    }

    private void uniqueMembers() {
        Map<String, Integer> nameAt = new HashMap<>();
        Map<String, Integer> endpointAt = new HashMap<>();
        for (int i = 0; i < b.listSize(NODES); i++) {
            String name = b.get(item(i, "name"), String.class);
            if (name != null) {
                Integer first = nameAt.putIfAbsent(name, i);
                if (first != null) {
                    problems.error(item(i, "name"), b.at(item(i, "name")), "duplicate node name \"" + name
                            + "\" (first at line " + b.at(item(first, "name")).line() + ") — give every node its own name");
                }
            }
            String address = b.get(item(i, "address"), String.class);
            Integer port = b.get(item(i, "port"), Integer.class);
            if (address != null && port != null) {
                String endpoint = address.toLowerCase() + ":" + port;
                Integer first = endpointAt.putIfAbsent(endpoint, i);
                if (first != null) {
                    String where = b.isWritten(item(i, "port")) ? item(i, "port") : item(i, "address");
                    problems.error(item(i, "address"), b.at(where), "address and port " + endpoint
                            + " are already used by " + NODES + "[" + first + "] (line " + b.at(item(first, "address")).line()
                            + ") — give each node its own address or port");
                }
            }
        }
    }

    private void votersAndRoles() {
        int voters = b.listSize(NODES);
        if (voters == 0) {
            return;
        }
        if (voters < 3) {
            problems.warning(NODES, b.at(NODES), "only " + voters + (voters == 1 ? " voter" : " voters")
                    + ": the quorum is " + (voters / 2 + 1) + ", so the cluster loses quorum when any member fails"
                    + " — add nodes (a witness is enough) to have at least 3 voters");
        }
        boolean anyData = false;
        for (int i = 0; i < voters; i++) {
            if (b.isInvalid(item(i, "role")) || b.isInvalid(NODES + "[" + i + "]")) {
                return; // already reported; the node might have been meant as a data node
            }
            anyData |= b.get(item(i, "role")) == NodeRole.DATA;
        }
        if (!anyData) {
            problems.error(NODES, b.at(NODES), "no data node: every member is a witness, so no node can lead"
                    + " — set role: data on at least one node (data is the default)");
        }
    }

    private List<String> memberNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < b.listSize(NODES); i++) {
            String name = b.get(item(i, "name"), String.class);
            if (name != null && !names.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    private void selfIsMember(String hostname) {
        if (b.isInvalid("node.name") || b.isInvalid("node") || b.listSize(NODES) == 0) {
            return;
        }
        List<String> names = memberNames();
        String listed = names.isEmpty() ? "none valid" : String.join(", ", names);
        String name = b.get("node.name", String.class);
        if (name != null) {
            if (!names.contains(name)) {
                problems.error("node.name", b.at("node.name"), "node \"" + name + "\" is not in cluster.nodes ("
                        + listed + ") — set node.name to one of them or add this node to cluster.nodes");
            }
            return;
        }
        Position at = b.isWritten("node") ? b.at("node") : b.at(NODES);
        if (hostname == null || hostname.isEmpty()) {
            problems.error("node.name", at, "node.name is not set and the host name is unknown"
                    + " — set node.name to one of: " + listed);
        } else if (!names.contains(hostname)) {
            problems.error("node.name", at, "node.name is not set and the host name \"" + hostname
                    + "\" is not in cluster.nodes (" + listed + ") — set node.name to the member this host is");
        }
    }

    private void timing() {
        Duration hb = b.get(T + "heartbeat_interval", Duration.class);
        Duration lease = b.get(T + "lease", Duration.class);
        Duration fdt = b.get(T + "failure_detection_timeout", Duration.class);
        if (hb == null) {
            return;
        }
        if (lease != null && lease.compareTo(hb.multipliedBy(3)) <= 0) {
            problems.error(T + "lease", at(T + "lease", T + "heartbeat_interval"), "lease " + fmt(lease)
                    + " must be more than 3 x heartbeat_interval (3 x " + fmt(hb) + " = " + fmt(hb.multipliedBy(3))
                    + ") so that the lease survives two lost heartbeats — raise lease or shorten heartbeat_interval");
        }
        if (fdt != null && fdt.compareTo(hb.multipliedBy(2)) < 0) {
            problems.error(T + "failure_detection_timeout", at(T + "failure_detection_timeout", T + "heartbeat_interval"),
                    "failure_detection_timeout " + fmt(fdt) + " must be at least 2 x heartbeat_interval (2 x "
                    + fmt(hb) + " = " + fmt(hb.multipliedBy(2)) + ") — raise it or shorten heartbeat_interval");
        }
    }

    /** Position of the first of these settings written in the file (else of the enclosing section). */
    private Position at(String preferred, String other) {
        return b.isWritten(preferred) || !b.isWritten(other) ? b.at(preferred) : b.at(other);
    }

    private static String fmt(Duration d) {
        long nanos = d.toNanos();
        return nanos % 1_000_000 == 0 ? ValueType.format(d) : nanos / 1e6 + "ms";
    }
}
