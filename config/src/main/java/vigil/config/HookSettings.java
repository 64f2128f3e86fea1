package vigil.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * One entry of {@code node.hooks}: an executable that vigild runs for every event it logs at notice or above, with
 * the event in {@code VIGIL_*} environment variables; killed (with what it started) after {@code timeout}.
 *
 * @param recipient passed as {@code VIGIL_RECIPIENT} (a mail address, a log file: the hook decides)
 */
public record HookSettings(Path path, Duration timeout, Optional<String> recipient) {}
