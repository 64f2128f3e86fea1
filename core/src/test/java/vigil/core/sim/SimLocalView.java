package vigil.core.sim;

import java.util.SplittableRandom;
import vigil.core.ha.PgView;

/**
 * The daemon's {@code LocalView} for one vigild process, as the simulator's probe sees a stopped cluster through it:
 * never more knowing, nor sooner, than the driver. A running server is read when the probe answers; a stopped one
 * goes through the driver's stages, each a probe of its own:
 * <ol>
 * <li>right after a crash (it answered before, and no action of this process ended since): the position it last
 *     answered with, not known to be final, and "last ran as a primary" only if it last answered as one, at once;</li>
 * <li>otherwise the control file: its checkpoint, a lower bound of where the WAL ends, not known;</li>
 * <li>on the probe right after that one, {@code pg_waldump}: the end of the WAL, known, taking up to a second; not
 *     while a start of the primary is asked and has not ended (the daemon leaves pg_waldump alone beside a crashed
 *     primary's restart): the control file's view stands until a probe after the start;</li>
 * <li>then that view, cached until an action (a cancelled one too) or a fence of this process ends (the driver's
 *     {@code invalidate()}) or the server is seen running.</li>
 * </ol>
 * A stopped cluster's view is as the server was when the probe began (the driver reads its files then).
 */
final class SimLocalView {
    /**
     * What one probe reads, and how long it takes. {@code beforeWalEnd}: when this read is pg_waldump's, the view the
     * control file gave, for a probe whose start of the primary came while it ran ({@link #walEndDiscarded}).
     */
    record Read(PgView view, long tookUs, boolean walEndNext, PgView beforeWalEnd) {
        Read(PgView view, long tookUs, boolean walEndNext) {
            this(view, tookUs, walEndNext, null);
        }
    }

    private PgView.Role lastUpRole;
    private int lastUpEpoch;
    private PgView.Position lastUpPosition = PgView.Position.NONE;
    private PgView stoppedCache;
    private int cacheEpoch;
    private boolean walEndPending;

    /**
     * The probe begun now of a server that {@code atStart} shows, by a process whose local view's generation is
     * {@code generation} (its cache generation: bumped at every end of an action or fence, a cancelled action's
     * too). A running or failing server is read again when the probe answers ({@link #answered}).
     */
    Read begin(PgView atStart, int generation, SplittableRandom random, boolean controlFileTrusted, boolean starting) {
        if (atStart.health() != PgView.Health.STOPPED) return new Read(atStart, random.nextLong(500, 3_000), false);
        if (stoppedCache == null && lastUpRole != null && lastUpEpoch == generation) {
            // what the running server showed: its position, and whether it last answered as a primary (the control
            // file is not read yet: a promotion no probe saw reads as a standby's stop)
            PgView.Disk d = atStart.disk();
            PgView quick = atStart.withPosition(lastUpPosition).withDisk(new PgView.Disk(d.data(), d.systemId(),
                    lastUpRole == PgView.Role.PRIMARY, d.setAside()));
            lastUpRole = null;
            return new Read(quick, random.nextLong(500, 3_000), false);
        }
        lastUpRole = null;
        PgView.Position end = atStart.position();
        if (stoppedCache == null || cacheEpoch != generation) {
            // pg_controldata: the last checkpoint bounds the end of the WAL from below
            long checkpoint = end.lsn() <= 0 ? end.lsn() : Math.max(0, end.lsn() - random.nextLong(0, 4_000));
            stoppedCache = end.known()
                    ? atStart.withPosition(new PgView.Position(end.timeline(), checkpoint, controlFileTrusted)) : atStart;
            cacheEpoch = generation;
            walEndPending = end.known() && !controlFileTrusted;
            return new Read(stoppedCache, random.nextLong(5_000, 50_000), walEndPending && !starting);
        }
        if (walEndPending && !starting) {
            PgView controlFile = stoppedCache;
            walEndPending = false;
            stoppedCache = atStart; // pg_waldump from the checkpoint to the first invalid record
            return new Read(stoppedCache, random.nextLong(20_000, 1_000_000), false, controlFile);
        }
        return new Read(stoppedCache, random.nextLong(500, 3_000), false);
    }

    /**
     * The pg_waldump read begun with the cluster's control-file view {@code controlFile} did not run after all: the
     * daemon looks whether a start of the primary is asked only after its probe's query and process count, so a start
     * asked while the simulated read ran may have kept it from running. The control file's view stands, and the WAL
     * end is read by a probe after the start.
     */
    void walEndDiscarded(PgView controlFile) {
        stoppedCache = controlFile;
        walEndPending = true;
    }

    /** The probe answered with {@code seen}: a server seen running ends the stopped cluster's cache. */
    void answered(PgView seen, int generation) {
        if (seen.health() == PgView.Health.UP) {
            stoppedCache = null;
            walEndPending = false;
            lastUpRole = seen.role();
            lastUpEpoch = generation;
            lastUpPosition = new PgView.Position(seen.timeline(), seen.lsn(), false);
        } else if (seen.health() != PgView.Health.STOPPED) {
            stoppedCache = null;
            walEndPending = false;
        }
    }
}
