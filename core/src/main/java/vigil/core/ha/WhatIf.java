package vigil.core.ha;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import vigil.core.election.ElectionState;
import vigil.core.election.PgRecord;
import vigil.core.election.Succession;

/**
 * What the cluster would do if some nodes were lost ({@code vigilctl simulate}), as {@code crm_simulate} tells for
 * Pacemaker: who would lead ({@link Succession}, the voters' own rules), and whether the recorded primary's loss would
 * be failed over and on which proof ({@link FailOver}'s list, read from what this node knows: the watchdogs announced,
 * the fence agents configured, an operator's confirmation, {@code failover_without_fencing}). It changes nothing.
 */
public final class WhatIf {
    private WhatIf() {}

    /** One line per consequence, in the order they would happen. */
    public static List<String> lose(ElectionState e, HaPolicy p, Set<String> lost) {
        List<String> lines = new ArrayList<>();
        var electorate = e.electorate();
        List<String> survivors = electorate.voters().stream().map(v -> v.name()).filter(n -> !lost.contains(n)).toList();
        Succession.Outcome o = Succession.without(e, lost);
        if (!o.quorum()) {
            lines.add(String.join(", ", survivors) + ": no majority (" + survivors.size() + " of " + electorate.voters().size()
                    + " voters, " + electorate.quorum() + " needed): nobody is elected; a primary among them fences itself"
                    + " when its lease ends");
            return lines;
        }
        lines.add(String.join(", ", survivors) + " keep a majority (" + survivors.size() + " of "
                + electorate.voters().size() + " voters)");
        for (String r : o.refusals()) lines.add("passed over: " + r);
        if (o.leader() == null) {
            lines.add("nobody would be elected: no candidate gets a majority (see the lines above); the cluster waits");
            return lines;
        }
        lines.add(o.elected() ? o.leader() + " would be elected leader (it stands first and a majority would vote for it)"
                : o.leader() + " keeps leading");
        if (p == null) return lines;
        PgRecord pg = e.durable().record().pg();
        String primary = pg.primary();
        if (primary == null) {
            lines.add("no PostgreSQL primary is recorded yet");
        } else if (!lost.contains(primary)) {
            lines.add("PostgreSQL stays primary on " + primary);
        } else {
            List<String> proofs = proofs(e, p, primary);
            if (proofs.isEmpty()) {
                lines.add(o.leader() + " would wait in FENCING_REQUIRED: no proof that " + primary + " cannot write (no"
                        + " armed watchdog announced, no fence agent, failover_without_fencing off); after making sure "
                        + primary + " is off: vigilctl confirm-down " + primary + " --yes");
            } else {
                lines.add(o.leader() + " would promote its PostgreSQL (timeline " + (pg.timeline() + 1) + ") once "
                        + primary + "'s lease has ended, on proof: " + String.join("; ", proofs));
            }
        }
        return lines;
    }

    /** The proofs a new leader would have that {@code old}'s PostgreSQL cannot write once it is silent. */
    private static List<String> proofs(ElectionState e, HaPolicy p, String old) {
        List<String> proofs = new ArrayList<>();
        long watchdog = e.watchdogOf(old);
        if (watchdog > 0) proofs.add(old + "'s watchdog (armed, " + watchdog + " ms)");
        if (p.fenceable().contains(old)) proofs.add(old + "'s fence agents, run first");
        PgRecord.Confirmed oath = e.durable().record().pg().confirmedDown();
        if (oath != null && oath.node().equals(old)) proofs.add("the operator's confirm-down of " + old);
        if (p.failoverWithoutFencing()) proofs.add("failover_without_fencing accepts the risk");
        return proofs;
    }
}
