package vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.config.ConfigFixture.dump;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code node.http}: off unless present; HTTPS with a certificate and its key, both readable files. */
class HttpConfigTest {
    @TempDir
    Path dir;
    ConfigFixture fx;

    @BeforeEach
    void setUp() {
        fx = new ConfigFixture(dir);
    }

    LoadResult load(String http) {
        return fx.load(ConfigFixture.VALID + http);
    }

    @Test
    void offUnlessPresentAndPlainByDefault() {
        LoadResult off = load("");
        assertTrue(off.ok(), dump(off));
        assertEquals(HttpSettings.OFF, off.config().orElseThrow().node().http());
        LoadResult on = load("  http:\n    listen: 10.232.1.11\n");
        assertTrue(on.ok(), dump(on));
        assertEquals(HttpSettings.plain("10.232.1.11", 8008), on.config().orElseThrow().node().http());
    }

    @Test
    void httpsWithACertificateAndItsKey() {
        Path cert = fx.write("http.crt", "-----BEGIN CERTIFICATE-----\n");
        Path key = fx.write("http.key", "-----BEGIN PRIVATE KEY-----\n");
        LoadResult r = load("  http:\n    listen: 0.0.0.0\n    port: 8443\n    tls_certificate: " + cert
                + "\n    tls_key: " + key + "\n");
        assertTrue(r.ok(), dump(r));
        HttpSettings h = r.config().orElseThrow().node().http();
        assertEquals(new HttpSettings(true, "0.0.0.0", 8443, Optional.of(cert), Optional.of(key)), h);
        assertTrue(h.tls());
    }

    @Test
    void badInputIsReportedWithItsLineAndWhatToDo() {
        ConfigFixture.assertError(load("  http:\n    port: 8008\n"), "node.http.listen", 15, 3,
                "missing required setting — add \"listen:\" under node.http");
        Path cert = fx.write("http.crt", "x");
        ConfigFixture.assertError(load("  http:\n    listen: 0.0.0.0\n    tls_certificate: " + cert + "\n"),
                "node.http.tls_certificate", 17, 22, "tls_certificate without tls_key — HTTPS needs both");
        ConfigFixture.assertError(load("  http:\n    listen: 0.0.0.0\n    tls_certificate: " + cert
                        + "\n    tls_key: /nonexistent/http.key\n"), "node.http.tls_key", 18, 14,
                "/nonexistent/http.key is not a readable file");
        ConfigFixture.assertError(load("  http:\n    listen: 0.0.0.0\n    port: 70000\n"), "node.http.port", 17, 11, "out of range");
    }
}
