package vigil.daemon;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import vigil.config.ConfigLoader;
import vigil.config.CrashProof;
import vigil.config.LoadResult;
import vigil.config.NodeRole;
import vigil.config.NodeSpec;
import vigil.config.Problem;
import vigil.config.VigilConfig;
import vigil.core.node.NodeConfig;
import vigil.core.node.NodeState;
import vigil.core.election.Electorate;
import vigil.core.election.Timing;
import vigil.core.election.Voter;
import vigil.daemon.admin.AdminServer;
import vigil.daemon.ha.PostgresAgent;
import vigil.daemon.watchdog.WatchdogDevice;
import vigil.daemon.ha.Supervised;
import vigil.daemon.log.JGroupsLog;
import vigil.daemon.hook.Hooks;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.daemon.loop.Drivers;
import vigil.daemon.loop.NodeLoop;
import vigil.daemon.vip.VipCarrier;
import vigil.daemon.service.ServiceActions;
import vigil.daemon.peer.PeerChannel;
import vigil.daemon.peer.PeerDatagrams;
import vigil.daemon.peer.PeerSender;
import vigil.daemon.peer.PeerSettings;
import vigil.daemon.state.StateStore;
import vigil.protocol.admin.AdminCommand;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.ErrorCode;
import vigil.protocol.peer.PeerCodec;

/** {@code vigild}: the supervisor daemon of one node. Runs in the foreground; systemd supervises it. */
@Command(name = "vigild", mixinStandardHelpOptions = true, version = "vigild 0.1.0",
        sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Supervises one node of a vigil cluster: joins the other daemons over JGroups (encrypted), keeps a "
                    + "majority quorum of the configured voters and takes part in the leased leader election.",
            "",
            "Logs go to stdout, one line per event, node name first, with <N> syslog priority prefixes for journald."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped cleanly (SIGTERM), or --check-config found no error",
            "1:runtime failure (state directory unusable, peer transport failed, admin socket in use)",
            "2:usage error",
            "78:bad configuration (every problem is printed with file:line:column and the setting's path)"},
        footerHeading = "%nFiles:%n",
        footer = {"  /etc/vigil/vigil.yml        the configuration (see docs/configuration.md)",
            "  <node.state_dir>/election.state   durable term, vote and cluster record (fsynced)",
            "  <node.state_dir>/vip-acquired     VIPs whose acquired service actions completed (not rerun when kept)",
            "  <node.admin.socket>         admin socket used by vigilctl",
            "", "Examples:", "  vigild --config /etc/vigil/vigil.yml",
            "  vigild --check-config --config /etc/vigil/vigil.yml"})
