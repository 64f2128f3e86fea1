package vigil.daemon.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.AutoComplete;

/**
 * {@code bash-completion/vigilctl} is picocli's completion script for the command line as it is: a command or option
 * added without it being regenerated fails here. Regenerate with
 * {@code mvn -pl daemon test -Dtest=CompletionTest -Dvigil.writeCompletion=true} (from the repository root).
 */
class CompletionTest {
    private static final Path SCRIPT = Path.of("").toAbsolutePath().getParent().resolve("bash-completion/vigilctl");

    static String generated() {
        return AutoComplete.bash("vigilctl", Vigilctl.commandLine(new Vigilctl(name -> null, Duration.ofSeconds(5)), null));
    }

    @Test
    void theShippedScriptMatchesTheCommandLine() throws Exception {
        String script = generated();
        if (Boolean.getBoolean("vigil.writeCompletion")) {
            Files.createDirectories(SCRIPT.getParent());
            Files.writeString(SCRIPT, script);
        }
        assertTrue(Files.exists(SCRIPT), SCRIPT + " is missing: regenerate it (see this test's comment)");
        assertEquals(script, Files.readString(SCRIPT), SCRIPT + " is stale: regenerate it (see this test's comment)");
        for (String command : new String[] {"status", "check", "history", "version", "fence", "confirm-down"}) {
            assertTrue(script.contains(command), "completes " + command);
        }
    }
}
