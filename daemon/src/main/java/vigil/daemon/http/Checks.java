package vigil.daemon.http;

import java.util.Locale;
import vigil.core.ha.Routing;
import vigil.core.node.NodeConfig;
import vigil.core.node.NodeState;

/**
 * The load-balancer checks the HTTP endpoint answers, each computed by the core's {@link Routing} from the newest state
 * the node step published, at the current instant (so a lease that runs out turns {@code /primary} to 503 even when
 * nothing else happens). A node that is stopping or halted answers no to every check.
 */
public final class Checks implements HttpRequests.Answers {
    /** Reads the newest published node state at the current instant. */
    public interface State {
        <T> T read(java.util.function.BiFunction<NodeState, Long, T> read);

        boolean halted();
    }

    /** The paths that are checks; {@code /metrics} is served apart. */
    public enum Check { PRIMARY, REPLICA, SYNC, LEADER, HEALTH;

        String path() {
            return "/" + name().toLowerCase(Locale.ROOT);
        }

        static Check of(String path) {
            for (Check c : values()) if (c.path().equals(path)) return c;
            return null;
        }
    }

    private final NodeConfig config;
    private final State state;

    public Checks(NodeConfig config, State state) {
        this.config = config;
        this.state = state;
    }

    /** @param maxLagBytes only for {@link Check#REPLICA}: null when not asked */
    @Override
    public Routing.Answer answer(Check check, Long maxLagBytes) {
        if (state.halted()) return new Routing.Answer(false, "vigild's node loop has halted");
        return state.read((s, now) -> {
            if (s.stopping() || s.halted()) return new Routing.Answer(false, "vigild is stopping");
            var sup = s.supervisor();
            var e = s.election();
            return switch (check) {
                case PRIMARY -> Routing.primary(sup, e, config.policy(), now);
                case REPLICA -> Routing.replica(sup, e, now, maxLagBytes);
                case SYNC -> Routing.sync(sup, e, now);
                case LEADER -> Routing.leader(e, now);
                case HEALTH -> Routing.health(sup);
            };
        });
    }

    @Override
    public String node() {
        return config.electorate().self();
    }
}
