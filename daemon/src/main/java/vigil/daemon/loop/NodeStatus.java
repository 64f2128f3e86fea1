package vigil.daemon.loop;

import java.util.List;

/** What {@code vigilctl status} shows: this node's own view of the cluster, taken on the loop thread. */
public record NodeStatus(String node, String cluster, String role, long term, String leader, long leaseRemainingMs,
                         boolean quorum, int voters, int reachableVoters, List<Peer> nodes) {
    public record Peer(String name, String kind, String role, boolean reachable, boolean self) {}
}
