package vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** {@code node.hooks}: what is run, and that nobody but root can change what is run. */
class HookConfigTest {
    @TempDir
    Path dir;
    ConfigFixture fx;
    Path hook;

    @BeforeEach
    void setUp() throws Exception {
        fx = new ConfigFixture(dir);
        Path bin = Files.createDirectory(dir.resolve("hooks"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        hook = bin.resolve("log-event");
        Files.writeString(hook, "#!/bin/sh\n");
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** ConfigFixture.VALID ends with node.name on line 14; the hook list starts on line 15, its first path on 16. */
    LoadResult load(Path path, String more) {
        return fx.load(ConfigFixture.VALID + "  hooks:\n    - path: " + path + "\n" + more);
    }

    @Test
    void hooksAreReadWithDefaults() {
        LoadResult r = load(hook, "    - {path: " + hook + ", timeout: 2s, recipient: ops@example.org}\n");
        assertTrue(r.ok(), dump(r));
        assertEquals(List.of(new HookSettings(hook, Duration.ofSeconds(10), Optional.empty()),
                new HookSettings(hook, Duration.ofSeconds(2), Optional.of("ops@example.org"))), r.config().orElseThrow().node().hooks());
    }

    @Test
    void aMissingHookIsAnError() {
        assertError(load(dir.resolve("nope"), ""), "node.hooks[0].path", 16, 13, "hook " + dir.resolve("nope")
                + " does not exist — install it there");
    }

    @Test
    void aHookThatIsNotExecutableIsAnError() throws Exception {
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rw-r--r--"));
        assertError(load(hook, ""), "node.hooks[0].path", 16, 13, "is not executable — run: chmod 755 " + hook);
    }

    @Test
    void aHookOthersMayRewriteIsAnError() throws Exception {
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxrwxr-x"));
        assertError(load(hook, ""), "node.hooks[0].path", 16, 13, "is writable by group or others — run: chmod go-w " + hook);
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(hook.getParent(), PosixFilePermissions.fromString("rwxrwxrwx"));
        assertError(load(hook, ""), "node.hooks[0].path", 16, 13, "which anyone can write to (they could replace it)");
    }

    @Test
    void aDirectoryIsNoHook() {
        assertError(load(hook.getParent(), ""), "node.hooks[0].path", 16, 13, "is not a regular file");
    }

    @Test
    void aHookNeedsAPath() {
        LoadResult r = fx.load(ConfigFixture.VALID + "  hooks:\n    - timeout: 5s\n");
        assertError(r, "node.hooks[0].path", 16, 7, "missing required setting — add \"path:\"");
    }
}
