package vigil.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The core decides and never acts: no IO, no threads, no clocks, no libraries. That is what makes a schedule
 * replayable by seed. This test keeps it so.
 */
class CorePurityTest {
    private static final Pattern FORBIDDEN = Pattern.compile(
            "^import (java\\.io|java\\.nio|java\\.net|java\\.sql|java\\.util\\.concurrent|java\\.time\\.Clock|org\\.|io\\.|com\\.)"
                    + "|Thread\\.|ProcessBuilder|Runtime\\.getRuntime|System\\.(currentTimeMillis|nanoTime|getenv|out|err)"
                    + "|new Random\\(|Math\\.random|synchronized|Instant\\.now|LocalDateTime\\.now",
            Pattern.MULTILINE);

    @Test
    void coreSourcesDoNoIoAndReadNoClock() throws IOException {
        List<String> offences = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                var m = FORBIDDEN.matcher(Files.readString(f));
                while (m.find()) offences.add(f + ": " + m.group());
            }
        }
        assertEquals(List.of(), offences);
    }

    @Test
    void coreHasNoRuntimeDependencies() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        String deps = pom.replaceAll("(?s)<!--.*?-->", "");
        assertTrue(!deps.contains("<dependency>"), "core/pom.xml must declare no dependencies; found: " + deps);
    }
}
