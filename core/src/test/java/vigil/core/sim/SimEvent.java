package vigil.core.sim;

/**
 * Something that happens at a real instant (microseconds); ties are broken by scheduling order, so a schedule replays
 * exactly from its seed.
 */
final class SimEvent implements Comparable<SimEvent> {
    final long atUs;
    final long order;
    final Runnable action;

    SimEvent(long atUs, long order, Runnable action) {
        this.atUs = atUs;
        this.order = order;
        this.action = action;
    }

    @Override
    public int compareTo(SimEvent o) {
        int c = Long.compare(atUs, o.atUs);
        return c != 0 ? c : Long.compare(order, o.order);
    }
}
