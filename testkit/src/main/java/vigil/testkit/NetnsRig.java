package vigil.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A throw-away network: one namespace per node ({@code vg<runid>n1..nK}), a client namespace
 * ({@code vg<runid>c}) and a switch namespace ({@code vg<runid>sw}) holding bridge {@code br0}.
 * Every member hangs off the bridge by a veth pair whose switch end lives in the switch namespace,
 * so "pulling a cable" ({@link #linkDown}) never touches the host's network.
 *
 * <p>Invariant: everything the rig creates (namespaces, processes) is removed by {@link #close()},
 * which also runs from a JVM shutdown hook, and a rig whose JVM died is swept by the next rig
 * ({@link #sweepStale()}).
 */
public final class NetnsRig implements AutoCloseable {
    static final Path RIG_ROOT = Path.of("/tmp/vigil-rig");
    static final Duration EXEC_TIMEOUT = Duration.ofSeconds(10);
    public static final String CLIENT = "c";
    static final String SWITCH = "sw";
    /** Absolute when found: root's PATH may lack /usr/sbin under sudo or a service manager. */
    static final String IP = Shell.which("ip").map(Object::toString).orElse("ip");

    private final String runId;
    private final int subnet;
    private final List<String> nodes;
    private final List<String> namespaces = new CopyOnWriteArrayList<>();
    private final List<NodeProcess> started = new CopyOnWriteArrayList<>();
    private final Thread shutdownHook;
    private volatile boolean closed;

    private NetnsRig(String runId, int nodeCount) {
        this.runId = runId;
        this.subnet = Integer.parseInt(runId, 16) % 250 + 1;
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= nodeCount; i++) {
            names.add("n" + i);
        }
        this.nodes = List.copyOf(names);
        this.shutdownHook = new Thread(this::closeQuietly, "vigil-rig-cleanup-" + runId);
    }

    /** Checks root and tools; empty when the rig can run, else a message saying what is missing. */
    public static Optional<String> precondition() {
        if (ProcFs.euid() != 0) {
            return Optional.of("network-namespace rig needs root (uid 0); run as root, e.g. in CI");
        }
        if (Shell.which("ip").isEmpty()) {
            return Optional.of("`ip` (package iproute2) is missing: apt-get install -y iproute2");
        }
        return Optional.empty();
    }

    /** Creates node namespaces n1..nK, the client and the switch; sweeps stale runs first. */
    public static NetnsRig create(int nodeCount) {
        precondition().ifPresent(p -> {
            throw new RigException(p);
        });
        if (nodeCount < 1 || nodeCount > 80) {
            throw new IllegalArgumentException("node count must be 1..80, got " + nodeCount);
        }
        sweepStale();
        NetnsRig rig = new NetnsRig(freshRunId(), nodeCount);
        try {
            StaleRuns.claim(rig.runId);
            Files.createDirectories(rig.runDir());
        } catch (IOException e) {
            throw new RigException("cannot write rig files under " + RIG_ROOT + ": " + e.getMessage(), e);
        }
        Runtime.getRuntime().addShutdownHook(rig.shutdownHook);
        try {
            rig.build();
        } catch (RuntimeException e) {
            rig.closeQuietly();
            throw e;
        }
        return rig;
    }

    /** A run id no live rig, pid file or namespace uses (a clash would hand our cleanup someone else's run). */
    private static String freshRunId() {
        SecureRandom random = new SecureRandom();
        List<String> existing = listNamespaces();
        while (true) {
            byte[] b = new byte[3];
            random.nextBytes(b);
            String id = HexFormat.of().formatHex(b);
            if (!Files.exists(StaleRuns.pidFile(id)) && existing.stream().noneMatch(n -> n.startsWith("vg" + id))) {
                return id;
            }
        }
    }

    private void build() {
        addNamespace(ns(SWITCH));
        ipIn(ns(SWITCH), "link", "add", "br0", "type", "bridge");
        ipIn(ns(SWITCH), "link", "set", "br0", "up");
        List<String> members = new ArrayList<>(nodes);
        members.add(CLIENT);
        for (String m : members) {
            addNamespace(ns(m));
            ipIn(ns(SWITCH), "link", "add", switchPort(m), "type", "veth", "peer", "name", "eth0", "netns", ns(m));
            ipIn(ns(SWITCH), "link", "set", switchPort(m), "master", "br0", "up");
            ipIn(ns(m), "addr", "add", address(m) + "/24", "dev", "eth0");
            ipIn(ns(m), "link", "set", "eth0", "up");
        }
    }

    private void addNamespace(String ns) {
        Shell.run(EXEC_TIMEOUT, IP, "netns", "add", ns).orThrow("ip netns add " + ns);
        namespaces.add(ns);
        ipIn(ns, "link", "set", "lo", "up");
    }

    private void ipIn(String ns, String... args) {
        List<String> argv = new ArrayList<>(List.of(IP, "-n", ns));
        argv.addAll(List.of(args));
        Shell.run(EXEC_TIMEOUT, argv).orThrow(String.join(" ", argv));
    }

    public String runId() {
        return runId;
    }

    /** The third octet of this run's 10.232.x.0/24. */
    public int subnet() {
        return subnet;
    }

    public List<String> nodes() {
        return nodes;
    }

    /** Namespace of a member: a node name ("n1"), {@link #CLIENT} or "sw". */
    public String ns(String member) {
        return "vg" + runId + member;
    }

    public String clientNs() {
        return ns(CLIENT);
    }

    /** IPv4 address of a node ("n<i>" gets .10+i) or of the client (.100). */
    public String address(String member) {
        if (member.equals(CLIENT)) {
            return "10.232." + subnet + ".100";
        }
        int i = nodes.indexOf(member);
        if (i < 0) {
            throw new IllegalArgumentException("no node " + member + " in rig " + runId + " (nodes " + nodes + ")");
        }
        return "10.232." + subnet + "." + (11 + i);
    }

    /** The database VIP of a cluster on this rig (.200): no host has it until a vigild claims it. */
    public String dbVip() {
        return "10.232." + subnet + ".200";
    }

    /** The region VIP of the demo's cluster (.201), behind which {@link RegionService} answers. */
    public String regionVip() {
        return "10.232." + subnet + ".201";
    }

    /** Per-run directory for configs and logs: /tmp/vigil-rig/&lt;runid&gt;. */
    public Path runDir() {
        return RIG_ROOT.resolve(runId);
    }

    private static String switchPort(String member) {
        return "v" + member;
    }

    /** Runs a short command inside {@code ns} (null: the root namespace). */
    public ExecResult exec(String ns, Duration timeout, String... argv) {
        List<String> cmd = new ArrayList<>();
        if (ns != null) {
            cmd.addAll(List.of(IP, "netns", "exec", ns));
        }
        cmd.addAll(List.of(argv));
        return Shell.run(timeout, cmd);
    }

    public ExecResult exec(String ns, String... argv) {
        return exec(ns, EXEC_TIMEOUT, argv);
    }

    /** Starts a long-running process in {@code ns}; stdout and stderr are appended to {@code logFile}. */
    public NodeProcess start(String ns, List<String> argv, Map<String, String> env, Path logFile) {
        if (closed) {
            throw new RigException("rig " + runId + " is closed");
        }
        List<String> cmd = new ArrayList<>(List.of(IP, "netns", "exec", ns));
        // `ip netns exec` mounts a fresh /sys in a mount namespace of its own, which hides the host's cgroup mounts.
        // A node of the rig gets the cgroup2 hierarchy back, as a systemd host has it, so vigild runs PostgreSQL in
        // a cgroup of its own there too (where the kernel has no cgroup2, vigild falls back to a process walk).
        cmd.addAll(List.of("sh", "-c", "mountpoint -q /sys/fs/cgroup || mount -t cgroup2 cgroup2 /sys/fs/cgroup"
                + " 2>/dev/null; exec \"$@\"", "sh"));
        cmd.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        pb.environment().putAll(env);
        try {
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            NodeProcess p = new NodeProcess(ns, argv, pb.start(), logFile);
            started.add(p);
            return p;
        } catch (IOException e) {
            throw new RigException("cannot start " + argv + " in " + ns + ": " + e.getMessage(), e);
        }
    }

    /** SIGKILL; a process the rig started is also reaped here so it does not linger as a zombie. */
    /**
     * SIGKILL of exactly this process, as {@code kill -9 PID} would: its children live on (vigild's PostgreSQL
     * must survive a killed vigild). {@link #killAll} and cleanup take whole trees.
     */
    public void kill9(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    public void sigstop(long pid) {
        Shell.run(EXEC_TIMEOUT, "kill", "-STOP", Long.toString(pid)).orThrow("kill -STOP " + pid);
    }

    public void sigcont(long pid) {
        Shell.run(EXEC_TIMEOUT, "kill", "-CONT", Long.toString(pid)).orThrow("kill -CONT " + pid);
    }

    public List<Long> pidsIn(String ns) {
        return pidsOf(ns);
    }

    /** SIGKILL every process in {@code ns}: what a watchdog or fencing agent does to a node. */
    public void killAll(String ns) {
        for (NodeProcess p : started) {
            if (p.namespace().equals(ns)) {
                p.killTree();
            }
        }
        killAllIn(ns);
    }

    /** Pulls the node's cable: the switch end of its veth goes down (carrier lost on both ends). */
    public void linkDown(String member) {
        ipIn(ns(SWITCH), "link", "set", switchPort(member), "down");
    }

    /**
     * What a reboot does to a member's interface: every address on eth0 other than its own is gone (a VIP added with
     * {@code ip addr add} does not survive a reset).
     */
    public void forgetAddresses(String member) {
        ExecResult r = exec(ns(member), IP, "-o", "-4", "addr", "show", "dev", "eth0");
        for (String line : r.output().split("\n")) {
            String[] f = line.trim().split("\\s+");
            for (int i = 0; i + 1 < f.length; i++) {
                if (f[i].equals("inet") && !f[i + 1].startsWith(address(member) + "/")) {
                    exec(ns(member), IP, "addr", "del", f[i + 1], "dev", "eth0");
                }
            }
        }
    }

    /** The IPv4 addresses (with prefix) on the member's eth0 now. */
    public List<String> addresses(String member) {
        List<String> out = new ArrayList<>();
        ExecResult r = exec(ns(member), IP, "-o", "-4", "addr", "show", "dev", "eth0");
        for (String line : r.output().split("\n")) {
            String[] f = line.trim().split("\\s+");
            for (int i = 0; i + 1 < f.length; i++) if (f[i].equals("inet")) out.add(f[i + 1]);
        }
        return out;
    }

    /**
     * A fence agent for this rig, speaking the fence-agents stdin protocol: it records every request's stdin in
     * {@code <runDir>/fence-agent.log}; {@code action=off} kills every process of the namespace of {@code port} (the
     * plug: a node name) and pulls its cable; {@code status} exits 2 (off) when that cable is down, 0 (on) otherwise.
     * While {@code <runDir>/fence-agent.fail} exists it fails every request (a BMC that does not answer).
     */
    public Path writeFenceAgent() {
        Path agent = runDir().resolve("fence_rig");
        String script = "#!/bin/sh\n"
                + "in=$(cat)\n"
                + "log=" + runDir().resolve("fence-agent.log") + "\n"
                + "printf '%s\\n--\\n' \"$in\" >> \"$log\"\n"
                + "[ -e " + runDir().resolve("fence-agent.fail") + " ] && { echo 'Failed: Unable to connect/login to fencing device' >&2; exit 1; }\n"
                + "action=$(printf '%s\\n' \"$in\" | sed -n 's/^action=//p')\n"
                + "plug=$(printf '%s\\n' \"$in\" | sed -n 's/^port=//p')\n"
                + "ns=vg" + runId + "$plug\n"
                + "port=v$plug\n"
                + "case $action in\n"
                + "  off) for p in $(" + IP + " netns pids $ns); do kill -9 $p; done\n"
                + "       " + IP + " -n " + ns(SWITCH) + " link set $port down; echo 'Success: Powered OFF';;\n"
                + "  on) " + IP + " -n " + ns(SWITCH) + " link set $port up; echo 'Success: Powered ON';;\n"
                + "  status) if " + IP + " -n " + ns(SWITCH) + " -o link show $port | grep -q '[<,]UP[,>]'; then\n"
                + "       echo 'Status: ON'; exit 0; else echo 'Status: OFF'; exit 2; fi;;\n"
                + "  *) exit 1;;\n"
                + "esac\n";
        try {
            Files.writeString(agent, script);
            Files.setPosixFilePermissions(agent, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new RigException("cannot write the fence agent: " + e.getMessage(), e);
        }
        return agent;
    }

    /** The MAC address of the member's eth0. */
    public String mac(String member) {
        String out = exec(ns(member), "cat", "/sys/class/net/eth0/address").output().trim();
        if (out.isEmpty()) throw new RigException("no MAC for " + member + "'s eth0");
        return out;
    }

    public void linkUp(String member) {
        ipIn(ns(SWITCH), "link", "set", switchPort(member), "up");
    }

    /**
     * A partition that answers: every packet between {@code member} and the other nodes is rejected (TCP with a
     * reset, anything else with an ICMP error), in both directions, by nftables in the member's namespace, so peers
     * see "connection refused" rather than silence. The client namespace still reaches it. {@code on} false removes
     * the rule.
     */
    public void rejectPeers(String member, boolean on) {
        String ns = ns(member);
        exec(ns, "nft", "delete", "table", "inet", "vigil_reject"); // absent is fine
        if (!on) {
            return;
        }
        String peers = String.join(", ", nodes().stream().filter(n -> !n.equals(member)).map(this::address).toList());
        // In: TCP from a peer is answered with a reset, anything else with an ICMP error. Out: the resets and errors
        // this generates pass; anything else to a peer is refused locally (ICMP port unreachable: ECONNREFUSED).
        String script = "table inet vigil_reject {\n"
                + "  chain input { type filter hook input priority -20; policy accept;\n"
                + "    ip saddr { " + peers + " } meta l4proto tcp reject with tcp reset\n"
                + "    ip saddr { " + peers + " } reject\n  }\n"
                + "  chain output { type filter hook output priority -20; policy accept;\n"
                + "    ip daddr { " + peers + " } tcp flags & rst == rst accept\n"
                + "    ip daddr { " + peers + " } icmp type destination-unreachable accept\n"
                + "    ip daddr { " + peers + " } reject with icmp type port-unreachable\n  }\n}\n";
        nft(ns, "reject-" + ns, script);
    }

    /** Loads {@code script} into nftables in {@code ns}, by way of a file {@code name}.nft in the run directory. */
    private void nft(String ns, String name, String script) {
        try {
            Path f = runDir().resolve(name + ".nft");
            Files.writeString(f, script);
            exec(ns, "nft", "-f", f.toString()).orThrow("nft -f " + f + " in " + ns);
        } catch (IOException e) {
            throw new RigException("cannot write nft script: " + e.getMessage(), e);
        }
    }

    /**
     * JGroups apart, datagrams flowing: every TCP packet between {@code member} and the other nodes is rejected with a
     * reset, both ways, by nftables in the member's namespace, while UDP (vigil's heartbeat datagrams) passes. The
     * JGroups views split (their connections are TCP) and the election, by datagram, goes on. Replication is TCP too: a
     * rig without PostgreSQL. {@code on} false removes the rule.
     */
    public void rejectPeerTcp(String member, boolean on) {
        String ns = ns(member);
        exec(ns, "nft", "delete", "table", "inet", "vigil_reject_tcp"); // absent is fine
        if (!on) {
            return;
        }
        String peers = String.join(", ", nodes().stream().filter(n -> !n.equals(member)).map(this::address).toList());
        String script = "table inet vigil_reject_tcp {\n"
                + "  chain input { type filter hook input priority -20; policy accept;\n"
                + "    ip saddr { " + peers + " } meta l4proto tcp reject with tcp reset\n  }\n"
                + "  chain output { type filter hook output priority -20; policy accept;\n"
                + "    ip daddr { " + peers + " } tcp flags & rst == rst accept\n"
                + "    ip daddr { " + peers + " } meta l4proto tcp reject with tcp reset\n  }\n}\n";
        nft(ns, "reject-tcp-" + ns, script);
    }

    /** Drops {@code percent}% of packets in and out of the node at random (0 removes the rule). */
    public void loss(String member, int percent) {
        new PacketLoss(this, ns(member)).set(percent);
    }

    /**
     * Drops {@code percent}% of the packets between {@code member} and the other nodes, both ways, at random: vigil's
     * peer traffic and replication, not the client's (100 cuts the member off from its peers while clients still reach
     * it; 0 removes the rule).
     */
    public void peerLoss(String member, int percent) {
        new PacketLoss(this, ns(member), nodes().stream().filter(n -> !n.equals(member)).map(this::address).toList())
                .set(percent);
    }

    @Override
    public void close() {
        closeQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook itself is the one running close
        }
    }

    private synchronized void closeQuietly() {
        if (closed) {
            return;
        }
        closed = true;
        for (NodeProcess p : started) {
            try {
                p.killTree();
            } catch (RuntimeException ignored) {
                // keep cleaning the rest
            }
        }
        List<String> reverse = new ArrayList<>(namespaces);
        java.util.Collections.reverse(reverse);
        for (String ns : reverse) {
            killAllIn(ns);
            Shell.run(EXEC_TIMEOUT, IP, "netns", "del", ns);
        }
        if (listNamespaces().stream().noneMatch(n -> n.startsWith("vg" + runId))) {
            try {
                Files.deleteIfExists(StaleRuns.pidFile(runId));
            } catch (IOException ignored) {
                // a stale pid file only costs the next sweep a look
            }
        }
    }

    /** Deletes namespaces left by rigs whose JVM is gone; returns their names. */
    public static List<String> sweepStale() {
        return StaleRuns.sweep();
    }

    static List<String> listNamespaces() {
        ExecResult r = Shell.run(EXEC_TIMEOUT, IP, "netns", "list");
        List<String> names = new ArrayList<>();
        if (r.ok()) {
            r.output().lines().map(l -> l.strip().split("\\s+")[0]).filter(s -> !s.isEmpty()).forEach(names::add);
        }
        return names;
    }

    static List<Long> pidsOf(String ns) {
        ExecResult r = Shell.run(EXEC_TIMEOUT, IP, "netns", "pids", ns);
        List<Long> pids = new ArrayList<>();
        if (r.ok()) {
            r.output().lines().map(String::strip).filter(s -> s.matches("[0-9]+")).map(Long::valueOf)
                    .forEach(pids::add);
        }
        return pids;
    }

    static void killAllIn(String ns) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        List<Long> pids = pidsOf(ns);
        while (!pids.isEmpty() && System.nanoTime() < deadline) {
            pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            pids = pidsOf(ns);
        }
    }
}
