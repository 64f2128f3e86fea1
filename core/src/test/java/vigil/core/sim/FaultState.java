package vigil.core.sim;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The network's current misbehaviour: blocked directed links, loss, extra delay, duplication. */
final class FaultState {
    private final Set<String> blocked = new HashSet<>();
    int lossPercent;
    int duplicatePercent;
    long extraDelayUs;
    /** When the network last changed in any way (a link, loss, delay, duplication). */
    long lastChangeUs;

    boolean blocked(String from, String to) {
        return blocked.contains(from + ">" + to);
    }

    void block(String from, String to) {
        blocked.add(from + ">" + to);
    }

    void partition(List<String> a, List<String> b) {
        for (String x : a) {
            for (String y : b) {
                block(x, y);
                block(y, x);
            }
        }
    }

    void healLinks() {
        blocked.clear();
    }

    void healAll() {
        healLinks();
        lossPercent = 0;
        duplicatePercent = 0;
        extraDelayUs = 0;
    }
}