public final class Vigild implements Callable<Integer> {
    static final int EXIT_CONFIG = 78;
    /** {@code vigilctl restart-daemon}: ended on purpose, to be started again (EX_TEMPFAIL; RestartForceExitStatus=75). */
    static final int EXIT_RESTART = 75;
    /**
     * The longest a planned stop may take: a clean shutdown of PostgreSQL has a 10 s deadline, then a fence of 0.5 s
     * (repeated until verified). The systemd unit's TimeoutStopSec (120 s) must stay above it.
     */
    static final java.time.Duration STOP_LIMIT = java.time.Duration.ofSeconds(90);
    /** How long hooks of events queued at a stop may still run (the unit's TimeoutStopSec covers STOP_LIMIT plus this). */
    static final java.time.Duration HOOK_GRACE = java.time.Duration.ofSeconds(5);
    /** The loop must go round at least this often for vigild to tell systemd it is alive. */
    static final long PROGRESS_LIMIT_MS = 2000;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "/etc/vigil/vigil.yml",
            description = "Configuration file (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(names = "--check-config", description = "Validate the configuration, print every problem, and exit.")
    boolean checkOnly;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info",
            description = "Lowest priority logged: err, warning, notice, info or debug (default: ${DEFAULT-VALUE}).")
    String logLevel;

    private final PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
            StandardCharsets.UTF_8);

    public static void main(String[] args) {
        System.exit(new CommandLine(new Vigild()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Priority threshold = parseLevel(logLevel);
        if (threshold == null) {
            System.err.println("vigild: --log-level must be one of err, warning, notice, info, debug (got " + logLevel + ")");
            return 2;
        }
        LoadResult loaded = ConfigLoader.load(config);
        for (Problem p : loaded.problems()) System.err.println(p);
        if (!loaded.ok()) {
            System.err.println("vigild: " + config + ": configuration has errors; nothing was started");
            return EXIT_CONFIG;
        }
        VigilConfig cfg = loaded.config().orElseThrow();
        if (checkOnly) {
            System.err.println("vigild: " + config + ": configuration OK (node " + cfg.node().name() + ", cluster "
                    + cfg.cluster().name() + ", " + cfg.voters().size() + " voters)");
            for (String line : CrashProof.describe(cfg, java.nio.file.Files::exists).split("\n")) {
                System.err.println("vigild: " + line);
            }
            return 0;
        }
        Log log = new Log(cfg.node().name(), out, threshold);
        JGroupsLog.install(log, threshold == Priority.DEBUG);
        return run(cfg, log);
    }

    /** Hooks see every event from "starting" on; events still queued at the end get {@link #HOOK_GRACE} to run. */
    private int run(VigilConfig cfg, Log log) throws Exception {
        Hooks hooks = new Hooks(cfg.node().hooks(), cfg.node().name(), cfg.cluster().name(), log).start();
        try {
            return supervise(cfg, log, hooks);
        } finally {
            hooks.close(HOOK_GRACE); // a no-op after the planned stop closed them
        }
    }

    private int supervise(VigilConfig cfg, Log log, Hooks hooks) throws Exception {
        log.event(Priority.NOTICE, "starting", "cluster", cfg.cluster().name(), "config", cfg.source(),
                "cluster_hash", cfg.clusterHash().substring(0, 16), "pid", ProcessHandle.current().pid());
        if (cfg.cluster().security().insecure()) {
            log.event(Priority.WARNING, "insecure", "reason", "PLAINTEXT_PEER_TRAFFIC",
                    "hint", "set cluster.security.key_file to encrypt and authenticate peer traffic");
        }
        StateStore store;
        StateStore.Saved saved;
        try {
            store = StateStore.open(cfg.node().stateDir());
            saved = store.load();
        } catch (vigil.daemon.state.StateException e) {
            log.event(Priority.ERR, "failed", "reason", "STATE_UNUSABLE", "error", e.getMessage());
            return 1;
        }
        var t = cfg.cluster().timing();
        Timing timing = Timing.of(t.heartbeatInterval().toMillis(), t.lease().toMillis(), t.clockDriftBound());
        List<Voter> voters = cfg.voters().stream().map(Vigild::voter).toList();
        Electorate electorate = new Electorate(cfg.node().name(), voters, timing);

        PeerSettings settings;
        try {
            settings = peerSettings(cfg);
        } catch (vigil.daemon.peer.PeerChannelException e) {
            log.event(Priority.ERR, "failed", "reason", "KEY_UNUSABLE", "error", e.getMessage());
            store.close();
            return 1;
        }
        java.util.function.LongSupplier clock = () -> System.nanoTime() / 1_000_000;
        WatchdogDevice watchdog = WatchdogDevice.of(cfg, log);
        if (watchdog != null && watchdog.fatal()) {
            store.close();
            return 1;
        }
        NodeConfig nodeConfig = Supervised.nodeConfig(cfg, electorate, watchdog != null);
        PeerChannel[] channel = new PeerChannel[1];
        NodeLoop[] loopRef = new NodeLoop[1];
        PostgresAgent agent = nodeConfig.supervises() ? Supervised.agent(cfg, in -> loopRef[0].onInput(in), clock, log) : null;
        VipCarrier vips = Effectors.vipCarrier(cfg, nodeConfig, in -> loopRef[0].onInput(in), agent, clock, log);
        // The VIPs that follow the primary, found on this host (a restart of vigild alone leaves them): the node step
        // keeps them while this node reclaims the primary that kept serving, and releases them otherwise.
        boolean vipsFound = vips != null && nodeConfig.vips() && vips.primaryFound();
        List<String> keptAtStart = vips != null ? vips.releaseFoundAtStart(vipsFound) : List.of();
        NodeState initial = NodeState.boot(nodeConfig, saved.election(), saved.ha(), clock.getAsLong(), BootId.read(),
                vipsFound);
        PeerSender sender = new PeerSender((to, frame) -> { if (channel[0] != null) channel[0].send(to, frame); });
        PeerDatagrams[] datagrams = new PeerDatagrams[1]; // set before the loop thread starts
        Drivers.Peers peers = new Drivers.Peers() {
            @Override public void send(String node, byte[] frame) { sender.send(node, frame); }
            @Override public boolean sendDatagram(String node, byte[] frame) {
                return datagrams[0] != null && datagrams[0].send(node, frame);
            }
            @Override public void sendDatagramOnce(String node, byte[] frame) {
                if (datagrams[0] != null) datagrams[0].send(node, frame, false);
            }
        };
        PeerCodec codec = new PeerCodec(cfg.clusterHash(), settings.sharedKey().orElse(null));
        NodeLoop loop = new NodeLoop(nodeConfig, cfg.cluster().name(), initial, store::save, peers,
                agent, watchdog, codec, log, clock);
        OperatorSeal seal = new OperatorSeal(settings.sharedKey().orElse(null));
        Forwarding forwarding = new Forwarding(cfg.node().name(), codec, Forwarding.paths(() -> channel[0], sender,
                () -> datagrams[0], seal), log);
        loopRef[0] = loop;
        if (vips != null) Effectors.wire(vips, loop, agent);
        vigil.daemon.vip.TrackChecks track = nodeConfig.tracked() && agent != null
                ? new vigil.daemon.vip.TrackChecks(cfg.node().track(), loop::onInput, clock, log) : null;
        if (track != null) track.start();
        ServiceActions services = Effectors.serviceActions(cfg, vips, agent, log);
        if (services != null) services.keepMarksOnlyOf(keptAtStart); // released at start: a later claim runs its actions
        vigil.daemon.fence.Fencer fencer = Effectors.fencing(cfg, loop, clock, log);
        datagrams[0] = datagrams(settings, forwarding.datagramsOr(seal, loop::onFrame), log, timing.leaseMs());
        if (datagrams[0] != null) loop.readsDatagrams(datagrams[0].channel(), datagrams[0]::drain);
        Thread loopThread = new Thread(loop, "vigil-loop");
        loopThread.start();
        // Probe at once: until its first probe answers the node step knows nothing about PostgreSQL, and after a
        // short grace it fences what it cannot see (a restarted primary keeps serving only if it is seen in time).
        if (agent != null) agent.startProbing(Supervised.probeInterval(cfg), cfg.cluster().postgres().orElseThrow().synchronous());
        java.util.concurrent.atomic.AtomicReference<Reloads> reloads = new java.util.concurrent.atomic.AtomicReference<>();
        AdminCommands commands = new AdminCommands(cfg.node().name(), loop, fencer, services, clock, log, forwarding,
                operator -> reloads.get() == null ? vigil.protocol.admin.AdminReply.failure(
                        vigil.protocol.admin.ErrorCode.REFUSED, "vigild is still starting") : reloads.get().reload(operator));
        forwarding.serve(commands::carry);
        forwarding.joinedWhen(() -> channel[0] != null);
        ScheduledSwitchover scheduled = new ScheduledSwitchover(cfg.node().name(), log, java.time.Instant::now);
        scheduled.asking(commands::carry);
        commands.scheduling(scheduled);
        commands.checkingStart(() -> reloads.get() == null ? "vigild is still starting" : reloads.get().startProblems());
        AdminServer admin = null;
        vigil.daemon.http.HttpEndpoint http = null;
        try {
            // The socket and the endpoint answer before the JGroups channel has joined (that may take seconds while
            // the other members start): the loop already runs, and by datagram this node may already lead and arm its
            // watchdog. A command forwarded to another node meanwhile gets no answer (the channel is not open yet).
            admin = AdminServer.start(cfg.node().adminSocket(), cfg.node().adminGroup(), commands::handle);
            if (cfg.node().http().enabled()) http = httpEndpoint(cfg, nodeConfig, loop, log);
            channel[0] = PeerChannel.open(settings, new PeerChannel.Listener() {
                @Override public void onMessage(String from, byte[] payload) {
                    if (PeerCodec.carriesOperator(payload)) forwarding.onFrame(from, payload);
                    else loop.onFrame(from, payload);
                }
                @Override public void onView(java.util.Set<String> members) { loop.onView(members); }
            });
            loop.onView(channel[0].members());
        } catch (Exception e) {
            log.event(Priority.ERR, "failed", "reason", "STARTUP_FAILED", "error", e.getMessage());
            loop.shutdown().get(STOP_LIMIT.toSeconds(), TimeUnit.SECONDS);
            if (channel[0] != null) channel[0].close();
            if (datagrams[0] != null) datagrams[0].close();
            if (admin != null) admin.close();
            if (http != null) http.close();
            if (agent != null) agent.close();
            store.close();
            return 1;
        }
        log.event(Priority.NOTICE, "ready", "admin_socket", cfg.node().adminSocket(),
                "http", http == null ? "off" : (cfg.node().http().tls() ? "https://" : "http://") + cfg.node().http().listen()
                        + ":" + cfg.node().http().port(),
                "voters", voters.size(), "quorum", electorate.quorum(),
                "heartbeat_ms", timing.heartbeatMs(), "lease_ms", timing.leaseMs(),
                "watchdog", watchdog == null ? "off" : nodeConfig.watchdog().effectiveMs() + "ms");
        SystemdNotify.ready();

        CountDownLatch stopped = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean stopRequested = new java.util.concurrent.atomic.AtomicBoolean();
        AdminServer adminServer = admin;
        reloads.set(new Reloads(cfg, hooks, http, c -> httpEndpoint(c, nodeConfig, loop, log),
                agent == null ? null : agent::applyClientRules, log, HOOK_GRACE));
        reloads.get().runningKey(settings.sharedKey().orElse(null));
        Thread hook = new Thread(() -> {
            stopRequested.set(true);
            SystemdNotify.stopping();
            try {
                // The planned stop: PostgreSQL stopped cleanly (or fenced), leadership resigned with that report,
                // the watchdog closed, all by the node step; bounded so systemd's own stop timeout is never reached.
                loop.shutdown().get(STOP_LIMIT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                log.event(Priority.ERR, "stop_incomplete", "reason", "STOP_TIMED_OUT", "error", String.valueOf(e),
                        "hint", "PostgreSQL may still run; with an armed watchdog the host will be reset");
            }
            sender.close();
            channel[0].close();
            if (datagrams[0] != null) datagrams[0].close();
            adminServer.close();
            if (agent != null) agent.close();
            if (vips != null) vips.close();
            if (track != null) track.close();
            if (services != null) services.close();
            store.close();
            scheduled.close(); // a switchover held for later is lost with this daemon (said when it was scheduled)
            reloads.get().close(); // the hooks (given HOOK_GRACE: the JVM halts once this returns) and the endpoint
            stopped.countDown();
        }, "vigil-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        String statusLine = "";
        while (loopThread.isAlive()) {
            // systemd's watchdog is fed by the loop's progress, not by this thread being alive.
            if (loop.sinceProgressMs() < PROGRESS_LIMIT_MS) SystemdNotify.watchdog();
            if (SystemdNotify.active() && !stopRequested.get()) statusLine = sendStatusLine(loop, statusLine, log);
            loopThread.join(1000);
        }
        if (!stopRequested.get()) {
            // The loop ended without a stop request: vigilctl restart-daemon (exit 75: the unit's RestartForceExitStatus),
            // or trouble (state not saved, internal error: exit 1). systemd starts us again either way; PostgreSQL,
            // in its own cgroup (KillMode=process), keeps running, and nothing here stops it.
            Runtime.getRuntime().removeShutdownHook(hook);
            if (agent != null) agent.close(); // its threads first: nothing may act on PostgreSQL or the VIPs any more
            if (vips != null) vips.close();
            if (track != null) track.close();
            channel[0].close();
            adminServer.close();
            scheduled.close();
            reloads.get().close();
            store.close();
            if (loop.restarting()) log.event(Priority.NOTICE, "exiting", "reason", "OPERATOR_RESTART_DAEMON", "exit", EXIT_RESTART);
            return loop.restarting() ? EXIT_RESTART : 1;
        }
        stopped.await(STOP_LIMIT.toSeconds() + 5, TimeUnit.SECONDS);
        return 0;
    }

    /**
     * systemctl status shows what vigilctl status would say, in one line, within a second of a change ({@link
     * StatusLine}). A courtesy: a failure is logged once and never takes this thread (the systemd watchdog's) down.
     * Returns the line last sent.
     */
    private static String sendStatusLine(NodeLoop loop, String last, Log log) {
        try {
            String line = StatusLine.of(loop.snapshot());
            if (!line.equals(last)) SystemdNotify.status(line);
            return line;
        } catch (RuntimeException e) {
            if (!last.equals(STATUS_UNAVAILABLE)) log.event(Priority.WARNING, "status_line_failed", "error", e.toString());
            return STATUS_UNAVAILABLE;
        }
    }

    private static final String STATUS_UNAVAILABLE = "unavailable";

    /**
     * The HTTP endpoint of {@code node.http}, or null when it cannot start (its port taken, its address not up): the
     * node's supervision matters more than its checks, so vigild runs on without it and says so.
     */
    private static vigil.daemon.http.HttpEndpoint httpEndpoint(VigilConfig cfg, NodeConfig nodeConfig, NodeLoop loop, Log log) {
        try {
            return vigil.daemon.http.HttpEndpoint.open(cfg.node().http(), nodeConfig, loop, log);
        } catch (RuntimeException e) {
            log.event(Priority.ERR, "http_unavailable", "reason", "HTTP_NOT_STARTED", "error", e.getMessage(),
                    "hint", "vigild runs without its HTTP endpoint: load balancers' checks of this node fail until vigild"
                            + " is restarted with a usable node.http");
            return null;
        }
    }

    static Voter voter(NodeSpec n) {
        return new Voter(n.name(), n.role() == NodeRole.DATA, n.priority());
    }

    /**
     * The datagram path for heartbeats and acknowledgements on the peer port (UDP). Without it (the port taken, UDP
     * refused) the node still works, over JGroups alone, but rides out a link cut only as far as TCP's retransmission
     * allows: said once, loudly.
     */
    private static PeerDatagrams datagrams(PeerSettings settings, PeerDatagrams.Listener listener, Log log, long leaseMs) {
        try {
            return PeerDatagrams.bind(settings, listener, log, leaseMs); // read by the loop's thread
        } catch (vigil.daemon.peer.PeerChannelException e) {
            log.event(Priority.WARNING, "peer_datagrams_unavailable", "reason", "UDP_BIND_FAILED", "error", e.getMessage(),
                    "hint", "heartbeats go over JGroups (TCP) only; free UDP port " + settings.bindPort()
                            + " and restart vigild to ride out short link cuts");
            return null;
        }
    }

    static PeerSettings peerSettings(VigilConfig cfg) throws vigil.daemon.peer.PeerChannelException {
        var t = cfg.cluster().timing();
        Optional<byte[]> key = cfg.cluster().security().keyFile().isPresent()
                ? Optional.of(PeerChannel.readKeyFile(cfg.cluster().security().keyFile().get()))
                : Optional.empty();
        List<PeerSettings.Peer> peers = cfg.voters().stream()
                .map(n -> new PeerSettings.Peer(n.name(), n.address(), n.port())).toList();
        return new PeerSettings(cfg.cluster().name(), cfg.node().name(), cfg.node().bindAddress(), cfg.self().port(),
                peers, key, t.heartbeatInterval(), t.failureDetectionTimeout(), t.suspectVerifyTimeout(),
                t.joinTimeout());
    }

    private static Priority parseLevel(String level) {
        for (Priority p : Priority.values()) {
            if (p.name().equalsIgnoreCase(level) || (p == Priority.ERR && "error".equalsIgnoreCase(level))) return p;
        }
        return null;
    }
}
