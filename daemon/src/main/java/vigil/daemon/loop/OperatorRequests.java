package vigil.daemon.loop;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import vigil.core.node.Input;
import vigil.core.node.Commands;
import vigil.core.node.NodeConfig;
import vigil.core.node.NodeState;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;

/**
 * What operators ask of the loop ({@code vigilctl confirm-down}, {@code cleanup}, {@code switchover}, {@code pause},
 * {@code resume}), answered on the loop thread: the core's own rule says whether this node takes it (a leader only,
 * a node with PostgreSQL, nothing under way that it would upset); taken, it is logged with who asked and why, and
 * decided as an input like any other; refused, the caller's future fails with the reason and nothing changes.
 */
final class OperatorRequests {
    /** One request, with the future its answer completes. */
    sealed interface Request {
        /** Completed with the answer, or exceptionally with the refusal. */
        CompletableFuture<?> reply();
    }

    record ConfirmDown(String node, String operator, CompletableFuture<String> reply) implements Request {}

    record Cleanup(String operator, CompletableFuture<String> reply) implements Request {}

    record RestartPg(String operator, CompletableFuture<String> reply) implements Request {}

    record Switchover(String target, String operator, vigil.protocol.admin.SwitchoverPurpose purpose,
                      CompletableFuture<NodeLoop.SwitchoverBegun> reply) implements Request {}

    record Pause(boolean on, String operator, CompletableFuture<String> reply) implements Request {}

    record Ban(String node, boolean on, String operator, CompletableFuture<String> reply) implements Request {}

    record Failover(boolean acceptDataLoss, String operator, CompletableFuture<String> reply) implements Request {}

    record HandOver(String target, String operator, boolean acceptDataLoss, CompletableFuture<String> reply) implements Request {}

    record RestartDaemon(String operator, CompletableFuture<String> reply) implements Request {}

    private final NodeConfig config;
    private final Log log;
    private final LongSupplier clock;
    private final Supplier<NodeState> state;
    private final Consumer<Input> decide;

    OperatorRequests(NodeConfig config, Log log, LongSupplier clock, Supplier<NodeState> state, Consumer<Input> decide) {
        this.config = config;
        this.log = log;
        this.clock = clock;
        this.state = state;
        this.decide = decide;
    }

    /** Answers {@code r} with a refusal: the loop stopped before it could take it. */
    static void fail(Request r, String why) {
        r.reply().completeExceptionally(new IllegalStateException(why));
    }

    void handle(Request r) {
        if (r instanceof ConfirmDown c) confirmDown(c);
        else if (r instanceof Cleanup c) cleanup(c);
        else if (r instanceof RestartPg c) restartPg(c);
        else if (r instanceof Switchover s) switchover(s);
        else if (r instanceof Pause p) pause(p);
        else if (r instanceof Ban b) ban(b);
        else if (r instanceof Failover f) failover(f);
        else if (r instanceof HandOver h) handOver(h);
        else if (r instanceof RestartDaemon d) restartDaemon(d);
    }

    private void restartDaemon(RestartDaemon r) {
        long now = clock.getAsLong();
        String refused = Commands.refusesRestartDaemon(config, state.get(), now);
        if (refused != null) {
            log.event(Priority.WARNING, "restart_daemon_refused", "operator", r.operator(), "reason", "RESTART_REFUSED",
                    "cause", refused);
            r.reply().completeExceptionally(new IllegalStateException(refused));
            return;
        }
        var e = state.get().election();
        log.event(Priority.NOTICE, "restart_daemon", "operator", r.operator(), "reason", "OPERATOR_RESTART_DAEMON",
                "cause", "vigild ends, PostgreSQL left running: a leader with an armed watchdog once a majority"
                        + " acknowledged the record withdrawing its announcement");
        decide.accept(new Input.RestartDaemon(now, r.operator()));
        // Whether it waits for acknowledgements is the core's decision (DaemonRestart.begin): read, not made again here.
        var begun = state.get().restart();
        if (begun == null && !state.get().halted()) {
            r.reply().completeExceptionally(new IllegalStateException("the restart did not begin (vigilctl history)"));
            return;
        }
        boolean waits = begun != null && begun.withdraws();
        String self = config.electorate().self();
        r.reply().complete("vigild on " + self + " ends " + (waits ? "once a majority acknowledged the record saying that"
                + " its watchdog no longer covers PostgreSQL (at most " + vigil.core.node.DaemonRestart.WITHDRAW_MS / 1000 + " s)"
                : "now") + " and systemd starts it again; PostgreSQL keeps serving"
                + (e.role() == vigil.core.election.Role.LEADER ? ", and the restarted vigild takes leadership back" : ""));
    }

