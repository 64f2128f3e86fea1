package vigil.core.sim;

import vigil.core.election.Message;

/** Something that happens at a real instant; ties are broken by scheduling order, so runs are deterministic. */
abstract sealed class SimEvent implements Comparable<SimEvent> {
    long atUsField;
    long order;

    long atUs() {
        return atUsField;
    }

    @Override
    public int compareTo(SimEvent o) {
        int c = Long.compare(atUsField, o.atUsField);
        return c != 0 ? c : Long.compare(order, o.order);
    }

    static final class Tick extends SimEvent {
        private final String node;
        private final int incarnation;

        Tick(String node, int incarnation) {
            this.node = node;
            this.incarnation = incarnation;
        }

        String node() { return node; }

        int incarnation() { return incarnation; }
    }

    static final class Deliver extends SimEvent {
        private final String from;
        private final String to;
        private final Message message;

        Deliver(String from, String to, Message message) {
            this.from = from;
            this.to = to;
            this.message = message;
        }

        String from() { return from; }

        String to() { return to; }

        Message message() { return message; }
    }

    static final class Apply extends SimEvent {
        private final FaultPlan.Fault fault;

        Apply(FaultPlan.Fault fault) {
            this.fault = fault;
        }

        FaultPlan.Fault fault() { return fault; }
    }

    static final class Resume extends SimEvent {
        private final String node;

        Resume(String node) {
            this.node = node;
        }

        String node() { return node; }
    }

    static final class Restart extends SimEvent {
        private final String node;

        Restart(String node) {
            this.node = node;
        }

        String node() { return node; }
    }

    static final class HealAll extends SimEvent {}

    /** The PostgreSQL driver of {@code node} finished an action it started in that incarnation. */
    static final class PgDone extends SimEvent {
        final String node;
        final int incarnation;
        final vigil.core.ha.PgAction action;
        /** The effect already happened; only the (paused) supervisor still has to hear of it. */
        final boolean notifyOnly;

        PgDone(String node, int incarnation, vigil.core.ha.PgAction action, boolean notifyOnly) {
            this.node = node;
            this.incarnation = incarnation;
            this.action = action;
            this.notifyOnly = notifyOnly;
        }
    }

    static final class PeerProbeDone extends SimEvent {
        final String node;
        final int incarnation;
        final String target;
        final vigil.core.ha.PeerPg result;

        PeerProbeDone(String node, int incarnation, String target, vigil.core.ha.PeerPg result) {
            this.node = node;
            this.incarnation = incarnation;
            this.target = target;
            this.result = result;
        }
    }

    static final class WriteTick extends SimEvent {}

    /** Fires {@link SimHa#WATCHDOG_MS} after a vigild stopped or froze: still not running → the host is reset. */
    static final class WatchdogCheck extends SimEvent {
        final String node;
        final int incarnation;

        WatchdogCheck(String node, int incarnation) {
            this.node = node;
            this.incarnation = incarnation;
        }
    }
}
