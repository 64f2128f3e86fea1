package vigil.core.election;

import java.util.Arrays;

/**
 * The local send times of a leader's most recent heartbeats, by sequence number: a window of consecutive numbers
 * ending at the newest, at most {@code keep} long. Immutable, compared by value.
 *
 * <p>The leader adds one heartbeat per {@code heartbeat_interval} and looks one up per acknowledgement (the lease
 * runs from the send time of the newest heartbeat a majority acknowledged). A sorted map of boxed entries, copied on
 * every heartbeat and every acknowledgement, was a fifth of an idle leader's loop (docs/benchmarks.md); a window of
 * primitive times costs one small array copy per heartbeat and nothing per acknowledgement.
 *
 * <p>Forgetting is always safe: an acknowledgement of a heartbeat no longer in the window renews nothing, which can
 * only shorten the lease, never lengthen it.
 */
public final class SentTimes {
    private static final SentTimes NONE = new SentTimes(1, new long[0]);

    private final long first;
    private final long[] times;

    private SentTimes(long first, long[] times) {
        this.first = first;
        this.times = times;
    }

    /** No heartbeat sent yet. */
    public static SentTimes none() {
        return NONE;
    }

    /** One heartbeat, {@code seq}, sent at {@code at}: a leader's bookkeeping as tests set it up. */
    public static SentTimes of(long seq, long at) {
        return new SentTimes(seq, new long[] {at});
    }

    /**
     * With heartbeat {@code seq} sent at {@code at}, keeping the newest {@code keep}. Heartbeats are numbered one after
     * another within a term; a number that does not follow the newest starts the window afresh (forgetting the older
     * times, which is safe, see the class comment) rather than leaving a gap a lookup would misread.
     */
    SentTimes with(long seq, long at, int keep) {
        if (times.length == 0 || seq != first + times.length) return of(seq, at);
        int kept = Math.min(times.length, keep - 1);
        long[] next = Arrays.copyOfRange(times, times.length - kept, times.length + 1);
        next[kept] = at;
        return new SentTimes(seq - kept, next);
    }

    /** When heartbeat {@code seq} was sent, or null when it is not (or no longer) known. */
    public Long at(long seq) {
        long i = seq - first;
        return i < 0 || i >= times.length ? null : times[(int) i];
    }

    public int size() {
        return times.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SentTimes s && (s.times.length == 0 ? times.length == 0
                : s.first == first && Arrays.equals(s.times, times));
    }

    @Override
    public int hashCode() {
        return times.length == 0 ? 0 : 31 * Long.hashCode(first) + Arrays.hashCode(times);
    }

    @Override
    public String toString() {
        return times.length == 0 ? "{}" : "{" + first + ".." + (first + times.length - 1) + " sent "
                + times[0] + ".." + times[times.length - 1] + "}";
    }
}
