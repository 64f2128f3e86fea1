package vigil.core.node;

import java.util.List;
import java.util.Set;
import vigil.core.election.Role;
import vigil.core.ha.Supervisor;
import vigil.core.ha.WhatIf;

/**
 * What this node answers to an operator's command before anything is carried out ({@code vigilctl pause}, {@code ban},
 * {@code failover --to}, {@code switchover}, {@code simulate}...): pure questions over its config and state, each
 * refusal naming its cause, so that the admin socket and the simulator ask exactly what the step then enforces.
 * Nothing here changes the state; the command itself reaches the step as an {@link Input}.
 */
public final class Commands {
    private Commands() {}

    /**
     * Why this node would not take an operator's {@code confirm-down} of {@code node} now, or null when it would: only
     * a leader waits for a proof about another member, so only a leader may be told one.
     */
    public static String refusesConfirmDown(NodeConfig config, NodeState state, String node) {
        var electorate = config.electorate();
        boolean member = electorate.voters().stream().anyMatch(v -> v.name().equals(node));
        if (!member || node.equals(electorate.self())) return node + " is not another member of this cluster";
        var e = state.election();
        if (e.role() != Role.LEADER) {
            return e.notLeading();
        }
        return null;
    }

    /**
     * Why this node would not take {@code vigilctl pause} ({@code on}) or {@code resume} now, or null: maintenance mode
     * lives in the cluster record, which only the leader writes.
     */
    public static String refusesPause(NodeConfig config, NodeState state, boolean on) {
        if (state.supervisor() == null) return "this node manages no PostgreSQL";
        var e = state.election();
        if (e.role() != Role.LEADER) {
            return e.notLeading();
        }
        var paused = e.durable().record().pg().paused();
        if (on && paused != null) return "the cluster is already in maintenance mode, " + paused;
        if (!on && paused == null) return "the cluster is not in maintenance mode";
        if (on && state.supervisor().handover() != null) return "a switchover is under way: let it end first";
        return null;
    }

    /**
     * Why this node would not take {@code vigilctl ban NODE} ({@code on}) or {@code unban NODE} now, or null: bans live
     * in the cluster record, which only the leader writes; the recorded primary is switched over first, not banned.
     */
    public static String refusesBan(NodeConfig config, NodeState state, String node, boolean on) {
        if (state.supervisor() == null) return "this node manages no PostgreSQL";
        var e = state.election();
        if (e.role() != Role.LEADER) {
            return e.notLeading();
        }
        var voter = config.electorate().voter(node);
        if (voter.isEmpty() || !voter.get().canLead()) return node + " is not a data node of this cluster";
        var pg = e.durable().record().pg();
        if (on && pg.banned().contains(node)) return node + " is banned already";
        if (!on && !pg.banned().contains(node)) return node + " is not banned";
        if (on && node.equals(pg.primary())) {
            return node + " is the primary: hand the role to another node first (vigilctl switchover), then ban it";
        }
        return null;
    }

    /**
     * {@code vigilctl simulate}: what the cluster would do if {@code lost} were gone, from this node's view
     * ({@link WhatIf}); one line per consequence. Changes nothing.
     */
    public static List<String> simulate(NodeConfig config, NodeState state, Set<String> lost) {
        return WhatIf.lose(state.election(), config.policy(), lost);
    }

    /** Why this node would not restart its standby now ({@code vigilctl restart-pg}), or null. */
    public static String refusesRestart(NodeConfig config, NodeState state, long now) {
        String unable = unable(state);
        if (unable != null) return unable;
        return Supervisor.refusesRestart(state.supervisor(), state.election(), config.policy(), now);
    }

    /** How long a node holds an operator's order to take over before it lapses unless its promotion was recorded. */
    public static final long FAILOVER_ORDER_MS = Supervisor.FAILOVER_ORDER_MS;

    /**
     * Why this node would not take {@code vigilctl failover --to} itself now ({@code acceptDataLoss}: with
     * {@code --accept-data-loss}), or null: {@link Supervisor#refusesFailover}.
     */
    public static String refusesFailover(NodeConfig config, NodeState state, boolean acceptDataLoss, long now) {
        String unable = unable(state);
        if (unable != null) return unable;
        return Supervisor.refusesFailover(state.supervisor(), state.election(), config.policy(), acceptDataLoss, now);
    }

    /** What promoting this node now would lose, by the positions last reported ({@link Supervisor#failoverLoss}). */
    public static String failoverLoss(NodeConfig config, NodeState state, long now) {
        return Supervisor.failoverLoss(state.supervisor(), state.election(), config.policy(), now);
    }

    /** Why this leader would not hand leadership to {@code target}, which holds an order, or null. */
    public static String refusesHandOver(NodeConfig config, NodeState state, String target, long now) {
        String unable = unable(state);
        if (unable != null) return unable;
        return Supervisor.refusesHandOver(state.supervisor(), state.election(), config.policy(), target, now);
    }

    /** Why this node would not restart its vigild now ({@code vigilctl restart-daemon}), or null: {@link DaemonRestart}. */
    public static String refusesRestartDaemon(NodeConfig config, NodeState state, long now) {
        return DaemonRestart.refusal(config, state, now);
    }

    /** What a switchover asked for now would do ({@link Supervisor#switchover}); refused where no PostgreSQL is managed. */
    public static Supervisor.Verdict switchover(NodeConfig config, NodeState state, String target, long now) {
        String unable = unable(state);
        if (unable != null) return new Supervisor.Verdict(target, unable);
        return Supervisor.switchover(state.supervisor(), state.election(), config.policy(), target, now);
    }

    /** Why no command on this node's PostgreSQL can be taken now, whatever it is, or null. */
    private static String unable(NodeState state) {
        if (state.supervisor() == null) return "this node manages no PostgreSQL";
        if (state.stopping() || state.halted()) return "vigild is stopping";
        if (state.restart() != null) return "vigild is restarting (vigilctl restart-daemon)";
        return null;
    }
}
