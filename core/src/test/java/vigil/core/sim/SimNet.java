package vigil.core.sim;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The network's current misbehaviour, per channel: vigil's peer port and PostgreSQL's port can be cut apart (a
 * firewall rule on one port). A cut either drops packets (the sender waits for a timeout) or rejects them (a refused
 * connection at once, which proves nothing about the far side). Plus loss, extra delay and duplication on vigil's
 * channel.
 */
final class SimNet {
    enum Channel { VIGIL, PG }

    private final Set<String> dropped = new HashSet<>();
    private final Set<String> rejected = new HashSet<>();
    int lossPercent;
    int duplicatePercent;
    long extraDelayUs;
    /** When the network last changed in any way (a link, loss, delay, duplication). */
    long lastChangeUs;

    private static String key(String from, String to, Channel c) {
        return from + ">" + to + "@" + c;
    }

    boolean blocked(String from, String to, Channel c) {
        return dropped.contains(key(from, to, c)) || rejected.contains(key(from, to, c));
    }

    boolean rejects(String from, String to, Channel c) {
        return rejected.contains(key(from, to, c));
    }

    void cut(String from, String to, List<Channel> channels, boolean reject) {
        for (Channel c : channels) (reject ? rejected : dropped).add(key(from, to, c));
    }

    void partition(List<String> a, List<String> b, List<Channel> channels, boolean reject) {
        for (String x : a) {
            for (String y : b) {
                cut(x, y, channels, reject);
                cut(y, x, channels, reject);
            }
        }
    }

    void healLinks() {
        dropped.clear();
        rejected.clear();
    }

    void healAll() {
        healLinks();
        lossPercent = 0;
        duplicatePercent = 0;
        extraDelayUs = 0;
    }

    boolean calm() {
        return lossPercent == 0 && extraDelayUs == 0 && dropped.isEmpty() && rejected.isEmpty();
    }
}
