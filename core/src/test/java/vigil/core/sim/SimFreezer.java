package vigil.core.sim;

import java.util.SplittableRandom;
import vigil.core.node.Input;

/**
 * The driver's freezer ({@code Effect.Freeze}): its own thread; cgroup.freeze takes effect when every process of the
 * group reaches a safe point.
 */
final class SimFreezer {
    private final Simulation sim;

    SimFreezer(Simulation sim) {
        this.sim = sim;
    }

    private SplittableRandom random() {
        return sim.random;
    }

    /**
     * The request is written at once; the group is frozen (or thawed) when every process got there: a few ms, now and
     * then much later (a process in uninterruptible IO), and meanwhile a primary still commits. The driver waits up to
     * 200 ms, then answers "written, not reached" and the kernel finishes on its own. Rarely the write itself fails
     * (1 in 400 freezes, 1 in 100 thaws): nothing changes, and the answer says "not written".
     */
    void freeze(SimHost h, SimHost.Proc p, boolean frozen) {
        int inc = p.incarnation;
        int boot = h.boots;
        p.freezeEpoch++;
        p.freezeWanted = frozen;
        long takesUs = random().nextInt(15) == 0 ? random().nextLong(50_000, 400_000) : random().nextLong(200, 5_000);
        long startUs = Math.max(sim.nowUs, p.freezerFreeAtUs);
        long answerUs = startUs + Math.min(takesUs, 200_000);
        p.freezerFreeAtUs = answerUs;
        if (takesUs > 5_000) p.freezeSlowUntilUs = Math.max(p.freezeSlowUntilUs, startUs + takesUs);
        boolean ignored = frozen && sim.spec.mutation() == SimSpec.Mutation.FREEZE_IGNORED;
        boolean written = random().nextInt(frozen ? 400 : 100) != 0;
        sim.at(startUs, () -> {
            if (h.boots != boot || !written) return;
            int write = ++h.pg.freezeWrites; // a later write (a thaw, the fence's) voids this one
            sim.at(startUs + takesUs, () -> {
                if (h.boots == boot && h.pg.freezeWrites == write && !ignored) h.pg.groupFrozen = frozen;
            });
        });
        sim.at(answerUs, () -> {
            if (h.proc != p) return;
            p.freezeEpoch++;
            sim.counts.add(!written ? "freeze_not_written" : frozen ? "frozen" : "thawed");
            sim.deliver(h, inc, now -> new Input.Frozen(now, frozen, written,
                    !written ? "cannot write cgroup.freeze" : takesUs > 200_000 ? "not reached after 200 ms" : "reached"));
        });
    }
}
