package vigil.daemon;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.protocol.admin.AdminCommand;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.AdminRequest;
import vigil.protocol.admin.ErrorCode;

/**
 * {@code vigilctl switchover --at TIME}: one switchover held for later by the node that leads when it is asked, and
 * asked then exactly as an operator would ask it ({@code switchover}, carried out by whichever node leads at that
 * time: the request is forwarded if leadership moved meanwhile), with all its checks made at that moment. The answer
 * is logged; nothing is retried. The schedule lives in this daemon's memory: a restart of this vigild loses it (said
 * at scheduling, and logged as {@code switchover_scheduled}).
 */
final class ScheduledSwitchover implements AutoCloseable {
    /** How far ahead a switchover may be held. */
    static final Duration MAX_AHEAD = Duration.ofDays(7);

    private final String node;
    private final Log log;
    private final Supplier<Instant> clock;
    /** Asks for a switchover now, as the admin socket would ({@link AdminCommands#carry}). */
    private Function<AdminRequest, CompletableFuture<AdminReply>> ask = r -> CompletableFuture.completedFuture(
            AdminReply.failure(ErrorCode.INTERNAL, "not started"));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vigil-scheduled-switchover");
        t.setDaemon(true);
        return t;
    });
    private ScheduledFuture<?> pending;
    private String described;

    ScheduledSwitchover(String node, Log log, Supplier<Instant> clock) {
        this.node = node;
        this.log = log;
        this.clock = clock;
    }

    void asking(Function<AdminRequest, CompletableFuture<AdminReply>> carry) {
        ask = carry;
    }

    /** Holds a switchover to {@code target} (null: the best standby then) for {@code at}; replaces none held. */
    synchronized AdminReply schedule(String target, Instant at, String operator) {
        Instant now = clock.get();
        if (!at.isAfter(now)) return AdminReply.failure(ErrorCode.BAD_REQUEST, "--at " + at + " is not in the future");
        if (at.isAfter(now.plus(MAX_AHEAD))) {
            return AdminReply.failure(ErrorCode.BAD_REQUEST, "--at " + at + " is more than 7 days ahead");
        }
        if (pending != null) {
            return AdminReply.failure(ErrorCode.REFUSED, "a switchover is already scheduled: " + described
                    + " (vigilctl switchover --cancel first)");
        }
        String to = target == null ? "the best standby" : target;
        described = "to " + to + " at " + at.truncatedTo(ChronoUnit.SECONDS) + ", asked by " + operator + ", held by " + node;
        pending = timer.schedule(() -> fire(target, operator, at), Duration.between(now, at).toMillis(), TimeUnit.MILLISECONDS);
        log.event(Priority.NOTICE, "switchover_scheduled", "peer", target, "at", at, "operator", operator,
                "reason", "OPERATOR_SWITCHOVER_SCHEDULED", "cause", "held by " + node + " until then; lost if its vigild stops");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("scheduled", true);
        result.put("detail", "switchover scheduled " + described + ": then it is asked as vigilctl switchover would be,"
                + " with every check made at that moment; it is lost if " + node + "'s vigild stops before");
        return AdminReply.success(result);
    }

    synchronized AdminReply cancel(String operator) {
        if (pending == null) return AdminReply.failure(ErrorCode.REFUSED, "no switchover is scheduled on " + node);
        pending.cancel(false);
        pending = null;
        log.event(Priority.NOTICE, "switchover_unscheduled", "operator", operator, "reason", "OPERATOR_SWITCHOVER_CANCELLED",
                "cause", "was " + described);
        String was = described;
        described = null;
        return AdminReply.success(Map.of("scheduled", false, "detail", "scheduled switchover cancelled (was " + was + ")"));
    }

    /** What is held, in words, or null. */
    synchronized String describe() {
        return described;
    }

    private void fire(String target, String operator, Instant at) {
        synchronized (this) {
            pending = null;
            described = null;
        }
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("operator", operator + " (scheduled for " + at.truncatedTo(ChronoUnit.SECONDS) + ")");
        args.put("purpose", vigil.protocol.admin.SwitchoverPurpose.SCHEDULED.word());
        if (target != null) args.put("to", target);
        ask.apply(AdminRequest.of(AdminCommand.SWITCHOVER, args)).whenComplete((reply, e) -> {
            String outcome = e != null ? String.valueOf(e.getMessage()) : reply.ok() ? reply.result().path("detail").asText()
                    : reply.error().code() + ": " + reply.error().message();
            log.event(e == null && reply.ok() ? Priority.NOTICE : Priority.WARNING, "switchover_scheduled_ran",
                    "peer", target, "operator", operator, "reason", e == null && reply.ok()
                            ? "SCHEDULED_SWITCHOVER_BEGUN" : "SCHEDULED_SWITCHOVER_REFUSED", "cause", outcome);
        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
