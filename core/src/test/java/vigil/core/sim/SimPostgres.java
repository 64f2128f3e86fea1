package vigil.core.sim;

import java.util.HashMap;
import java.util.Map;
import vigil.core.ha.PgView;

/**
 * A node's PostgreSQL as the simulator sees it: running or not, primary or standby, and a position (timeline, LSN).
 * Timelines fork like PostgreSQL's: promoting at LSN x on timeline t starts timeline t' whose history shares t up
 * to x. A standby can follow a primary only while its own position lies on the primary's history; otherwise it
 * stalls until it is rewound or cloned.
 */
final class SimPostgres {
    enum State { DOWN, PRIMARY, STANDBY }

    /** Shared by all nodes of one simulation: timeline → (parent timeline, fork LSN). */
    static final class Histories {
        private final Map<Long, long[]> parents = new HashMap<>();
        private long newest = 1;

        long fork(long fromTimeline, long atLsn) {
            newest++;
            parents.put(newest, new long[] {fromTimeline, atLsn});
            return newest;
        }

        /** Whether position (tl, lsn) lies on the history of {@code target}: a standby there can follow it. */
        boolean onHistoryOf(long tl, long lsn, long target, long targetLsn) {
            long t = target;
            long limit = targetLsn;
            while (true) {
                if (t == tl) return lsn <= limit;
                long[] p = parents.get(t);
                if (p == null) return false;
                limit = Math.min(limit, p[1]);
                t = p[0];
            }
        }
    }

    State state = State.DOWN;
    long timeline = 1;
    long lsn;
    String upstream;
    /** Host reset by the (simulated) watchdog or crashed whole: PostgreSQL is down and the host unreachable. */
    boolean hostDown;

    boolean writable() {
        return !hostDown && state == State.PRIMARY;
    }

    PgView view() {
        return switch (state) {
            case DOWN -> PgView.down();
            case PRIMARY -> PgView.primary(timeline, lsn);
            case STANDBY -> PgView.standby(timeline, lsn, upstream != null, upstream);
        };
    }
}
