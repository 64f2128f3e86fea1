package vigil.daemon.fence;

import java.util.List;

/**
 * What one fence request did.
 *
 * @param provenOff true only for action {@code off} when every device of one level exited 0 to {@code off} and then
 *                  answered OFF (exit 2) to {@code status}: the one outcome a promotion may rely on. A reboot, a
 *                  status, or an off not confirmed is never a proof.
 * @param action    {@code off}, {@code reboot} or {@code status}
 * @param runs      every agent call, in order
 * @param reason    one line: what succeeded, or which level and device failed and why (for logs and
 *                  {@code vigilctl status}); for {@code status} it starts with ON, OFF or UNKNOWN
 */
public record FenceResult(boolean provenOff, String target, String action, List<DeviceRun> runs, String reason) {
    public FenceResult {
        runs = List.copyOf(runs);
    }
}
