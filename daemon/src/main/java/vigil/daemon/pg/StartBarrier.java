package vigil.daemon.pg;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Orders the fences and the postmaster's starts: no postmaster outlives a fence that came after its start was asked.
 *
 * <p>A fence (the node step's or the lease guard's) kills every process of PostgreSQL and verifies that none is left;
 * the step then knows PostgreSQL cannot write. A start runs on the action thread, and a fence does not wait for it: a
 * cancel only interrupts it, and between its last look at the interrupt and the spawn it writes configuration files.
 * So without this, a start asked before a fence could spawn its postmaster just after the fence verified an empty
 * group, and a postmaster forked a moment before the kill may not have joined PostgreSQL's group yet (its shell joins
 * it before it becomes postgres), where the group's kill cannot see it. The simulator found the first (its seed 250
 * of the PostgreSQL suite: a start cancelled by the step's fence ran after the kill; a serial executor runs no task
 * cancelled before it began, and this barrier stops the one that had begun).
 *
 * <p>The rule: a start carries the {@link Ticket} taken when it was asked (on the loop's thread, as the Start effect is
 * carried out). A fence first counts itself ({@link #fencing}), then kills. Before the spawn a start whose ticket is
 * stale gives up; right after it, it records its postmaster ({@link #spawned}) and checks again. The fence, after
 * counting, kills the recorded postmaster by its handle. Both sides write, then read (volatile and atomic), so either
 * the start sees the fence's count and kills its own child, or the fence sees the child and kills it: never neither.
 * A start asked after a fence carries the new count and runs: the step, not this barrier, decides whether it may
 * (a lease guard's report after such a start leaves PostgreSQL MAY_WRITE, and the step fences again).
 */
public final class StartBarrier {
    private final AtomicLong fences = new AtomicLong();
    private volatile Process spawned;

    /** What a start asked now carries: the number of fences so far. */
    public record Ticket(StartBarrier barrier, long fences) {
        /** A start outside the daemon's action thread (tools, tests): no fence stops it. */
        public static final Ticket NONE = new Ticket(null, 0);

        /** No fence came since this start was asked. */
        boolean current() {
            return barrier == null || barrier.fences.get() == fences;
        }
    }

    public Ticket ticket() {
        return new Ticket(this, fences.get());
    }

    /**
     * A fence begins: every start asked before now gives up before its spawn, and the postmaster spawned last is
     * killed now (a no-op when it already exited; its handle is never a reused process id, since this process
     * reaps it).
     */
    public void fencing() {
        fences.incrementAndGet();
        Process p = spawned;
        if (p != null && p.isAlive()) p.destroyForcibly();
    }

    /**
     * Right after a spawn: records {@code p}; when a fence came since {@code t} was taken, kills it and waits up to
     * one second for its end, then returns false (the start must report itself cancelled).
     */
    static boolean spawned(Process p, Ticket t) {
        if (t.barrier() == null) return true;
        t.barrier().spawned = p;
        if (t.current()) return true;
        p.destroyForcibly();
        try {
            p.waitFor(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }
}
