package vigil.config;

import java.util.List;
import java.util.Optional;

/**
 * Outcome of loading a config file: every problem found (sorted by position) and, when there is no
 * ERROR among them, the config. Warnings never withhold the config.
 */
public record LoadResult(Optional<VigilConfig> config, List<Problem> problems) {
    public LoadResult {
        problems = List.copyOf(problems);
    }

    /** True when no problem is an ERROR (warnings allowed); then {@link #config()} is present. */
    public boolean ok() {
        return problems.stream().noneMatch(p -> p.severity() == Problem.Severity.ERROR);
    }
}
