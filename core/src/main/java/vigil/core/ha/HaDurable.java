package vigil.core.ha;

/**
 * What the supervisor must remember across restarts of vigild (written with the election state, fsynced before any
 * action that relies on it).
 *
 * @param needsRewind  this node's PostgreSQL was (or was being made) writable: its history may have forked from the
 *                     next primary's, so it rewinds before it follows anyone. Kept on disk: a host crash must not
 *                     let a diverged old primary start as a hot standby and serve reads of commits the cluster lost.
 * @param reclaimBoot  the boot (kernel boot id) during which {@code reclaimUntil} was set
 * @param reclaimUntil end of the reclaim window (monotonic clock of that boot, ms): a restarted recorded primary keeps
 *                     its still-writable PostgreSQL while it regains leadership only until then. Set once and not
 *                     renewed by later restarts, so a crash loop cannot keep an unleased primary running; cleared
 *                     once the node leads again.
 */
public record HaDurable(boolean needsRewind, String reclaimBoot, long reclaimUntil) {
    public static final HaDurable INITIAL = new HaDurable(false, "", 0);

    public HaDurable {
        if (reclaimBoot == null) reclaimBoot = "";
    }

    HaDurable withNeedsRewind(boolean value) {
        return new HaDurable(value, reclaimBoot, reclaimUntil);
    }

    HaDurable withReclaim(String boot, long until) {
        return new HaDurable(needsRewind, boot, until);
    }
}
