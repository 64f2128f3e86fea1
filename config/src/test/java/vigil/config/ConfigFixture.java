package vigil.config;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.stream.Collectors;

/** Writes test configs into a temporary directory; {@code KEY} in the text becomes a valid private key file. */
final class ConfigFixture {
    final Path dir;
    final Path keyFile;

    ConfigFixture(Path dir) {
        this.dir = dir;
        this.keyFile = dir.resolve("cluster.key");
        writeKey(keyFile, 32, "rw-------");
    }

    static final String VALID = """
            cluster:
              name: maas
              nodes:
                - name: n1
                  address: 10.232.1.11
                - name: n2
                  address: 10.232.1.12
                - name: w1
                  address: 10.232.1.13
                  role: witness
              security:
                key_file: KEY
            node:
              name: n1
            """;

    static void writeKey(Path file, int bytes, String mode) {
        try {
            byte[] key = new byte[bytes];
            for (int i = 0; i < bytes; i++) {
                key[i] = (byte) (i * 37 + 11);
            }
            Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path write(String name, String yaml) {
        try {
            Path f = dir.resolve(name);
            Files.writeString(f, yaml.replace("KEY", keyFile.toString()).replace("DIR", dir.toString()));
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A valid replication password file (one line, mode 0600) in the fixture's directory. */
    Path replicationPasswordFile() {
        Path p = write("replication.pass", "s3cret-pw\n");
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    LoadResult load(String yaml) {
        return ConfigLoader.load(write("vigil.yaml", yaml), "n1");
    }

    static String dump(LoadResult r) {
        return r.problems().stream().map(Problem::toString).collect(Collectors.joining("\n  ", "\n  ", ""));
    }

    /** Asserts a problem with exactly this severity, path and line (and column when > 0) whose message contains {@code text}. */
    static Problem assertProblem(LoadResult r, Problem.Severity severity, String path, int line, int column, String text) {
        return r.problems().stream()
                .filter(p -> p.severity() == severity && p.path().equals(path) && p.line() == line
                        && (column <= 0 || p.column() == column) && p.message().contains(text))
                .findFirst()
                .orElseGet(() -> fail("expected " + severity + " at " + path + " " + line + ":" + column
                        + " containing \"" + text + "\", got:" + dump(r)));
    }

    static Problem assertError(LoadResult r, String path, int line, int column, String text) {
        return assertProblem(r, Problem.Severity.ERROR, path, line, column, text);
    }
}
