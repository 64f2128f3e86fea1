package vigil.daemon.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SharedKeyTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(ints = {16, 24, 32})
    void readsOneLineOfBase64WithTrailingNewline(int length) throws Exception {
        byte[] key = PeerFixture.key(9, length);
        Path f = write(Base64.getEncoder().encodeToString(key) + "\n");
        assertArrayEquals(key, PeerChannel.readKeyFile(f));
    }

    @Test
    void rejectsInvalidBase64() throws Exception {
        Path f = write("this is not base64!\n");
        assertMessage(f, "not valid base64", "head -c 32 /dev/urandom | base64");
    }

    @Test
    void rejectsWrongKeyLength() throws Exception {
        Path f = write(Base64.getEncoder().encodeToString(new byte[20]) + "\n");
        assertMessage(f, "decodes to 20 bytes", "16, 24 or 32");
    }

    @Test
    void rejectsEmptyFile() throws Exception {
        assertMessage(write("\n"), "is empty");
    }

    @Test
    void rejectsMoreThanOneLine() throws Exception {
        String line = Base64.getEncoder().encodeToString(new byte[16]);
        assertMessage(write(line + "\n" + line + "\n"), "exactly one line");
    }

    @Test
    void rejectsMissingFile() {
        assertMessage(dir.resolve("absent.key"), "does not exist");
    }

    @Test
    void settingsRejectABadKeyLengthAndAnUnknownSelf() throws Exception {
        PeerFixture f = new PeerFixture("n1");
        PeerSettings ok = f.settings("n1", java.util.Optional.empty());
        assertThrows(IllegalArgumentException.class, () -> new PeerSettings(ok.clusterName(), "n1", ok.bindAddress(),
                ok.bindPort(), ok.peers(), java.util.Optional.of(new byte[10]), ok.heartbeatInterval(),
                ok.failureDetectionTimeout(), ok.suspectVerifyTimeout(), ok.joinTimeout()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PeerSettings(
                ok.clusterName(), "n9", ok.bindAddress(), ok.bindPort(), ok.peers(), ok.sharedKey(),
                ok.heartbeatInterval(), ok.failureDetectionTimeout(), ok.suspectVerifyTimeout(), ok.joinTimeout()));
        assertTrue(e.getMessage().contains("n9"), e.getMessage());
    }

    private Path write(String content) throws IOException {
        Path f = dir.resolve("cluster.key");
        Files.writeString(f, content, StandardCharsets.US_ASCII);
        return f;
    }

    private static void assertMessage(Path f, String... fragments) {
        PeerChannelException e = assertThrows(PeerChannelException.class, () -> PeerChannel.readKeyFile(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        for (String frag : fragments)
            assertTrue(e.getMessage().contains(frag), () -> "\"" + frag + "\" missing from: " + e.getMessage());
    }
}
