package vigil.daemon.ha;

import java.util.function.LongSupplier;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.daemon.pg.PgProbe;
import vigil.daemon.pg.PgRole;

/**
 * Keeps this node's replication slots as its role wants them ({@link vigil.daemon.pg.ReplicationSlots}), on the probe
 * thread, after a probe has been reported: at once when the role the probe saw changed (a promotion, a rejoin as a
 * standby), else every {@link #EVERY_MS}, so a slot dropped by hand or a node's first start is mended soon. It is
 * upkeep of the role the node step chose, like vigil.conf, and decides nothing; a failure is logged once per cause and
 * tried again at the next turn.
 */
final class SlotKeeper {
    static final long EVERY_MS = 10_000;

    private final PgProbe probe;
    private final LongSupplier clock;
    private final Log log;
    private PgRole keptFor;
    private long keptAt;
    private String lastFailure = "";

    SlotKeeper(PgProbe probe, LongSupplier clock, Log log) {
        this.probe = probe;
        this.clock = clock;
        this.log = log;
    }

    /** After a probe (on the probe thread). */
    void afterProbe() {
        PgRole role = probe.lastRole();
        long now = clock.getAsLong();
        if (role == null || role == keptFor && now - keptAt < EVERY_MS) return;
        String done = probe.keepSlots(role == PgRole.PRIMARY);
        keptFor = role; // a failure too: tried again EVERY_MS later, not at every probe
        keptAt = now;
        if (done.startsWith("failed")) {
            if (!done.equals(lastFailure)) {
                log.event(Priority.WARNING, "pg_slots", "role", role, "reason", "SLOTS_NOT_KEPT", "cause", done,
                        "hint", "standbys that stream through a missing slot retry every few seconds; tried again in 10 s");
            }
            lastFailure = done;
            return;
        }
        lastFailure = "";
        if (done.contains("invalidated")) {
            log.event(Priority.WARNING, "pg_slots", "role", role, "reason", "SLOT_INVALIDATED", "detail", done);
        } else if (!done.isEmpty()) {
            log.event(Priority.INFO, "pg_slots", "role", role, "detail", done);
        }
    }
}
