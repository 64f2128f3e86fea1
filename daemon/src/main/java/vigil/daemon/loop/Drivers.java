package vigil.daemon.loop;

import vigil.core.election.Durable;
import vigil.core.ha.HaDurable;
import vigil.core.node.Arrivals;
import vigil.core.node.Effect;
import vigil.core.node.Input;
import vigil.core.node.VipGroup;
import vigil.daemon.state.StateException;

/**
 * What the loop drives ({@link NodeLoop}, {@link Actuators}): the peers, the disk, PostgreSQL, the watchdog device,
 * other nodes' fence agents and the VIPs. Every call returns at once (or, for the disk, once the state is on disk);
 * outcomes that take time come back to the loop as {@link Input}s.
 */
public final class Drivers {
    private Drivers() {}

    /** Sends one encoded frame to a peer; loss is tolerated. */
    public interface Peers {
        /** The reliable path (JGroups, one sender thread per peer): every message. */
        void send(String node, byte[] frame);

        /**
         * The datagram path for heartbeats and acknowledgements (sent on the loop's thread: it never blocks). Returns
         * true when the frame went and the peer hears every datagram of ours lately: then {@link #send} is skipped.
         * Otherwise the frame goes both ways and the receiver keeps the first copy ({@link Arrivals}).
         */
        default boolean sendDatagram(String node, byte[] frame) {
            return false;
        }

        /** Any other election message as a datagram (best effort, never sent again by the datagram path). */
        default void sendDatagramOnce(String node, byte[] frame) {
            sendDatagram(node, frame);
        }
    }

    /** Writes the durable state and returns only once it is on disk. */
    public interface Disk {
        void save(Durable election, HaDurable ha) throws StateException;
    }

    /** The PostgreSQL driver (absent when vigil manages no PostgreSQL). Each call returns at once. */
    public interface Pg {
        void start(long id, vigil.core.ha.PgAction action);

        void cancel(long id);

        void fence(long id, long deadlineAt);

        void guard(long at);

        void probePeer(String node, long deadlineMs);

        /** Freeze or thaw every PostgreSQL process, beside any action; answer with {@link Input.Frozen}. */
        void freeze(boolean frozen);

        /** Whether the node is steady after a decision ({@link vigil.core.node.ProbeCadence}): probe less often. */
        default void steady(boolean steady) {}
    }

    /** The watchdog device (absent when off). Each call is a quick system call on the loop thread. */
    public interface Watchdog {
        /** @return null when armed, else why not */
        String arm();

        void kick();

        void disarm();
    }

    /** Other nodes' fence agents (absent when none is configured). Returns at once; the outcome comes back as an input. */
    public interface Fencing {
        void off(String node, long deadlineMs);
    }

    /** The VIP driver (absent without VIPs). Each call returns at once; outcomes come back as inputs. */
    public interface Vips {
        void check();

        /** {@code keptFromStart}: see {@link Effect.VipUp}. */
        void up(VipGroup group, boolean checked, boolean keptFromStart);

        void down(VipGroup group, String why);

        /** Arm (or move, or with Long.MAX_VALUE drop) the release guard of {@code group}. */
        void guard(VipGroup group, long at);
    }
}
