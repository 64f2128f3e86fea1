package vigil.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Real vigild processes, one per node namespace of a {@link NetnsRig}. Faults are applied from the
 * outside (kill -9, cable pulled) and observed through each daemon's own status and log lines.
 * Closing stops the daemons; the rig (namespaces) stays the caller's to close.
 */
public final class VigilCluster implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(2);

    /** The node holding the lease, as agreed by a majority. */
    public record Leader(String node, long term) {
    }

    private final NetnsRig rig;
    private final Timing timing;
    private final Map<String, String> env;
    private final Path repo;
    private final ClusterFiles files;
    private final Map<String, NodeProcess> running = new ConcurrentHashMap<>();
    private final Map<String, NodeLog> logs = new LinkedHashMap<>();
    private final PgNodes pg;
    private final Map<String, FakeWatchdog> watchdogs;

    private VigilCluster(NetnsRig rig, ClusterShape shape, Map<String, String> env, Path repo) {
        this.rig = rig;
        this.timing = shape.timing();
        this.env = Map.copyOf(env);
        this.repo = repo;
        this.files = new ClusterFiles(rig, timing, shape.pg(), shape.watchdog(),
                shape.eventLog() ? repo.resolve("hooks/log-event") : null);
        this.pg = shape.pg() == null ? null : new PgNodes(this, files);
        files.dbVip = shape.dbVip();
        files.fenceAgent = shape.fenceAgent();
        files.regionService = shape.regionService();
        files.regionByChecks = shape.regionByChecks();
        files.http = shape.http();
        files.write();
        for (String n : rig.nodes()) {
            logs.put(n, new NodeLog(files.log(n)));
        }
        this.watchdogs = shape.watchdog() == null ? Map.of() : shape.watchdog().createFakes(files, rig.nodes(), this::reset);
    }

    /** Three data nodes, 150 ms heartbeats, 1.5 s lease: the fixture most tests and benches start from. */
    public static VigilCluster threeNodes(NetnsRig rig) {
        if (rig.nodes().size() != 3) {
            throw new IllegalArgumentException("threeNodes needs a rig with 3 nodes, got " + rig.nodes());
        }
        return start(rig, Timing.DEFAULT, Map.of());
    }

    /**
     * As {@link #threeNodes}, and every node runs the shipped {@code hooks/log-event} as its event hook, writing to
     * {@link #eventLog}.
     */
    public static VigilCluster threeNodesWithEventLog(NetnsRig rig) {
        VigilCluster c = new VigilCluster(rig, ClusterShape.of(Timing.DEFAULT).withEventLog(), Map.of(),
                RepoRoot.locate().toAbsolutePath());
        rig.nodes().forEach(c::startNode);
        return c;
    }

    /** The file the event hook of {@link #threeNodesWithEventLog} appends to on {@code node}. */
    public Path eventLog(String node) {
        return files.eventLog(node);
    }

    /** Writes configs for every rig node and starts vigild on each. */
    public static VigilCluster start(NetnsRig rig, Timing timing, Map<String, String> env) {
        return start(rig, timing, env, RepoRoot.locate());
    }

    /** As {@link #start(NetnsRig, Timing, Map)} with {@code repo/bin/vigild} and {@code repo/bin/vigilctl}. */
    public static VigilCluster start(NetnsRig rig, Timing timing, Map<String, String> env, Path repo) {
        return start(rig, timing, env, repo, null);
    }

    /** {@code watchdog} null: no watchdog ({@code mode: off}); else every node has a {@link FakeWatchdog}. */
    public static VigilCluster start(NetnsRig rig, Timing timing, Map<String, String> env, Path repo,
                                     RigWatchdog watchdog) {
        VigilCluster c = new VigilCluster(rig, ClusterShape.of(timing).watchdog(watchdog), env, repo.toAbsolutePath());
        rig.nodes().forEach(c::startNode);
        return c;
    }

    /**
     * Three data nodes with managed PostgreSQL 15 ({@link PgOptions}), started and waited for: one node's
     * PostgreSQL is primary and both others stream from it, the writer's role and table exist (the writer is admitted
     * by the nodes' {@code client_access} rule).
     */
    public static VigilCluster clusterWithPrimary(NetnsRig rig) {
        return clusterWithPrimary(rig, Timing.DEFAULT, PgOptions.ASYNC, Duration.ofSeconds(150));
    }

    public static VigilCluster clusterWithPrimary(NetnsRig rig, Timing timing, PgOptions options, Duration limit) {
        return clusterWithPrimary(rig, timing, options, limit, null);
    }

    /** {@code watchdog} null: no watchdog ({@code mode: off}); else every node has a {@link FakeWatchdog}. */
    public static VigilCluster clusterWithPrimary(NetnsRig rig, Timing timing, PgOptions options, Duration limit,
                                                  RigWatchdog watchdog) {
        return clusterWithPrimary(rig, timing, options, limit, watchdog, false);
    }

    /**
     * As {@link #clusterWithPrimary(NetnsRig, Timing, PgOptions, Duration, RigWatchdog)}; with {@code dbVip} the
     * cluster has one VIP, {@code db} = {@link NetnsRig#dbVip} on eth0, which follows the primary.
     */
    public static VigilCluster clusterWithPrimary(NetnsRig rig, Timing timing, PgOptions options, Duration limit,
                                                  RigWatchdog watchdog, boolean dbVip) {
        return clusterWithPrimary(rig, timing, options, limit, watchdog, dbVip, null);
    }

    /** As above; with {@code fenceAgent} every node can be fenced by it ({@link NetnsRig#writeFenceAgent}). */
    public static VigilCluster clusterWithPrimary(NetnsRig rig, Timing timing, PgOptions options, Duration limit,
                                                  RigWatchdog watchdog, boolean dbVip, Path fenceAgent) {
        return clusterWithPrimary(rig, timing, options, limit, watchdog, dbVip, fenceAgent, false);
    }

    /**
     * As above; with {@code regionService} the cluster also has the VIP {@code region} = {@link NetnsRig#regionVip}
     * and every node serves HTTP on it, on port 5240, while it holds it ({@link RegionService}: service actions on
     * {@code acquired} and {@code released}).
     */
    public static VigilCluster clusterWithPrimary(NetnsRig rig, Timing timing, PgOptions options, Duration limit,
                                                  RigWatchdog watchdog, boolean dbVip, Path fenceAgent,
                                                  boolean regionService) {
        return clusterWithPrimary(rig, timing, options, limit, watchdog, dbVip, fenceAgent, regionService, false);
    }

    /**
     * As above; with {@code regionByChecks} the region VIP is placed by checks ({@code follows: checks}): on one node
     * whose tracked check passes ({@link RegionService#breakOn}, {@link RegionService#repairOn}).
     */
    public static VigilCluster clusterWithPrimary(NetnsRig rig, Timing timing, PgOptions options, Duration limit,
                                                  RigWatchdog watchdog, boolean dbVip, Path fenceAgent,
                                                  boolean regionService, boolean regionByChecks) {
        ClusterShape shape = ClusterShape.of(timing).pg(options).watchdog(watchdog).fenceAgent(fenceAgent);
        if (dbVip) shape = shape.withDbVip();
        if (regionService) shape = shape.regionService(regionByChecks);
        return clusterWithPrimary(rig, shape, limit);
    }

    /**
     * A cluster of {@code shape} (which must manage PostgreSQL) on a rig of three nodes, started and waited for: one
     * node's PostgreSQL is primary and both others stream from it, the writer's role and table exist.
     */
    public static VigilCluster clusterWithPrimary(NetnsRig rig, ClusterShape shape, Duration limit) {
        if (shape.pg() == null) throw new IllegalArgumentException("clusterWithPrimary needs a shape with PostgreSQL");
        if (rig.nodes().size() != 3) {
            throw new IllegalArgumentException("clusterWithPrimary needs a rig with 3 nodes, got " + rig.nodes());
        }
        PgNodes.precondition().ifPresent(p -> {
            throw new RigException(p);
        });
        VigilCluster c = new VigilCluster(rig, shape, Map.of(), RepoRoot.locate().toAbsolutePath());
        try {
            rig.nodes().forEach(c::startNode);
            String primary = c.pg.awaitPrimaryWithStandbys(limit);
            c.pg.prepareWriter(primary);
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** The managed-PostgreSQL side of the cluster; throws for a cluster started without PostgreSQL. */
    public PgNodes pg() {
        if (pg == null) {
            throw new IllegalStateException("this cluster manages no PostgreSQL (use clusterWithPrimary)");
        }
        return pg;
    }
    /** The node's fake watchdog device; throws for a cluster started without a {@link RigWatchdog}. */
    public FakeWatchdog watchdog(String node) {
        FakeWatchdog w = watchdogs.get(node);
        if (w == null) {
            throw new IllegalStateException("this cluster has no fake watchdogs (start it with a RigWatchdog)");
        }
        return w;
    }

    /** The fake watchdog of {@code node} fired: the host "resets" (its processes die, its cable is pulled). */
    private void reset(String node) {
        running.remove(node);
        rig.killAll(rig.ns(node));
        rig.linkDown(node);
        rig.forgetAddresses(node);
    }

    public NetnsRig rig() {
        return rig;
    }

    public Timing timing() {
        return timing;
    }

    public List<String> nodes() {
        return rig.nodes();
    }

    public Path configFile(String node) {
        return files.config(node);
    }

    public Path adminSocket(String node) {
        return files.adminSocket(node);
    }

    public Path logFile(String node) {
        return files.log(node);
    }

    public Optional<NodeProcess> process(String node) {
        return Optional.ofNullable(running.get(node));
    }

    /** Starts vigild on {@code node} (appending to its log); the node must not be running. */
    public NodeProcess startNode(String node) {
        if (running.containsKey(node)) {
            throw new RigException("vigild on " + node + " is already running: " + running.get(node));
        }
        List<String> argv = List.of(repo.resolve("bin/vigild").toString(), "--config", files.config(node).toString());
        NodeProcess p = rig.start(rig.ns(node), argv, env, files.log(node));
        running.put(node, p);
        return p;
    }

    /** The node's status via {@code bin/vigilctl --socket S status --json}; throws when vigilctl fails. */
    public NodeStatus status(String node) {
        ExecResult r = rig.exec(null, Duration.ofSeconds(30), repo.resolve("bin/vigilctl").toString(),
                "--socket", files.adminSocket(node).toString(), "status", "--json");
        r.orThrow("vigilctl status --json for " + node);
        return NodeStatus.parse(jsonPart(r.output()));
    }

    /** {@code bin/vigilctl --socket <node's socket> ARGS...}: its exit code and output (stdout and stderr). */
    /**
     * One admin request straight over {@code node}'s socket (no vigilctl JVM: requests that must arrive within
     * milliseconds of each other); the raw reply line, or empty when none came within 5 s.
     */
    public Optional<String> admin(String node, String requestJson) {
        return AdminSocket.ask(files.adminSocket(node), requestJson, Duration.ofSeconds(5));
    }

    public ExecResult vigilctl(String node, String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of(repo.resolve("bin/vigilctl").toString(), "--socket",
                files.adminSocket(node).toString()));
        argv.addAll(List.of(args));
        return rig.exec(null, Duration.ofSeconds(180), argv.toArray(String[]::new));
    }

    /**
     * {@code vigilctl check} on {@code node}, asked again every half second until its exit code is {@code exitCode}
     * or {@code limit} passes; the last answer either way (the caller asserts on it). The check reads the node's
     * membership and the leader's reports, which trail a fault by a failure-detection period: one call right after
     * a fault can still see the old picture.
     */
    public ExecResult awaitCheck(String node, int exitCode, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        ExecResult check = vigilctl(node, "check");
        while (check.exitCode() != exitCode && System.nanoTime() < deadline) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return check;
            }
            check = vigilctl(node, "check");
        }
        return check;
    }

    /** vigilctl's human-readable status table for {@code node}. */
    public String statusTable(String node) {
        return rig.exec(null, Duration.ofSeconds(30), repo.resolve("bin/vigilctl").toString(),
                "--socket", files.adminSocket(node).toString(), "status").output();
    }

    private static String jsonPart(String out) {
        int brace = out.indexOf('{');
        return brace < 0 ? out : out.substring(brace);
    }

    /** The node's status straight from its admin socket; empty when it does not answer in time. */
    public Optional<NodeStatus> tryStatus(String node) {
        if (!Files.exists(files.adminSocket(node))) {
            return Optional.empty();
        }
        return AdminSocket.status(files.adminSocket(node), STATUS_TIMEOUT);
    }

    public Map<String, Optional<NodeStatus>> statuses() {
        Map<String, Optional<NodeStatus>> m = new LinkedHashMap<>();
        nodes().forEach(n -> m.put(n, tryStatus(n)));
        return m;
    }

    /** Exactly one node is leader with a live lease and a majority of all nodes names it leader. */
    public Leader awaitLeader(Duration limit) {
        return await("a single leader with a lease, agreed by a majority", limit, s -> leaderOf(s, false));
    }

    /** A leader other than {@code previous} (after a fault on it), agreed by a majority. */
    public Leader awaitNewLeader(String previous, Duration limit) {
        return await("a leader other than " + previous, limit,
                s -> leaderOf(s, false).filter(l -> !l.node().equals(previous)));
    }

    /** As {@link #awaitLeader} and every node answers, agrees, and reaches all voters. */
    public Leader awaitStable(Duration limit) {
        return await("a stable cluster (all nodes up, agreeing on one leased leader)", limit, s -> leaderOf(s, true));
    }

    private Optional<Leader> leaderOf(Map<String, Optional<NodeStatus>> statuses, boolean all) {
        List<NodeStatus> up = statuses.values().stream().flatMap(Optional::stream).toList();
        List<NodeStatus> leaders = up.stream().filter(NodeStatus::isLeaderWithLease).toList();
        if (leaders.size() != 1) {
            return Optional.empty();
        }
        NodeStatus l = leaders.get(0);
        long agree = up.stream().filter(s -> s.leader().filter(l.node()::equals).isPresent()).count();
        int majority = nodes().size() / 2 + 1;
        if (agree < majority) {
            return Optional.empty();
        }
        if (all && (up.size() != nodes().size() || agree != up.size()
                || up.stream().anyMatch(s -> s.reachableVoters() != s.voters()))) {
            return Optional.empty();
        }
        return Optional.of(new Leader(l.node(), l.term()));
    }

    private Leader await(String what, Duration limit,
                         java.util.function.Function<Map<String, Optional<NodeStatus>>, Optional<Leader>> check) {
        long deadline = System.nanoTime() + limit.toNanos();
        Map<String, Optional<NodeStatus>> last = Map.of();
        while (true) {
            failIfADaemonDied();
            last = statuses();
            Optional<Leader> l = check.apply(last);
            if (l.isPresent()) {
                return l.get();
            }
            if (System.nanoTime() > deadline) {
                StringBuilder sb = new StringBuilder("no " + what + " within " + limit + "; last statuses:\n");
                last.forEach((n, s) -> sb.append("  ").append(n).append(": ")
                        .append(s.map(NodeStatus::json).orElse("(no answer)")).append('\n'));
                throw new RigException(sb + dumpLogs(40));
            }
            pause();
        }
    }

    /** Waits for the first log event (of any node, in time order) matching {@code p}. */
    public LogEvent awaitEvent(String what, Duration limit, Predicate<LogEvent> p) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            failIfADaemonDied();
            Optional<LogEvent> e = allEvents().stream().filter(p).findFirst();
            if (e.isPresent()) {
                return e.get();
            }
            if (System.nanoTime() > deadline) {
                throw new RigException("no log event " + what + " within " + limit + "\n" + dumpLogs(40));
            }
            pause();
        }
    }

    /**
     * A vigild the rig did not stop has exited (bad config, crash): waiting on would only burn the
     * deadline, so fail now with its exit code and log.
     */
    void failIfADaemonDied() {
        for (Map.Entry<String, NodeProcess> e : running.entrySet()) {
            NodeProcess p = e.getValue();
            if (!p.isAlive()) {
                running.remove(e.getKey());
                throw new RigException("vigild on " + e.getKey() + " exited unexpectedly with code "
                        + p.waitForExit(Duration.ZERO) + "\n" + dumpLogs(60));
            }
        }
    }

    public List<LogEvent> events(String node) {
        return logs.get(node).events();
    }

    /** Every node's events merged on the shared monotonic clock. */
    public List<LogEvent> allEvents() {
        List<LogEvent> all = new ArrayList<>();
        logs.values().forEach(l -> all.addAll(l.events()));
        all.sort(Comparator.comparingDouble(LogEvent::monoMs));
        return all;
    }

    /** SIGKILL the node's vigild (and anything it spawned); returns the fault instant in mono ms. */
    public double kill9Vigild(String node) {
        NodeProcess p = running.remove(node);
        if (p == null) {
            throw new RigException("vigild on " + node + " is not running");
        }
        double at = monoNowMs();
        rig.kill9(p.pid());
        return at;
    }

    /** SIGSTOP the node's vigild: alive but silent (a hung JVM); returns the fault instant in mono ms. */
    public double freeze(String node) {
        NodeProcess p = runningOrThrow(node);
        double at = monoNowMs();
        rig.sigstop(p.pid());
        return at;
    }

    public void thaw(String node) {
        rig.sigcont(runningOrThrow(node).pid());
    }

    private NodeProcess runningOrThrow(String node) {
        NodeProcess p = running.get(node);
        if (p == null) {
            throw new RigException("vigild on " + node + " is not running");
        }
        return p;
    }

    /** Pulls the node's cable; returns the fault instant in mono ms. */
    public double isolate(String node) {
        double at = monoNowMs();
        rig.linkDown(node);
        return at;
    }

    public void heal(String node) {
        rig.linkUp(node);
    }

    /** SIGTERM, up to 15 s for a clean exit, then SIGKILL. */
    public void stop(String node) {
        NodeProcess p = running.remove(node);
        if (p == null) {
            return;
        }
        p.process().descendants().forEach(ProcessHandle::destroy);
        p.process().destroy();
        try {
            rig.sigcont(p.pid()); // a frozen daemon must run to see its SIGTERM
        } catch (RigException alreadyGone) {
            // exited on SIGTERM already
        }
        if (p.waitForExit(Duration.ofSeconds(15)) < 0 && p.isAlive()) {
            rig.kill9(p.pid());
        }
    }

    public void startAll() {
        nodes().stream().filter(n -> !running.containsKey(n)).forEach(this::startNode);
    }

    /** Each answering node's own term, straight from its admin socket. */
    public Map<String, Long> terms() {
        Map<String, Long> m = new LinkedHashMap<>();
        statuses().forEach((n, s) -> s.ifPresent(st -> m.put(n, st.term())));
        return m;
    }

    /**
     * What systemd does for the unit (Restart=on-failure, RestartForceExitStatus=75, RestartSec): waits up to
     * {@code limit} for {@code node}'s vigild to exit by itself and, when its status is one systemd restarts on (not 0,
     * not 78), starts it again after {@code restartSec}. Returns the exit status; throws when it did not exit.
     */
    public int awaitExitAndRestart(String node, Duration limit, Duration restartSec) {
        NodeProcess p = running.get(node);
        if (p == null) throw new RigException("vigild on " + node + " is not running");
        int code = p.waitForExit(limit);
        if (code < 0 && p.isAlive()) throw new RigException("vigild on " + node + " did not exit within " + limit);
        running.remove(node);
        if (code != 0 && code != 78) {
            try {
                Thread.sleep(restartSec.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RigException("interrupted before starting " + node + " again");
            }
            startNode(node);
        }
        return code;
    }

    public void restart(String node) {
        stop(node);
        startNode(node);
    }

    public void stopAll() {
        List.copyOf(running.keySet()).forEach(this::stop);
    }

    /** The last {@code lines} lines of every node's log, for failure messages. */
    public String dumpLogs(int lines) {
        StringBuilder sb = new StringBuilder();
        logs.forEach((n, l) -> sb.append("---- ").append(n).append(" (").append(l.file()).append(") ----\n")
                .append(l.tail(lines)).append('\n'));
        return sb.toString();
    }

    /** CLOCK_MONOTONIC in ms: the same clock as the daemons' mono_ms. */
    public static double monoNowMs() {
        return System.nanoTime() / 1e6;
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RigException("interrupted while waiting", e);
        }
    }

    @Override
    public void close() {
        stopAll();
        watchdogs.values().forEach(FakeWatchdog::close); // after the clean stops: those disarm
        if (pg != null) {
            pg.close();
        }
    }
}
