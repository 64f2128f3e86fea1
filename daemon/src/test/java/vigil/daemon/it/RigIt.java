package vigil.daemon.it;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/** What every namespace IT shares: the host check and the logs printed when a case fails. */
final class RigIt {
    private RigIt() {}

    /**
     * Skips the class when the host cannot run the rig (not root, no ip, no PostgreSQL), unless
     * {@code -Dvigil.rig.required=true}, which turns the skip into a failure (CI runs as root and must really run it).
     */
    static void assumeHost(String test, Optional<String> problem) {
        if (problem.isPresent() && Boolean.getBoolean("vigil.rig.required")) {
            fail("-Dvigil.rig.required=true but the rig cannot run: " + problem.get());
        }
        assumeTrue(problem.isEmpty(), () -> test + " skipped: " + problem.orElse(""));
    }

    /** Prints {@code logs} (null: nothing to print yet) under the failed case's name. */
    static TestWatcher dumpOnFailure(Supplier<String> logs) {
        return new TestWatcher() {
            @Override
            public void testFailed(ExtensionContext context, Throwable cause) {
                String text = logs.get();
                if (text != null) System.err.println("==== " + context.getDisplayName() + " failed; " + text);
            }
        };
    }
}
