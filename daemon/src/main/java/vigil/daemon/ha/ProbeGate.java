package vigil.daemon.ha;

/**
 * Lets a probe's view reach the loop only if nothing that changes PostgreSQL ended, and no freeze or thaw was asked
 * or done, while the probe was read. A probe runs for up to a second (pg_waldump on a stopped cluster), and a view read
 * before an action ended but handed over after it is a stale picture the node step would take as the present: a
 * "stopped" read just before a standby started made it start the standby again (stopping the one just started), and
 * read before a primary started or a promotion it would say "cannot write" of a server that can. Dropping the view
 * loses nothing: a fresh probe follows every action's end.
 *
 * <p>The check and the hand-over happen under one lock with the action's end and its report, so no view can pass the
 * check and then be queued behind an end it did not see.
 */
final class ProbeGate {
    /** What a probe saw when it began. */
    record Ticket(long actions, long freezes) {}

    private long actions;
    private long freezes;

    /** Taken before the probe reads anything. */
    synchronized Ticket open() {
        return new Ticket(actions, freezes);
    }

    /** Runs {@code deliver} (the view to the loop) only if nothing ended or froze since {@code t}; whether it did. */
    synchronized boolean pass(Ticket t, Runnable deliver) {
        if (t.actions() != actions || t.freezes() != freezes) return false;
        deliver.run();
        return true;
    }

    /** An action or a fence ended: {@code deliver} reports it, after which no earlier probe's view passes. */
    synchronized void actionEnded(Runnable deliver) {
        actions++;
        deliver.run();
    }

    /** A freeze or thaw was asked for or done: a server frozen for part of a probe may look hung when it is not. */
    synchronized void frozenOrThawed() {
        freezes++;
    }
}
