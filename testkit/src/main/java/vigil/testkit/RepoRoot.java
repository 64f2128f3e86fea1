package vigil.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout that holds {@code bin/vigild}: -Dvigil.repo, else walking up from the working directory. */
public final class RepoRoot {
    private RepoRoot() {
    }

    public static Path locate() {
        String prop = System.getProperty("vigil.repo");
        if (prop != null && !prop.isBlank()) {
            Path p = Path.of(prop).toAbsolutePath().normalize();
            if (!Files.isRegularFile(p.resolve("bin/vigild"))) {
                throw new RigException("-Dvigil.repo=" + prop + " has no bin/vigild");
            }
            return p;
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("bin/vigild"))) {
                return p;
            }
        }
        throw new RigException("no bin/vigild in " + start + " or any parent: run from the vigil checkout "
                + "(or pass -Dvigil.repo=DIR) and build it with mvn -DskipTests package");
    }
}
