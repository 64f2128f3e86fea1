package vigil.daemon.peer;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the peer transport needs, in plain values, so that this package does not depend on the
 * config module. All nodes of a cluster must be given the same {@code clusterName}, {@code peers},
 * key and timing; only {@code selfName}, {@code bindAddress} and {@code bindPort} differ per node.
 *
 * <p>Invariants checked here (a violation is a programming error in the caller, not an operator
 * error, because the config module has already validated the file): {@code selfName} is one of
 * {@code peers}; peer names are unique; the key, when present, is 16, 24 or 32 bytes (AES-128/192/256);
 * all durations are positive and the failure-detection timeout is at least two heartbeats, otherwise
 * FD_ALL3 would suspect healthy members between two heartbeats.
 *
 * @param peers all configured nodes including this one
 * @param sharedKey raw AES key bytes; empty only in insecure (plaintext) mode
 */
public record PeerSettings(String clusterName, String selfName, String bindAddress, int bindPort,
                           List<Peer> peers, Optional<byte[]> sharedKey,
                           Duration heartbeatInterval, Duration failureDetectionTimeout,
                           Duration suspectVerifyTimeout, Duration joinTimeout) {

    /** One configured node: its logical name and the address/port its peer (JGroups TCP) socket listens on. */
    public record Peer(String name, String address, int port) {
        public Peer {
            requireText(name, "peer name");
            requireText(address, "peer address of " + name);
            requirePort(port, "peer port of " + name);
        }
    }

    public PeerSettings {
        requireText(clusterName, "clusterName");
        requireText(selfName, "selfName");
        requireText(bindAddress, "bindAddress");
        requirePort(bindPort, "bindPort");
        Objects.requireNonNull(peers, "peers");
        peers = List.copyOf(peers);
        Set<String> names = new HashSet<>();
        for (Peer p : peers) {
            if (!names.add(p.name()))
                throw new IllegalArgumentException("duplicate peer name \"" + p.name() + "\" in peers");
        }
        if (!names.contains(selfName))
            throw new IllegalArgumentException("selfName \"" + selfName + "\" is not one of the peers " + names);
        Objects.requireNonNull(sharedKey, "sharedKey (use Optional.empty() for insecure mode)");
        sharedKey = sharedKey.map(byte[]::clone);
        sharedKey.ifPresent(k -> {
            if (k.length != 16 && k.length != 24 && k.length != 32)
                throw new IllegalArgumentException("sharedKey must be 16, 24 or 32 bytes, got " + k.length);
        });
        requirePositive(heartbeatInterval, "heartbeatInterval");
        requirePositive(failureDetectionTimeout, "failureDetectionTimeout");
        requirePositive(suspectVerifyTimeout, "suspectVerifyTimeout");
        requirePositive(joinTimeout, "joinTimeout");
        if (failureDetectionTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0)
            throw new IllegalArgumentException("failureDetectionTimeout (" + failureDetectionTimeout
                    + ") must be >= 2 x heartbeatInterval (" + heartbeatInterval + ")");
    }

    /** True when peer traffic will be encrypted. */
    public boolean secure() {
        return sharedKey.isPresent();
    }

    private static void requireText(String s, String what) {
        if (s == null || s.isBlank())
            throw new IllegalArgumentException(what + " must not be empty");
    }

    private static void requirePort(int port, String what) {
        if (port < 1 || port > 65535)
            throw new IllegalArgumentException(what + " must be in 1..65535, got " + port);
    }

    private static void requirePositive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero())
            throw new IllegalArgumentException(what + " must be a positive duration, got " + d);
    }
}
