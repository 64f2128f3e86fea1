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
}
