package vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.config.ConfigFixture.assertError;
import static vigil.config.ConfigFixture.dump;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyFileTest {
    @TempDir
    Path dir;
    ConfigFixture fx;

    @BeforeEach
    void setUp() {
        fx = new ConfigFixture(dir);
    }

    /** VALID's key_file value is on line 12, column 15. */
    private LoadResult loadWithKey(Path key) {
        return fx.load(ConfigFixture.VALID.replace("KEY", key.toString()));
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 24, 32})
    void acceptsAesKeySizes(int bytes) {
        Path key = dir.resolve("k" + bytes);
        ConfigFixture.writeKey(key, bytes, "r--------");
        LoadResult r = loadWithKey(key);
        assertTrue(r.ok(), dump(r));
        assertEquals(0, r.problems().size(), dump(r));
    }

    @Test
    void missingKeyFileExplainsHowToGenerateOne() {
        Path key = dir.resolve("absent.key");
        assertError(loadWithKey(key), "cluster.security.key_file", 12, 15,
                "key file " + key + " does not exist — generate one with: umask 077; head -c 32 /dev/urandom | base64 > " + key);
    }

    @Test
    void keyFileMustBeARegularFile() {
        assertError(loadWithKey(dir), "cluster.security.key_file", 12, 15, "is not a regular file");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-r-----", "rw----r--", "rw-rw-rw-", "rw-----w-"})
    void keyFileMustBePrivate(String mode) throws Exception {
        Files.setPosixFilePermissions(fx.keyFile, PosixFilePermissions.fromString(mode));
        assertError(fx.load(ConfigFixture.VALID), "cluster.security.key_file", 12, 15,
                "is accessible by group or others (mode " + mode + ") — run: chmod 600 " + fx.keyFile);
    }

    @Test
    void keyMustBeBase64() throws Exception {
        Files.writeString(fx.keyFile, "not base64 at all!\n");
        assertError(fx.load(ConfigFixture.VALID), "cluster.security.key_file", 12, 15, "is not valid base64");
    }

    @Test
    void keyMustHaveAnAesLength() {
        ConfigFixture.writeKey(fx.keyFile, 20, "rw-------");
        assertError(fx.load(ConfigFixture.VALID), "cluster.security.key_file", 12, 15,
                "holds 20 bytes — it must hold the base64 of 16, 24 or 32 bytes");
    }

    @Test
    void keyMustBeOneLine() throws Exception {
        Files.writeString(fx.keyFile, "AAAAAAAAAAAAAAAAAAAAAA==\nAAAAAAAAAAAAAAAAAAAAAA==\n");
        assertError(fx.load(ConfigFixture.VALID), "cluster.security.key_file", 12, 15, "has more than one line");
    }

    @Test
    void relativeKeyPathIsRejected() {
        assertError(fx.load(ConfigFixture.VALID.replace("KEY", "cluster.key")), "cluster.security.key_file", 12, 15,
                "\"cluster.key\" is a relative path");
    }
}
