package vigil.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the client's wire sees of the database VIP: {@code tcpdump -i eth0 -n -e -l -tt} in the rig's client namespace
 * (frames with the MACs, kernel capture times), while {@code ping -i 0.01} sends the VIP an ICMP echo request every
 * 10 ms through the client's ordinary stack (its neighbour cache decides which MAC a request goes to, as for the
 * writer's own packets). A frame <em>answers the client</em> when it comes from a node's MAC to the client's MAC and
 * is an IPv4 packet from the VIP (echo reply, the writer's SYN-ACK or data) or an ARP reply saying where the VIP is;
 * broadcast announcements (gratuitous ARP: a request or reply for the VIP sent by the VIP) are kept apart, and a
 * duplicate-address probe ({@code tell 0.0.0.0}) is neither. The resolution is the prober's interval (10–20 ms).
 *
 * <p>Invariant: every time this class hands out is on CLOCK_MONOTONIC (the daemons' {@code mono_ms}): tcpdump prints
 * the kernel's CLOCK_REALTIME capture time, converted with the REALTIME−MONOTONIC offset sampled (tightest of 20
 * samples, µs) when the caller asks, so that an NTP slew since the capture began does not shift the result.
 */
public final class ClientWire implements AutoCloseable {
    /** One captured frame; {@code monoMs} on CLOCK_MONOTONIC. */
    public record Frame(double monoMs, String srcMac, String dstMac, Kind kind) {
    }

    /** ANSWER: to the client from the VIP (IPv4) or an ARP reply to it; ANNOUNCE: a broadcast ARP for the VIP. */
    public enum Kind { ANSWER, ANNOUNCE, OTHER }

    private static final Pattern LINE = Pattern.compile(
            "^(\\d+\\.\\d+) ([0-9a-f:]{17}) > ([0-9a-f:]{17}), ethertype (\\S+) \\(0x[0-9a-f]+\\), length \\d+: (.*)$");

    private final String vip;
    private final String clientIp;
    private final String clientMac;
    private final Path file;
    private final NodeProcess tcpdump;
    private final NodeProcess ping;

    private ClientWire(String vip, String clientIp, String clientMac, Path file, NodeProcess tcpdump,
                       NodeProcess ping) {
        this.vip = vip;
        this.clientIp = clientIp;
        this.clientMac = clientMac;
        this.file = file;
        this.tcpdump = tcpdump;
        this.ping = ping;
    }

    /** A reader of an existing capture {@code file}, nothing started (tests). */
    static ClientWire reading(String vip, String clientIp, String clientMac, Path file) {
        return new ClientWire(vip, clientIp, clientMac, file, null, null);
    }

    /** Empty when tcpdump and ping are installed, else what to install. */
    public static Optional<String> precondition() {
        if (Shell.which("tcpdump").isEmpty() || Shell.which("ping").isEmpty()) {
            return Optional.of("tcpdump and ping are missing: apt-get install -y tcpdump iputils-ping (bin/setup-host)");
        }
        return Optional.empty();
    }

    /** Starts the capture and the prober in the client namespace; waits until the capture sees the VIP answer. */
    public static ClientWire start(NetnsRig rig, Path dir) {
        precondition().ifPresent(p -> {
            throw new RigException(p);
        });
        String vip = rig.dbVip();
        Path file = dir.resolve("client-wire.txt");
        NodeProcess t = rig.start(rig.clientNs(), List.of(Shell.which("tcpdump").orElseThrow().toString(), "-i", "eth0",
                "-n", "-e", "-l", "-tt", "--time-stamp-precision=micro", "-s", "128", "arp or host " + vip), java.util.Map.of(),
                file);
        NodeProcess p = null;
        try {
            awaitFile(file, "listening on", Duration.ofSeconds(10));
            p = rig.start(rig.clientNs(), List.of(Shell.which("ping").orElseThrow().toString(), "-n", "-q", "-i",
                    "0.01", vip), java.util.Map.of(), dir.resolve("ping.log"));
            ClientWire w = new ClientWire(vip, rig.address(NetnsRig.CLIENT), rig.mac(NetnsRig.CLIENT), file, t, p);
            awaitFile(file, vip + " > " + w.clientIp + ": ICMP echo reply", Duration.ofSeconds(10));
            return w;
        } catch (RuntimeException e) {
            t.killTree();
            if (p != null) {
                p.killTree();
            }
            throw e;
        }
    }

    private static void awaitFile(Path file, String text, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                if (Files.exists(file) && Files.readString(file).contains(text)) {
                    return;
                }
            } catch (IOException e) {
                throw new RigException("cannot read " + file + ": " + e.getMessage(), e);
            }
            if (System.nanoTime() > deadline) {
                throw new RigException("the client capture " + file + " showed no \"" + text + "\" within " + limit);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RigException("interrupted", e);
            }
        }
    }

    public Path file() {
        return file;
    }

    /** Every frame captured so far that ends after {@code afterMonoMs}, in capture order, on CLOCK_MONOTONIC. */
    public List<Frame> framesAfter(double afterMonoMs) {
        double offsetMs = realtimeMinusMonotonicNs() / 1e6;
        List<Frame> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new RigException("cannot read the client capture " + file + ": " + e.getMessage(), e);
        }
        for (String l : lines) {
            Frame f = parse(l, offsetMs);
            if (f != null && f.monoMs() > afterMonoMs) {
                out.add(f);
            }
        }
        return out;
    }

    /** The first frame from {@code mac} after {@code afterMonoMs} of {@code kind}. */
    public Optional<Frame> first(String mac, Kind kind, double afterMonoMs) {
        return framesAfter(afterMonoMs).stream().filter(f -> f.srcMac().equalsIgnoreCase(mac) && f.kind() == kind)
                .findFirst();
    }

    /** One tcpdump line as a frame; null for anything else (tcpdump's own messages, a line cut short). */
    Frame parse(String line, double offsetMs) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            return null;
        }
        double mono = Double.parseDouble(m.group(1)) * 1000.0 - offsetMs;
        String src = m.group(2);
        String dst = m.group(3);
        String rest = m.group(5);
        Kind kind = Kind.OTHER;
        if (m.group(4).equals("IPv4") && dst.equalsIgnoreCase(clientMac)
                && (rest.startsWith(vip + " > " + clientIp) || rest.startsWith(vip + ".") && rest.contains(" > " + clientIp + "."))) {
            kind = Kind.ANSWER;
        } else if (m.group(4).equals("ARP") && (rest.startsWith("Reply " + vip + " is-at ")
                || rest.startsWith("Request who-has " + vip + " ") && rest.contains(" tell " + vip + ","))) {
            kind = dst.equalsIgnoreCase(clientMac) ? Kind.ANSWER : dst.equals("ff:ff:ff:ff:ff:ff") ? Kind.ANNOUNCE
                    : Kind.OTHER;
        }
        return new Frame(mono, src, dst, kind);
    }

    /** CLOCK_REALTIME − CLOCK_MONOTONIC in ns, from the tightest of 20 back-to-back readings. */
    public static long realtimeMinusMonotonicNs() {
        long best = Long.MAX_VALUE;
        long offset = 0;
        for (int i = 0; i < 20; i++) {
            long a = System.nanoTime();
            Instant now = Instant.now();
            long b = System.nanoTime();
            if (b - a < best) {
                best = b - a;
                offset = now.getEpochSecond() * 1_000_000_000L + now.getNano() - (a + (b - a) / 2);
            }
        }
        return offset;
    }

    @Override
    public void close() {
        if (ping != null) {
            ping.killTree();
        }
        if (tcpdump != null) {
            tcpdump.killTree();
        }
    }
}
