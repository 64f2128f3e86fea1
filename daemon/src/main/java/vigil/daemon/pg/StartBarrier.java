package vigil.daemon.pg;

import java.io.IOException;

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
 * carried out). Under this barrier's lock, a start spawns only if no fence was counted since its ticket, and records
 * what it spawned; a fence counts itself and kills what was spawned last by its handle, before it kills the group.
 * One of the two goes first: either the start sees the fence and spawns nothing, or the fence finds the postmaster
 * and kills it, whether or not it joined the group yet. A start asked after a fence carries the new count and runs:
 * the step, not this barrier, decides whether it may (a start carried out after a lease guard's kill, its Start effect
 * delayed behind the loop's fsync, is one: the loop then takes the guard's report as the fence first and the start's
 * end after it, so PostgreSQL stays MAY_WRITE and the step fences again).
 */
public final class StartBarrier {
    private long fences;
    private Process spawned;

    /** What a start asked now carries: the number of fences so far. */
    public record Ticket(StartBarrier barrier, long fences) {
        /** A start outside the daemon's action thread (tools, tests): no fence stops it. */
        public static final Ticket NONE = new Ticket(null, 0);
    }

    /** Spawns a process. */
    @FunctionalInterface
    interface Spawner {
        Process spawn() throws IOException;
    }

    public synchronized Ticket ticket() {
        return new Ticket(this, fences);
    }

    /**
     * A fence begins: no start asked before now spawns from here on, and the postmaster spawned last is killed now
     * (a no-op when it already exited; its handle is this process's own child, so its number is practically never
     * another process's: the JDK reaps it only as it exits).
     */
    public synchronized void fencing() {
        fences++;
        if (spawned != null && spawned.isAlive()) spawned.destroyForcibly();
    }

    /** Spawns under the barrier for a start asked with {@code t}: null, and nothing spawned, when a fence came since. */
    static Process spawn(Ticket t, Spawner s) throws IOException {
        StartBarrier b = t.barrier();
        if (b == null) return s.spawn();
        synchronized (b) {
            if (b.fences != t.fences()) return null;
            b.spawned = s.spawn();
            return b.spawned;
        }
    }
}