    private void failover(Failover f) {
        long now = clock.getAsLong();
        String self = config.electorate().self();
        String refused = Commands.refusesFailover(config, state.get(), f.acceptDataLoss(), now);
        if (refused != null) {
            log.event(Priority.WARNING, "failover_refused", "operator", f.operator(), "accept_data_loss", f.acceptDataLoss(),
                    "reason", "FAILOVER_REFUSED", "cause", refused);
            f.reply().completeExceptionally(new IllegalStateException(refused));
            return;
        }
        String loss = Commands.failoverLoss(config, state.get(), now);
        String primary = state.get().election().durable().record().pg().primary();
        log.event(Priority.WARNING, "failover_ordered", "operator", f.operator(), "peer", primary, "accept_data_loss",
                f.acceptDataLoss(), "reason", "OPERATOR_FAILOVER", "cause", "the operator ordered this node to take over"
                        + " from " + primary + (f.acceptDataLoss() ? ", accepting data loss: " + loss : ", every safety rule kept"));
        decide.accept(new Input.FailoverOrdered(now, self, f.operator(), f.acceptDataLoss()));
        var sup = state.get().supervisor();
        if (sup == null || sup.order() == null) {
            f.reply().completeExceptionally(new IllegalStateException("the order was not taken: "
                    + (sup == null ? "no PostgreSQL managed" : sup.why())));
            return;
        }
        f.reply().complete(self + " holds the order of " + f.operator() + " for "
                + Commands.FAILOVER_ORDER_MS / 1000 + " s: it stands for election at once and promotes only"
                + " with a proof that " + primary + " cannot write (vigilctl status shows why it waits)"
                + (f.acceptDataLoss() ? "; accepting data loss: " + loss : ""));
    }

    private void handOver(HandOver h) {
        long now = clock.getAsLong();
        String refused = Commands.refusesHandOver(config, state.get(), h.target(), now);
        if (refused != null) {
            log.event(Priority.WARNING, "failover_refused", "peer", h.target(), "operator", h.operator(),
                    "reason", "FAILOVER_REFUSED", "cause", refused);
            h.reply().completeExceptionally(new IllegalStateException(refused));
            return;
        }
        long term = state.get().election().term();
        log.event(Priority.WARNING, "failover_handover", "peer", h.target(), "operator", h.operator(), "term", term,
                "reason", "OPERATOR_FAILOVER", "cause", "the operator ordered a failover to " + h.target()
                        + ": this leader resigns in its favour");
        decide.accept(new Input.FailoverOrdered(now, h.target(), h.operator(), h.acceptDataLoss()));
        if (state.get().election().role() == vigil.core.election.Role.LEADER) {
            h.reply().completeExceptionally(new IllegalStateException("the leader did not resign: "
                    + state.get().supervisor().why()));
            return;
        }
        h.reply().complete(config.electorate().self() + ", leader in term " + term + ", resigned in favour of " + h.target());
    }

    private void confirmDown(ConfirmDown c) {
        String refused = Commands.refusesConfirmDown(config, state.get(), c.node());
        if (refused != null) {
            c.reply().completeExceptionally(new IllegalStateException(refused));
            return;
        }
        var e = state.get().election();
        String self = config.electorate().self();
        String at = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        log.event(Priority.WARNING, "confirm_down", "peer", c.node(), "operator", c.operator(), "term", e.term(),
                "at", at, "reason", "OPERATOR_CONFIRMED_DOWN", "cause", "the operator swears " + c.node()
                        + " is off: recorded in the cluster record, it counts as a proof for one promotion, until "
                        + c.node() + " is heard from again");
        decide.accept(new Input.ConfirmedDown(clock.getAsLong(), c.node(), c.operator(), at));
        c.reply().complete("accepted by " + self + ", leader in term " + e.term() + ": " + c.node()
                + " counts as off (recorded in the cluster record, for one promotion) until it is heard from again");
    }

    private void cleanup(Cleanup c) {
        var sup = state.get().supervisor();
        if (sup == null) {
            c.reply().completeExceptionally(new IllegalStateException("this node manages no PostgreSQL: it has no failcount"));
            return;
        }
        int restarts = sup.work().restarts().size();
        int failed = sup.work().failedActions();
        log.event(Priority.NOTICE, "cleanup", "operator", c.operator(), "reason", "OPERATOR_CLEANUP", "restarts", restarts,
                "failed_actions", failed, "cause", "the operator reset the failcount: PostgreSQL may be restarted in place "
                        + "again, and a candidacy withdrawn at migration_threshold comes back");
        decide.accept(new Input.Cleanup(clock.getAsLong(), c.operator()));
        c.reply().complete("failcount of " + config.electorate().self() + " reset: " + restarts
                + " restart(s) within failure_timeout and " + failed + " failed action(s) forgotten");
    }

