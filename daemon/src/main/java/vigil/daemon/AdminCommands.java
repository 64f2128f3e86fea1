package vigil.daemon;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;
import vigil.core.node.Input;
import vigil.daemon.fence.FenceResult;
import vigil.daemon.fence.Fencer;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.daemon.loop.NodeLoop;
import vigil.protocol.admin.AdminCommand;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.AdminRequest;
import vigil.protocol.admin.ErrorCode;

/**
 * What the admin socket's commands do. {@code status} asks the loop; {@code fence} runs a node's fence agents on a
 * thread of its own (never the loop's) and, when an {@code off} is confirmed, tells the loop, so that a leader waiting
 * for a proof about that node may use it; {@code confirm-down} goes to the loop, which takes it only as a leader;
 * {@code cleanup} resets this node's failcount (another node's name is forwarded there), and {@code switchover}
 * (the leader's core decides whether it is safe, and begins it); {@code history} and
 * {@code version} are answered here, from the log's recent events and the process.
 *
 * <p>Whichever node an operator asks, the node that can carry the request out does: the leader's commands
 * ({@code switchover}, {@code pause}, {@code resume}, {@code ban}, {@code unban}, {@code confirm-down}) given on
 * another node go to the leader it follows, and {@code cleanup NODE} and {@code history} with a node go to that node
 * ({@link Forwarding}); its answer is the answer. With no leader known the local rules answer (and refuse, saying so).
 */
/*
 * Replies are built on a thread of their own ({@link #REPLIES}): the futures are completed by the node's loop thread,
 * and a reply built there (data binding, and the first time building Jackson's ObjectMapper) would hold up heartbeats
 * and decisions. Not the default async pool: with two CPUs its parallelism is 1, and CompletableFuture then starts a
 * new thread for every task.
 */
final class AdminCommands {
    /** A fence from vigilctl gets what a failover's fence gets (below the admin socket's long-running limit). */
    static final Duration FENCE_DEADLINE = Duration.ofMillis(vigil.core.node.Node.FENCE_NODE_DEADLINE_MS);

    /** Builds the replies: one daemon thread, started on first use, ended after a minute without work. */
    static final java.util.concurrent.Executor REPLIES = replies();

