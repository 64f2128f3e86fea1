package vigil.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vigil.config.HttpSettings;
import vigil.core.ha.Routing;

/**
 * The HTTP endpoint's protocol on a real socket (127.0.0.1, a port the system picks), with the checks' answers stubbed:
 * 200 or 503 with the reason, {@code lag} parsed into bytes, and everything else refused with its status and nothing
 * served. What the checks answer is {@code RoutingTest}'s; the endpoint in a running cluster is {@code HttpChecksIT}'s.
 */
class HttpEndpointTest {
    record Asked(Checks.Check check, Long lag) {}

    private final List<Asked> asked = new CopyOnWriteArrayList<>();
    private volatile boolean primary = true;
    private HttpEndpoint endpoint;

    private final HttpRequests.Answers answers = new HttpRequests.Answers() {
        @Override
        public Routing.Answer answer(Checks.Check check, Long lag) {
            asked.add(new Asked(check, lag));
            boolean ok = check == Checks.Check.PRIMARY ? primary : check != Checks.Check.SYNC;
            return new Routing.Answer(ok, ok ? "yes \"quoted\"" : "this node does not lead (the leader is n2)");
        }

        @Override
        public String node() {
            return "n1";
        }
    };

    @AfterEach
    void stop() {
        if (endpoint != null) endpoint.close();
    }

    private InetSocketAddress start() {
        endpoint = HttpEndpoint.start(HttpSettings.plain("127.0.0.1", 0), answers, () -> "vigil_term 7.0\n");
        return endpoint.address();
    }