    private void restartPg(RestartPg r) {
        long now = clock.getAsLong();
        String refused = Commands.refusesRestart(config, state.get(), now);
        if (refused != null) {
            r.reply().completeExceptionally(new IllegalStateException(refused));
            return;
        }
        String primary = state.get().election().durable().record().primary();
        log.event(Priority.NOTICE, "restart_pg", "operator", r.operator(), "reason", "OPERATOR_RESTART", "cause",
                "the operator asked to restart this node's standby: clean shutdown, then started again as a standby of "
                        + primary);
        decide.accept(new Input.RestartPg(now, r.operator()));
        r.reply().complete("PostgreSQL on " + config.electorate().self() + " is restarting: clean shutdown, then started"
                + " again as a standby of " + primary);
    }

    private void pause(Pause p) {
        String refused = Commands.refusesPause(config, state.get(), p.on());
        if (refused != null) {
            p.reply().completeExceptionally(new IllegalStateException(refused));
            return;
        }
        long term = state.get().election().term();
        String at = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        log.event(Priority.WARNING, p.on() ? "pause" : "resume", "operator", p.operator(), "term", term, "at", at,
                "reason", p.on() ? "OPERATOR_PAUSE" : "OPERATOR_RESUME", "cause", p.on()
                        ? "maintenance mode: no automatic failover, restart or rejoin on any node until vigilctl resume"
                        : "maintenance mode ends: the cluster acts by itself again");
        decide.accept(new Input.Pause(clock.getAsLong(), p.on(), p.operator(), at));
        p.reply().complete((p.on() ? "maintenance mode on" : "maintenance mode off") + ": recorded by "
                + config.electorate().self() + ", leader in term " + term + (p.on()
                ? "; monitoring goes on, the VIPs stay, the self-fence and the watchdog stay armed; nothing fails over or"
                + " restarts until vigilctl resume" : "; the cluster acts by itself again"));
    }

    private void switchover(Switchover s) {
        long now = clock.getAsLong();
        var verdict = Commands.switchover(config, state.get(), s.target(), now);
        if (verdict.refusal() != null) {
            log.event(Priority.WARNING, "switchover_refused", "peer", verdict.target(), "operator", s.operator(),
                    "purpose", s.purpose().word(), "reason", "SWITCHOVER_REFUSED", "cause", verdict.refusal());
            s.reply().completeExceptionally(new IllegalStateException(verdict.refusal()));
            return;
        }
        long term = state.get().election().term();
        decide.accept(new Input.Switchover(now, verdict.target(), s.operator()));
        var sup = state.get().supervisor();
        if (sup == null || sup.handover() == null || !sup.handover().target().equals(verdict.target())) {
            String why = "the switchover did not begin: " + (sup == null ? "no PostgreSQL managed" : sup.why());
            log.event(Priority.WARNING, "switchover_refused", "peer", verdict.target(), "operator", s.operator(),
                    "purpose", s.purpose().word(), "reason", "SWITCHOVER_REFUSED", "cause", why);
            s.reply().completeExceptionally(new IllegalStateException(why));
            return;
        }
        // logged once begun (its first step, the CHECKPOINT, was decided just before this line is written)
        log.event(Priority.NOTICE, "switchover", "peer", verdict.target(), "operator", s.operator(), "term", term,
                "purpose", s.purpose().word(), "reason", "OPERATOR_SWITCHOVER", "cause", "the operator asked to hand the primary role to " + verdict.target());
        s.reply().complete(new NodeLoop.SwitchoverBegun(verdict.target(), term));
    }

    private void ban(Ban b) {
        String refused = Commands.refusesBan(config, state.get(), b.node(), b.on());
        if (refused != null) {
            b.reply().completeExceptionally(new IllegalStateException(refused));
            return;
        }
        long term = state.get().election().term();
        log.event(Priority.WARNING, b.on() ? "ban" : "unban", "peer", b.node(), "operator", b.operator(), "term", term,
                "reason", b.on() ? "OPERATOR_BAN" : "OPERATOR_UNBAN", "cause", b.on()
                        ? b.node() + " is never promoted nor handed the primary role until vigilctl unban"
                        : b.node() + " may be promoted again");
        decide.accept(new Input.Ban(clock.getAsLong(), b.node(), b.on(), b.operator()));
        b.reply().complete(b.node() + (b.on() ? " banned" : " unbanned") + ": recorded by " + config.electorate().self()
                + ", leader in term " + term + (b.on() ? "; it is never promoted nor handed the primary role until"
                + " vigilctl unban " + b.node() : "; it may be promoted again"));
    }
}
