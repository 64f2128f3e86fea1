package vigil.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Peer-traffic protection. Invariant (checked by the loader): exactly one of {@code keyFile}
 * present or {@code insecure}; a present key file was private (mode &amp; 077 == 0) and held
 * base64 of 16, 24 or 32 bytes when the config was loaded.
 */
public record SecuritySettings(Optional<Path> keyFile, boolean insecure) {}
