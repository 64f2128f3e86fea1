package vigil.testkit.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import vigil.testkit.NetnsRig;
import vigil.testkit.NodeProcess;

/**
 * A rate-limited HTTP client in the client namespace, as monitoring and load balancers would be, asking every node's
 * endpoint ({@code node.http}) in turn for {@code /primary}, {@code /replica}, {@code /health} and {@code /metrics},
 * one new connection per request, at most {@code perSecond} requests a second in all. It prints its counts by status
 * (and "error" for no answer within 0.5 s) as one JSON line a second; {@link #counts} is the last one.
 */
final class HttpLoad implements AutoCloseable {
    private static final String SCRIPT = String.join("\n",
            "import socket, sys, time, json",
            "rate = float(sys.argv[1]); port = int(sys.argv[2]); hosts = sys.argv[3:]",
            "paths = ['/primary', '/replica', '/health', '/metrics']",
            "counts = {}; i = 0; t0 = time.monotonic(); last = t0",
            "while True:",
            "    host = hosts[i % len(hosts)]; path = paths[(i // len(hosts)) % len(paths)]",
            "    try:",
            "        s = socket.create_connection((host, port), timeout=0.5)",
            "        s.sendall(('GET ' + path + ' HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n').encode())",
            "        head = s.recv(64); s.close()",
            "        code = head.split(b' ')[1].decode() if head.startswith(b'HTTP/') else 'bad'",
            "    except Exception:",
            "        code = 'error'",
            "    counts[code] = counts.get(code, 0) + 1; i += 1",
            "    now = time.monotonic()",
            "    if now - last >= 1:",
            "        print(json.dumps(counts), flush=True); last = now",
            "    wait = t0 + i / rate - time.monotonic()",
            "    if wait > 0: time.sleep(wait)",
            "");

    private final NetnsRig rig;
    private final NodeProcess process;
    private final Path log;

    private HttpLoad(NetnsRig rig, NodeProcess process, Path log) {
        this.rig = rig;
        this.process = process;
        this.log = log;
    }

    static HttpLoad start(NetnsRig rig, int port, int perSecond, Path log) {
        List<String> argv = new ArrayList<>(List.of("python3", "-c", SCRIPT, Integer.toString(perSecond),
                Integer.toString(port)));
        for (String n : rig.nodes()) argv.add(rig.address(n));
        return new HttpLoad(rig, rig.start(rig.clientNs(), argv, java.util.Map.of(), log), log);
    }

    /** The last counts line ("{}" before the first second). */
    String counts() {
        try {
            List<String> lines = Files.readAllLines(log).stream().filter(l -> l.startsWith("{")).toList();
            return lines.isEmpty() ? "{}" : lines.get(lines.size() - 1);
        } catch (IOException e) {
            return "{\"unreadable\": \"" + e.getMessage() + "\"}";
        }
    }

    @Override
    public void close() {
        rig.kill9(process.pid());
    }
}