    private static java.util.concurrent.Executor replies() {
        var pool = new java.util.concurrent.ThreadPoolExecutor(1, 1, 60, java.util.concurrent.TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "vigil-admin-reply");
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** Events {@code history} returns when the request names no limit. */
    static final int HISTORY_DEFAULT = 20;

    private final String node;
    private final NodeLoop loop;
    private final Fencer fencer;
    private final vigil.daemon.service.ServiceActions services;
    private final LongSupplier clock;
    private final Log log;
    private final Forwarding forwarding;
    /** {@code vigilctl reload} by an operator: the answer ({@link Reloads}). */
    private final java.util.function.Function<String, AdminReply> reload;
    /** {@code vigilctl switchover --at}; null where none can be held (tests). */
    private ScheduledSwitchover scheduled;
    /** Why a vigild started now would not rejoin ({@code restart-daemon} refuses then); null: it would. */
    private java.util.function.Supplier<String> startProblems = () -> null;

    AdminCommands(String node, NodeLoop loop, Fencer fencer, vigil.daemon.service.ServiceActions services,
                  LongSupplier clock, Log log, Forwarding forwarding) {
        this(node, loop, fencer, services, clock, log, forwarding, operator -> AdminReply.failure(ErrorCode.REFUSED,
                "this daemon cannot reload"));
    }

    AdminCommands(String node, NodeLoop loop, Fencer fencer, vigil.daemon.service.ServiceActions services,
                  LongSupplier clock, Log log, Forwarding forwarding, java.util.function.Function<String, AdminReply> reload) {
        this.reload = reload;
        this.forwarding = forwarding;
        this.node = node;
        this.loop = loop;
        this.fencer = fencer;
        this.services = services;
        this.clock = clock;
        this.log = log;
    }

    /**
     * A request from the admin socket. {@code forwarded_by} is vigild's own mark of a request a peer forwarded (it is
     * never forwarded again, and is logged as that peer's): a client may not set it.
     */
    /** Sets what says whether a vigild started now from the configuration file would rejoin (null: it would). */
    void checkingStart(java.util.function.Supplier<String> problems) {
        startProblems = problems;
    }

    /** {@code restart-daemon}: only once the file a new vigild would start from is sound ({@link Reloads#startProblems}). */
    private CompletableFuture<AdminReply> restartDaemon(AdminRequest request) {
        String problem = startProblems.get();
        if (problem != null) return done(AdminReply.failure(ErrorCode.REFUSED, problem + "; vigild was not restarted"));
        return loop.restartDaemon(operator(request))
                .thenApplyAsync(detail -> AdminReply.success(Map.of("accepted", true, "node", node, "detail", detail)), REPLIES)
                .exceptionally(AdminCommands::refused);
    }

    /** Sets where {@code switchover --at} is held (before the socket opens). */
    void scheduling(ScheduledSwitchover s) {
        scheduled = s;
    }

    CompletableFuture<AdminReply> handle(AdminRequest request) {
        if (Forwarding.forwarded(request)) {
            return done(AdminReply.failure(ErrorCode.BAD_REQUEST, Forwarding.FORWARDED_BY + " is set by vigild on the"
                    + " peer channel only, not by a client"));
        }
        return carry(request);
    }

    /** A request to answer here: from the socket ({@link #handle}) or forwarded by a peer ({@link Forwarding}). */
    CompletableFuture<AdminReply> carry(AdminRequest request) {
        AdminCommand command = AdminCommand.fromWireName(request.command()).orElse(null);
        if (command == null) {
            return done(AdminReply.failure(ErrorCode.UNKNOWN_COMMAND, "unknown command " + request.command()));
        }
        return switch (command) {
            case STATUS -> onNode(request, () -> status());
            case RESTART_PG -> onNode(request, () -> restartPg(request));
            case FENCE -> fence(request);
            case CONFIRM_DOWN -> onLeader(request, () -> confirmDown(request));
            case HISTORY -> onNode(request, () -> history(request));
            case CLEANUP -> onNode(request, () -> cleanup(request));
            // a cancel is for the node that holds the switchover, leader or not; all else is the leader's
            case SWITCHOVER -> {
                // a bad argument is refused where it was given, before it is passed on
                String bad = badPurpose(request);
                if (bad != null) yield done(AdminReply.failure(ErrorCode.BAD_REQUEST, bad));
                yield holdsWhatIsCancelled(request) ? switchover(request) : onLeader(request, () -> switchover(request));
            }
            case FAILOVER -> failover(request);
            case PAUSE -> onLeader(request, () -> pause(request, true));
            case RESUME -> onLeader(request, () -> pause(request, false));
            case BAN -> onLeader(request, () -> ban(request, true));
            case UNBAN -> onLeader(request, () -> ban(request, false));
            case VERSION -> done(AdminReply.success(version()));
            case RELOAD -> reload(request);
            case RESTART_DAEMON -> restartDaemon(request);
            case SIMULATE -> simulate(request);
        };
    }

    /** Why a switchover's {@code purpose} argument is not one of the known words, or null. */
    private static String badPurpose(AdminRequest request) {
        try {
            vigil.protocol.admin.SwitchoverPurpose.of(text(request, "purpose"));
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /**
     * A leader's command: carried out here when this node leads (or knows no leader: then the core's rule refuses it,
     * saying so); otherwise forwarded, once, to the leader this node follows.
     */
    private CompletableFuture<AdminReply> onLeader(AdminRequest request, java.util.function.Supplier<CompletableFuture<AdminReply>> here) {
        String leader = Forwarding.forwarded(request) ? null : loop.leaderElsewhere();
        return leader == null ? here.get() : forwarding.ask(leader, request);
    }

    /** A command about one node (its {@code node} argument, this one when absent): carried out by that node's vigild. */
    private CompletableFuture<AdminReply> onNode(AdminRequest request, java.util.function.Supplier<CompletableFuture<AdminReply>> here) {
        String target = text(request, "node");
        if (target == null || target.equals(node) || Forwarding.forwarded(request)) return here.get();
        if (!loop.knows(target)) {
            return done(AdminReply.failure(ErrorCode.REFUSED, target + " is not a node of this cluster (cluster.nodes)"));
        }
        return forwarding.ask(target, request);
    }

    /** Who asked, as logged: the operator's name, and the node the request was given on when it was forwarded. */
    private static String operator(AdminRequest request) {
        String operator = text(request, "operator");
        String who = operator == null || operator.isBlank() ? "unnamed" : operator;
        String via = text(request, Forwarding.FORWARDED_BY);
        return via == null ? who : who + " on " + via;
    }

    private CompletableFuture<AdminReply> status() {
        return loop.status().thenApplyAsync(v -> {
            vigil.protocol.admin.StatusView view = services == null ? v
                    : v.withServices(services.recent().stream().map(o -> new vigil.protocol.admin.ServiceOutcomeView(
                            o.action(), o.trigger().word(), o.vip(), o.ok(), o.exit(), o.attempts(), o.at(), o.detail()))
                            .toList());
            String held = scheduled == null ? null : scheduled.describe();
            return AdminReply.success(held == null ? view : view.withScheduledSwitchover(held));
        }, REPLIES);
    }

    private boolean holdsWhatIsCancelled(AdminRequest request) {
        return Boolean.TRUE.equals(request.args().get("cancel")) && scheduled != null && scheduled.describe() != null;
    }

    /** {@code lost}: the nodes taken away; the core says what would follow, from the newest published state. */
    private CompletableFuture<AdminReply> simulate(AdminRequest request) {
        if (!(request.args().get("lost") instanceof List<?> names) || names.isEmpty()
                || !names.stream().allMatch(n -> n instanceof String s && loop.knows(s))) {
            return done(AdminReply.failure(ErrorCode.BAD_REQUEST, "simulate needs lost: a list of this cluster's nodes"));
        }
        java.util.Set<String> lost = names.stream().map(String.class::cast).collect(java.util.stream.Collectors.toSet());
        List<String> lines = loop.simulate(lost);
        return done(AdminReply.success(Map.of("lines", lines, "detail", String.join("\n", lines))));
    }

    /** Reads the file again on a thread of its own (closing the old hooks may wait for their grace). */
    private CompletableFuture<AdminReply> reload(AdminRequest request) {
        String who = operator(request);
        return CompletableFuture.supplyAsync(() -> reload.apply(who), r -> {
            Thread t = new Thread(r, "vigil-reload");
            t.setDaemon(true);
            t.start();
        });
    }

    /** A node restarts its own standby ({@link #onNode} brings the request there). */
    private CompletableFuture<AdminReply> restartPg(AdminRequest request) {
        return loop.restartPg(operator(request))
                .thenApplyAsync(detail -> AdminReply.success(Map.of("accepted", true, "node", node, "detail", detail)), REPLIES)
                .exceptionally(AdminCommands::refused);
    }

    /** Each node keeps its own failcount: only the node's own daemon resets it ({@link #onNode} brings it there). */
    private CompletableFuture<AdminReply> cleanup(AdminRequest request) {
        String target = text(request, "node");
        if (target != null && !target.equals(node)) {
            return done(AdminReply.failure(ErrorCode.REFUSED, "failcounts are kept by each node's own vigild: run"
                    + " vigilctl cleanup on " + target + " (this is " + node + ")"));
        }
        return loop.cleanup(operator(request))
                .thenApplyAsync(detail -> AdminReply.success(Map.of("detail", detail)), REPLIES)
                .exceptionally(AdminCommands::refused);
    }

    /** The last events at notice or above ({@link vigil.daemon.log.Recent}), oldest first. */
    private CompletableFuture<AdminReply> history(AdminRequest request) {
        Object limit = request.args().getOrDefault("limit", HISTORY_DEFAULT);
        if (!(limit instanceof Integer n) || n < 1 || n > vigil.daemon.log.Recent.CAPACITY) {
            return done(AdminReply.failure(ErrorCode.BAD_REQUEST, "history: limit must be an integer from 1 to "
                    + vigil.daemon.log.Recent.CAPACITY + " (got " + limit + ")"));
        }
        List<Map<String, Object>> entries = log.recent().last(n).stream().map(e -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("at", java.time.Instant.ofEpochMilli(e.wallMs()).toString());
            m.put("mono_ms", e.monoMs());
            m.put("priority", Log.severity(e.priority()));
            m.put("event", e.event());
            m.put("fields", e.fields());
            return m;
        }).toList();
        return done(AdminReply.success(Map.of("node", node, "entries", entries)));
    }

    private Map<String, Object> version() {
        Map<String, Object> v = new LinkedHashMap<>();
        ProcessHandle self = ProcessHandle.current();
        java.time.Instant started = self.info().startInstant().orElse(null);
        v.put("vigild", Version.of());
        v.put("admin_protocol", vigil.protocol.admin.AdminCodec.PROTOCOL_VERSION);
        v.put("status_format", vigil.protocol.admin.StatusView.FORMAT_VERSION);
        v.put("java", System.getProperty("java.runtime.version", "unknown"));
        v.put("pid", self.pid());
        v.put("node", node);
        v.put("started_at", started == null ? null : started.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        v.put("uptime_s", started == null ? null : Duration.between(started, java.time.Instant.now()).toSeconds());
        return v;
    }

    private CompletableFuture<AdminReply> fence(AdminRequest request) {
        String node = text(request, "node");
        String action = text(request, "action");
        if (node == null || action == null || !List.of("off", "reboot", "status").contains(action)) {
            return done(AdminReply.failure(ErrorCode.BAD_REQUEST, "fence needs args node and action (off, reboot or status)"));
        }
        if (fencer == null || !fencer.configured(node)) {
            return done(AdminReply.failure(ErrorCode.REFUSED, "no fence agents are configured for " + node
                    + " (cluster.nodes[].fence; see docs/fencing.md)"));
        }
        log.event(Priority.WARNING, "fence_requested", "peer", node, "action", action, "operator", text(request, "operator"),
                "reason", "OPERATOR_FENCE");
        return CompletableFuture.supplyAsync(() -> {
            long started = clock.getAsLong();
            FenceResult r = switch (action) {
                case "off" -> fencer.off(node, FENCE_DEADLINE);
                case "reboot" -> fencer.reboot(node, FENCE_DEADLINE);
                default -> fencer.status(node, FENCE_DEADLINE);
            };
            if (action.equals("off") && r.provenOff()) {
                loop.onInput(new Input.NodeFenced(clock.getAsLong(), node, true, started, r.reason()));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("target", r.target());
            out.put("action", r.action());
            out.put("proven_off", r.provenOff());
            out.put("reason", r.reason());
            out.put("runs", r.runs().stream().map(run -> Map.of("level", run.level(), "device", run.device(),
                    "action", run.action(), "exit", run.exit(), "duration_ms", run.durationMs())).toList());
            return AdminReply.success(out);
        }, r -> {
            Thread t = new Thread(r, "vigil-fence-request"); // the agents block for seconds: never a shared pool
            t.setDaemon(true);
            t.start();
        });
    }

    private CompletableFuture<AdminReply> confirmDown(AdminRequest request) {
        String node = text(request, "node");
        if (node == null) return done(AdminReply.failure(ErrorCode.BAD_REQUEST, "confirm-down needs the arg node"));
        return loop.confirmDown(node, operator(request))
                .thenApplyAsync(detail -> AdminReply.success(Map.of("accepted", true, "detail", detail)), REPLIES)
                .exceptionally(AdminCommands::refused);
    }

    private CompletableFuture<AdminReply> pause(AdminRequest request, boolean on) {
        return loop.pause(on, operator(request))
                .thenApplyAsync(detail -> AdminReply.success(Map.of("accepted", true, "paused", on, "detail", detail)), REPLIES)
                .exceptionally(AdminCommands::refused);
    }

    private CompletableFuture<AdminReply> ban(AdminRequest request, boolean on) {
        String target = text(request, "node");
        if (target == null) return done(AdminReply.failure(ErrorCode.BAD_REQUEST, (on ? "ban" : "unban") + " needs the arg node"));
        return loop.ban(target, on, operator(request))
                .thenApplyAsync(detail -> AdminReply.success(Map.of("accepted", true, "node", target, "banned", on, "detail", detail)), REPLIES)
                .exceptionally(AdminCommands::refused);
    }

    private CompletableFuture<AdminReply> switchover(AdminRequest request) {
        String to = text(request, "to");
        String who = operator(request);
        if (Boolean.TRUE.equals(request.args().get("cancel")) || request.args().get("at") != null) {
            if (scheduled == null) return done(AdminReply.failure(ErrorCode.REFUSED, "this daemon cannot hold a switchover"));
            if (Boolean.TRUE.equals(request.args().get("cancel"))) return done(scheduled.cancel(who));
            if (!loop.leads()) return done(AdminReply.failure(ErrorCode.REFUSED, "this node does not lead; run it on the"
                    + " leader, or wait for one"));
            java.time.Instant at;
            try {
                at = java.time.Instant.parse(text(request, "at"));
            } catch (java.time.format.DateTimeParseException e) {
                return done(AdminReply.failure(ErrorCode.BAD_REQUEST, "at must be an ISO-8601 instant (2026-12-02T02:00:00Z),"
                        + " got " + text(request, "at")));
            }
            if (to != null && !loop.knows(to)) {
                return done(AdminReply.failure(ErrorCode.REFUSED, to + " is not a member of this cluster"));
            }
            return done(scheduled.schedule(to, at, who));
        }
        return loop.switchover(to, who, vigil.protocol.admin.SwitchoverPurpose.of(text(request, "purpose")))
                .thenApplyAsync(b -> AdminReply.success(Map.of("accepted", true, "from", node, "target", b.target(),
                        "term", b.term(), "detail", "switchover from " + node + " to " + b.target() + " begun for " + who
                                + " (" + node + " leads term " + b.term() + "): CHECKPOINT, clean shutdown, then"
                                + " leadership handed to " + b.target() + " once it has received everything")), REPLIES)
                .exceptionally(AdminCommands::refused);
    }

    /**
     * {@code failover --to NODE}: carried out by NODE (forwarded there from any other node). NODE takes the order, then,
     * when another node leads, asks that leader itself to hand leadership over: a request NODE forwards in its own name,
     * which the leader tells from an operator's by {@code forwarded_by} naming NODE, the target.
     */
    private CompletableFuture<AdminReply> failover(AdminRequest request) {
        String to = text(request, "to");
        if (to == null) return done(AdminReply.failure(ErrorCode.BAD_REQUEST, "failover needs the arg to (the standby to promote)"));
        if (!loop.knows(to)) return done(AdminReply.failure(ErrorCode.REFUSED, to + " is not a node of this cluster (cluster.nodes)"));
        Object accept = request.args().getOrDefault("accept_data_loss", false);
        if (!(accept instanceof Boolean acceptDataLoss)) {
            return done(AdminReply.failure(ErrorCode.BAD_REQUEST, "accept_data_loss must be true or false (got " + accept + ")"));
        }
        String via = text(request, Forwarding.FORWARDED_BY);
        if (!to.equals(node)) {
            if (via == null) return forwarding.ask(to, request);
            if (!via.equals(to)) {
                return done(AdminReply.failure(ErrorCode.REFUSED, "a failover to " + to + " is handed over only at " + to
                        + "'s own request (this one came through " + via + ")"));
            }
            return loop.handOver(to, text(request, "operator"), acceptDataLoss)
                    .thenApplyAsync(detail -> AdminReply.success(Map.of("accepted", true, "node", node, "detail", detail)), REPLIES)
                    .exceptionally(AdminCommands::refused);
        }
        String who = operator(request);
        return loop.failover(acceptDataLoss, who).thenCompose(detail -> {
            String leader = loop.leaderElsewhere();
            if (leader == null) return done(failoverTaken(acceptDataLoss, detail));
            Map<String, Object> args = new LinkedHashMap<>();
            args.put("to", node);
            args.put("accept_data_loss", acceptDataLoss);
            args.put("operator", who);
            return forwarding.ask(leader, new AdminRequest(request.version(), request.command(), args)).thenApply(r -> {
                if (r.ok()) return failoverTaken(acceptDataLoss, detail + "; " + r.result().path("detail").asText());
                if (r.error().code() != ErrorCode.REFUSED) { // no answer: it may have resigned; the order stands
                    return AdminReply.failure(r.error().code(), detail + "; but the leader " + leader + " did not answer"
                            + " the hand-over: " + r.error().message() + " (the order stands until it lapses: vigilctl status)");
                }
                // Told "refused", the operator must not find the order carried out later: it is withdrawn here.
                String why = "the leader " + leader + " did not hand leadership over: " + r.error().message();
                loop.onInput(new Input.FailoverCancelled(clock.getAsLong(), why));
                return AdminReply.failure(ErrorCode.REFUSED, why + " (the order " + node + " took is withdrawn)");
            });
        }).exceptionally(AdminCommands::refused);
    }

    private AdminReply failoverTaken(boolean acceptDataLoss, String detail) {
        return AdminReply.success(Map.of("accepted", true, "node", node, "accept_data_loss", acceptDataLoss, "detail", detail));
    }

    /** A request the loop refused: its reason, as the reply. */
    private static AdminReply refused(Throwable e) {
        return AdminReply.failure(ErrorCode.REFUSED,
                (e instanceof CompletionException && e.getCause() != null ? e.getCause() : e).getMessage());
    }

    private static String text(AdminRequest request, String key) {
        Object v = request.args().get(key);
        return v == null ? null : v.toString();
    }

    private static CompletableFuture<AdminReply> done(AdminReply reply) {
        return CompletableFuture.completedFuture(reply);
    }
}