    /** Sends {@code raw} and reads the whole answer (the endpoint closes after it). */
    static String exchange(InetSocketAddress at, String raw) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(at, 2000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return readAll(s.getInputStream());
        }
    }

    static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        return b.toString(StandardCharsets.UTF_8);
    }

    static String get(InetSocketAddress at, String method, String target) throws IOException {
        return exchange(at, method + " " + target + " HTTP/1.1\r\nHost: vigil\r\n\r\n");
    }

    @Test
    void aCheckAnswers200Or503WithItsReason() throws IOException {
        InetSocketAddress at = start();
        String yes = get(at, "GET", "/primary");
        assertTrue(yes.startsWith("HTTP/1.1 200 OK\r\n"), yes);
        assertTrue(yes.contains("content-type: application/json"), yes);
        assertTrue(yes.endsWith("{\"node\":\"n1\",\"check\":\"primary\",\"ok\":true,\"reason\":\"yes \\\"quoted\\\"\"}\n"), yes);
        primary = false;
        String no = get(at, "GET", "/primary");
        assertTrue(no.startsWith("HTTP/1.1 503 Service Unavailable\r\n"), no);
        assertTrue(no.contains("\"ok\":false,\"reason\":\"this node does not lead (the leader is n2)\""), no);
        String options = get(at, "OPTIONS", "/primary");
        assertTrue(options.startsWith("HTTP/1.1 503 "), "HAProxy's default check method: " + options);
        String head = get(at, "HEAD", "/replica");
        assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n") && head.endsWith("\r\n\r\n"), "headers only: " + head);
        assertTrue(get(at, "GET", "/sync").startsWith("HTTP/1.1 503 "));
        assertTrue(get(at, "GET", "/leader").startsWith("HTTP/1.1 200 "));
        assertTrue(get(at, "GET", "/health").startsWith("HTTP/1.1 200 "));
        String metrics = get(at, "GET", "/metrics");
        assertTrue(metrics.startsWith("HTTP/1.1 200 ") && metrics.contains("content-type: " + HttpRequests.PROMETHEUS_TYPE)
                && metrics.endsWith("vigil_term 7.0\n"), metrics);
    }

    @Test
    void replicaTakesAMaximumLagInBytesOrWithAUnit() throws IOException {
        InetSocketAddress at = start();
        for (String lag : List.of("16MB", "16mb", "16777216", "16384kB", "16777216B")) {
            asked.clear();
            assertTrue(get(at, "GET", "/replica?lag=" + lag).startsWith("HTTP/1.1 200 "), lag);
            assertEquals(List.of(new Asked(Checks.Check.REPLICA, 16L << 20)), asked, lag);
        }
        asked.clear();
        get(at, "GET", "/replica");
        assertEquals(List.of(new Asked(Checks.Check.REPLICA, null)), asked);
        assertEquals(1L << 30, HttpRequests.bytes("1GB"));
    }

    @Test
    void whatIsNotACheckIsRefusedAndNothingElseIsServed() throws IOException {
        InetSocketAddress at = start();
        assertBad(get(at, "GET", "/replica?lag=lots"), "400 Bad Request", "lag=lots is not a size");
        assertBad(get(at, "GET", "/replica?lag=1MB&lag=2MB"), "400 Bad Request", "lag given 2 times");
        assertBad(get(at, "GET", "/primary?lag=1MB"), "400 Bad Request", "parameter lag is not understood by /primary (it takes none)");
        assertBad(get(at, "GET", "/replica?debug=1"), "400 Bad Request", "parameter debug is not understood by /replica (only lag)");
        assertBad(get(at, "GET", "/metrics?x=1"), "400 Bad Request", "/metrics takes no parameters");
        assertBad(get(at, "GET", "/etc/passwd"), "404 Not Found", "no such check: /etc/passwd");
        assertBad(get(at, "GET", "/primary/../metrics"), "404 Not Found", "no such check");
        String post = get(at, "POST", "/primary");
        assertBad(post, "405 Method Not Allowed", "only GET, HEAD and OPTIONS");
        assertTrue(post.contains("allow: GET, HEAD, OPTIONS"), post);
        assertBad(exchange(at, "GET /primary HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"), "400 Bad Request",
                "a check takes no body");
        assertBad(exchange(at, "GARBAGE\r\n\r\n"), "400 Bad Request", "malformed request");
        assertBad(exchange(at, "GET /" + "x".repeat(2000) + " HTTP/1.1\r\n\r\n"), "414 Request-URI Too Long",
                "request line over 1 KiB");
        assertBad(exchange(at, "GET /primary HTTP/1.1\r\nX-Pad: " + "x".repeat(5000) + "\r\n\r\n"),
                "431 Request Header Fields Too Large", "headers over 4 KiB");
        assertTrue(exchange(at, "GET /primary HTTP/1.1\r\nContent-Length: 2000\r\n\r\n" + "x".repeat(2000))
                .startsWith("HTTP/1.1 413 "), "a body over 1 KiB");
        assertEquals(List.of(), asked.stream().filter(a -> a.check() != Checks.Check.PRIMARY || a.lag() != null).toList(),
                "no refused request reached a check");
    }

    /**
     * A client that holds connections open (trickling bytes, or sending nothing) is cut off at the deadline from accept,
     * and one source cannot take every connection: the checks of the load balancers still get through.
     */
    @Test
    void connectionsAreBoundedInTimeAndPerSource() throws Exception {
        endpoint = HttpEndpoint.start(HttpSettings.plain("127.0.0.1", 0), answers, () -> "", java.time.Duration.ofMillis(400));
        InetSocketAddress at = endpoint.address();
        List<Socket> held = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < HttpEndpoint.MAX_PER_SOURCE; i++) {
                Socket s = new Socket();
                s.connect(at, 2000);
                s.getOutputStream().write('G'); // a request that never ends
                held.add(s);
            }
            Socket extra = new Socket();
            extra.connect(at, 2000);
            extra.setSoTimeout(2000);
            assertEquals(-1, extra.getInputStream().read(), "over the cap for one source: closed at once");
            extra.close();
            long start = System.nanoTime();
            Socket trickling = held.get(0);
            trickling.setSoTimeout(3000);
            for (int i = 0; i < 3 && !trickling.isClosed(); i++) {
                try {
                    trickling.getOutputStream().write('E'); // keeps sending: no idle timeout would fire
                } catch (IOException closed) {
                    break;
                }
                Thread.sleep(150);
            }
            assertEquals(-1, trickling.getInputStream().read(), "closed by the deadline, though it kept sending");
            double waited = (System.nanoTime() - start) / 1e6;
            assertTrue(waited < 2000, "closed " + waited + " ms after the test began waiting");
            // once the deadline freed them, the checks are served again
            long until = System.nanoTime() + 3_000_000_000L;
            String again = "";
            while (System.nanoTime() < until && !again.startsWith("HTTP/1.1 200")) again = get(at, "GET", "/leader");
            assertTrue(again.startsWith("HTTP/1.1 200 "), again);
        } finally {
            for (Socket s : held) s.close();
        }
    }

    private static void assertBad(String response, String status, String reason) {
        assertTrue(response.startsWith("HTTP/1.1 " + status + "\r\n"), response);
        assertTrue(response.contains(reason), response);
    }

    @Test
    void httpsWithTheConfiguredCertificate(@TempDir Path dir) throws Exception {
        Path cert = dir.resolve("http.crt");
        Path key = dir.resolve("http.key");
        Process openssl;
        try {
            openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=vigil-test",
                    "-days", "1", "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("openssl not installed: " + e.getMessage());
            return;
        }
        readAll(openssl.getInputStream());
        assertEquals(0, openssl.waitFor());
        endpoint = HttpEndpoint.start(new HttpSettings(true, "127.0.0.1", 0, Optional.of(cert), Optional.of(key)), answers,
                () -> "");
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) { }

            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {
                assertEquals("CN=vigil-test", c[0].getSubjectX500Principal().getName());
            }

            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        InetSocketAddress at = endpoint.address();
        try (Socket s = tls.getSocketFactory().createSocket(at.getHostString(), at.getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /leader HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String r = readAll(s.getInputStream());
            assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n"), r);
        }
        String plain = exchange(at, "GET /leader HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(!plain.contains("200 OK"), "plain HTTP is not served on an HTTPS endpoint: " + plain);
    }
}
