package vigil.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel's boot id: the monotonic clock (vigild's clock) is comparable across restarts of vigild only within one
 * boot, so a time persisted on disk (the reclaim window) is trusted only when the boot id still matches.
 */
final class BootId {
    private BootId() {}

    static String read() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return "unknown-boot-" + ProcessHandle.current().pid(); // never equal to a persisted one: no reclaim trusted
        }
    }
}
