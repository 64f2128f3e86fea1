package vigil.core.node;

import vigil.core.ha.PgAction;

/**
 * The action executor's semantics, shared by the daemon and the simulator: one PostgreSQL action at a time; a
 * fence preempts it (the running action is cancelled, the fence starts at once on its own path); an action past its
 * deadline is cancelled and reported as a timeout; an action that makes PostgreSQL writable waits, when the watchdog
 * must be armed first, until it is.
 *
 * @param running the exclusive action, or null
 * @param fence   the fence under way, or null
 * @param guardAt when the lease guard fences on its own (own clock), {@link Long#MAX_VALUE} when it does not
 */
public record Executor(long nextId, Running running, Running fence, long guardAt) {
    public static final Executor IDLE = new Executor(1, null, null, Long.MAX_VALUE);
    /** The id a fence of the lease guard ({@link Effect.FenceAt}) is reported with. */
    public static final long GUARD_ID = 0;

    /**
     * @param started false while the action waits for the watchdog to be armed (no {@link Effect.Start} yet)
     */
    public record Running(long id, PgAction action, long since, long deadlineAt, boolean started) {}

    Executor withRunning(Running r) {
        return new Executor(r == null ? nextId : Math.max(nextId, r.id() + 1), r, fence, guardAt);
    }

    Executor withFence(Running f) {
        return new Executor(f == null ? nextId : Math.max(nextId, f.id() + 1), running, f, guardAt);
    }

    Executor withGuard(long at) {
        return new Executor(nextId, running, fence, at);
    }

    public boolean busy() {
        return running != null || fence != null;
    }
}
