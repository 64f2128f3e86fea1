package vigil.core.node;

import vigil.core.ha.PgAction;

/**
 * How long each kind of action may run before the executor cancels it and reports a timeout (the driver kills what
 * it runs when cancelled). The fence has its own, short deadline: it must end before the lease does.
 */
public record ActionLimits(long startMs, long promoteMs, long stopMs, long checkpointMs, long copyMs, long quickMs,
                           long fenceMs) {
    public static final ActionLimits DEFAULT = new ActionLimits(60_000, 15_000, 10_000, 300_000, 6 * 3_600_000L,
            15_000, 500);

    long of(PgAction a) {
        if (a instanceof PgAction.StartPrimary || a instanceof PgAction.StartStandby) return startMs;
        if (a instanceof PgAction.Promote) return promoteMs;
        if (a instanceof PgAction.StopFast) return stopMs;
        if (a instanceof PgAction.Checkpoint) return checkpointMs;
        if (a instanceof PgAction.Rewind || a instanceof PgAction.Clone || a instanceof PgAction.DiscardSetAside) {
            return copyMs;
        }
        if (a instanceof PgAction.Fence) return fenceMs;
        return quickMs;
    }
}
