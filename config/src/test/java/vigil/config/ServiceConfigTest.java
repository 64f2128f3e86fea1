package vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.config.ConfigFixture.assertError;
import static vigil.config.ConfigFixture.dump;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vigil.config.ServiceActionSettings.Trigger;

/** {@code node.services} and {@code node.service_preset}: what runs, in which order, and what is refused. */
class ServiceConfigTest {
    @TempDir
    Path dir;
    ConfigFixture fx;
    Path program;

    @BeforeEach
    void setUp() throws Exception {
        fx = new ConfigFixture(dir);
        Path bin = Files.createDirectory(dir.resolve("bin"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        program = bin.resolve("reload-dns");
        Files.writeString(program, "#!/bin/sh\n");
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** ConfigFixture.VALID ends with node.name on line 14; {@code more} starts on line 15. */
    LoadResult load(String more) {
        return fx.load(ConfigFixture.VALID + more);
    }

    List<ServiceActionSettings> services(String more) {
        LoadResult r = load(more);
        assertTrue(r.ok(), dump(r));
        return r.config().orElseThrow().node().services();
    }

    @Test
    void noServicesByDefault() {
        assertEquals(List.of(), services(""));
    }

    @Test
    void unitsAndCommandsAreReadWithDefaultsInOrder() {
        List<ServiceActionSettings> s = services("""
                  services:
                    - {on: acquired, vip: maas-region, unit: apache2}
                    - on: promoted
                      command: PROGRAM --flag 'two words' "and more"
                      timeout: 5s
                      retries: 0
                      backoff: 200ms
                """.replace("PROGRAM", program.toString()));
        assertEquals(List.of(
                new ServiceActionSettings(Trigger.ACQUIRED, Optional.of("maas-region"), List.of("systemctl", "restart", "apache2"),
                        "restart apache2", Duration.ofSeconds(30), 2, Duration.ofSeconds(1), "node.services[0]"),
                new ServiceActionSettings(Trigger.PROMOTED, Optional.empty(), List.of(program.toString(), "--flag", "two words",
                        "and more"), program + " --flag 'two words' \"and more\"", Duration.ofSeconds(5), 0,
                        Duration.ofMillis(200), "node.services[1]")), s);
    }

    @Test
    void aPresetsActionsComeFirst() {
        List<ServiceActionSettings> s = services("  service_preset: maas-2\n  services:\n    - {on: released, unit: squid}\n");
        assertEquals(List.of("restart apache2", "restart bind9", "restart maas-proxy", "restart squid"),
                s.stream().map(ServiceActionSettings::label).toList());
        assertEquals(List.of("node.service_preset maas-2", "node.service_preset maas-2", "node.service_preset maas-2",
                "node.services[0]"), s.stream().map(ServiceActionSettings::source).toList());
    }

    @Test
    void presetsExpandToTheDocumentedCommands() {
        assertEquals(List.of(), ServicePreset.NONE.actions());
        assertEquals(List.of(List.of("systemctl", "restart", "apache2"), List.of("systemctl", "restart", "bind9"),
                List.of("systemctl", "restart", "maas-proxy")), argvs(ServicePreset.MAAS_2));
        assertEquals(List.of(List.of("rndc", "-c", "/etc/bind/maas/rndc.conf.maas", "reconfig")), argvs(ServicePreset.MAAS_3));
        assertEquals(List.of(List.of("curl", "--silent", "--show-error", "--fail", "--unix-socket",
                "/var/snap/maas/common/pebble/.pebble.socket", "--header", "Content-Type: application/json", "--data",
                "{\"action\":\"restart\",\"services\":[\"bind9\"]}", "http://localhost/v1/services")),
                argvs(ServicePreset.MAAS_SNAP));
        for (ServicePreset p : ServicePreset.values()) {
            for (ServiceActionSettings a : p.actions()) {
                assertEquals(Trigger.ACQUIRED, a.on(), p.word);
                assertEquals(Optional.empty(), a.vip(), p.word);
                assertEquals(Duration.ofSeconds(30), a.timeout(), p.word);
                assertEquals(2, a.retries(), p.word);
            }
        }
        assertEquals(List.of("rndc reconfig"), services("  service_preset: maas-3\n").stream().map(ServiceActionSettings::label).toList());
        assertEquals(List.of("pebble restart bind9"), services("  service_preset: maas-snap\n").stream()
                .map(ServiceActionSettings::label).toList());
    }

    static List<List<String>> argvs(ServicePreset p) {
        return p.actions().stream().map(ServiceActionSettings::argv).toList();
    }

    @Test
    void anUnknownPresetIsAnError() {
        assertError(load("  service_preset: maas-4\n"), "node.service_preset", 15, 0,
                "unknown preset \"maas-4\" — write none, maas-2");
    }

    @Test
    void anUnknownTriggerIsAnError() {
        assertError(load("  services:\n    - {on: started, unit: apache2}\n"), "node.services[0].on", 16, 0,
                "unknown trigger \"started\" — write acquired, released, promoted or demoted");
    }

    @Test
    void anEntryNeedsExactlyOneOfUnitAndCommand() {
        assertError(load("  services:\n    - {on: acquired}\n"), "node.services[0]", 16, 0,
                "no action given — add unit:");
        assertError(load("  services:\n    - {on: acquired, unit: apache2, command: " + program + "}\n"), "node.services[0]",
                16, 0, "both unit and command are given — keep one");
    }

    @Test
    void aVipFilterOnlyFitsVipTriggers() {
        assertError(load("  services:\n    - {on: promoted, vip: maas-region, unit: apache2}\n"), "node.services[0].vip", 16, 0,
                "vip only fits on: acquired or on: released — promoted concerns PostgreSQL");
        assertEquals(Optional.of("db"), services("  services:\n    - {on: released, vip: db, unit: apache2}\n").get(0).vip());
    }

    @Test
    void aTriggerIsRequired() {
        assertError(load("  services:\n    - {unit: apache2}\n"), "node.services[0].on", 16, 0, "missing required setting");
    }

    @Test
    void badUnitNamesAreErrors() {
        assertError(load("  services:\n    - {on: acquired, unit: --now}\n"), "node.services[0].unit", 16, 0,
                "\"--now\" is not a systemd unit name");
        assertError(load("  services:\n    - {on: acquired, unit: 'apache2 bind9'}\n"), "node.services[0].unit", 16, 0,
                "is not a systemd unit name");
    }

    @Test
    void commandsRunWithoutAShell() {
        assertError(load("  services:\n    - {on: acquired, command: '" + program + " | logger'}\n"),
                "node.services[0].command", 16, 0, "'|' means something only to a shell, and commands run without one");
        assertError(load("  services:\n    - {on: acquired, command: '" + program + " $HOME'}\n"),
                "node.services[0].command", 16, 0, "'$' means something only to a shell");
        assertError(load("  services:\n    - {on: acquired, command: '" + program + " \"x'}\n"),
                "node.services[0].command", 16, 0, "the quote \" is not closed");
        assertEquals(List.of(program.toString(), "a|b $x"),
                services("  services:\n    - on: acquired\n      command: " + program + " 'a|b $x'\n").get(0).argv());
    }

    @Test
    void theProgramIsAnAbsolutePathOnlyRootCanChange() throws Exception {
        assertError(load("  services:\n    - {on: acquired, command: rndc reconfig}\n"), "node.services[0].command", 16, 0,
                "the program \"rndc\" is not an absolute path — write its full path");
        assertError(load("  services:\n    - {on: acquired, command: " + dir.resolve("nope") + " x}\n"),
                "node.services[0].command", 16, 0, "program " + dir.resolve("nope") + " does not exist — install it");
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertError(load("  services:\n    - {on: acquired, command: " + program + "}\n"), "node.services[0].command", 16, 0,
                "is writable by group or others — run: chmod go-w " + program);
    }

    @Test
    void retriesAreBounded() {
        assertError(load("  services:\n    - {on: acquired, unit: apache2, retries: 11}\n"), "node.services[0].retries", 16, 0,
                "11 is out of range — retries must be between 0 and 10");
    }

    @Test
    void backoffDoublesAfterTheFirstRetry() {
        ServiceActionSettings a = ServiceActionSettings.restart(Trigger.ACQUIRED, "x", "test");
        assertEquals(List.of(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4)),
                List.of(a.backoffBefore(1), a.backoffBefore(2), a.backoffBefore(3), a.backoffBefore(4)));
        assertThrows(IllegalArgumentException.class, () -> new ServiceActionSettings(Trigger.DEMOTED, Optional.of("v"),
                List.of("/bin/true"), "t", Duration.ofSeconds(1), 0, Duration.ofSeconds(1), "test"));
    }

    @Test
    void splittingKeepsQuotedWordsAndDropsTheQuotes() {
        assertEquals(List.of("/bin/echo", "a b", "", "c'd"), CommandLine.split("  /bin/echo\t'a b' '' \"c'd\"  "));
        assertEquals(List.of("/bin/x", "ab"), CommandLine.split("/bin/x a'b'"));
    }
}
