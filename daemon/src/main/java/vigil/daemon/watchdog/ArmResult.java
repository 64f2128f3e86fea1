package vigil.daemon.watchdog;

/**
 * What {@link Watchdog#arm()} achieved. Only an {@link #armed()} result may be announced to peers as an armed
 * watchdog, and only with {@link #effectiveTimeoutMs()}: the longest time from the last kick to the reset.
 *
 * @param timeoutSeconds     the device's timeout as read back (the configured one for a device without timeout
 *                           control; 0 when not armed)
 * @param effectiveTimeoutMs {@code timeoutSeconds} plus the configured reset slack (0 when not armed)
 * @param detail             why, in words, for logs and status
 */
public record ArmResult(Outcome outcome, Reason reason, String device, int timeoutSeconds, long effectiveTimeoutMs,
                        String detail) {

    public enum Outcome {
        /** The device took the timeout (WDIOC_SETTIMEOUT) and reported it back (WDIOC_GETTIMEOUT). */
        ARMED,
        /**
         * Not a watchdog device: a FIFO or a file (a test fake) answered ENOTTY. Kicks are written to it, the
         * configured timeout is assumed, and whatever reads it decides whether a reset happens.
         */
        ARMED_WITHOUT_TIMEOUT_CONTROL,
        /** {@code mode: off}: the device is never touched. */
        OFF,
        /** {@code mode: auto} and the device is missing or cannot be armed: vigild runs without a watchdog. */
        UNAVAILABLE,
        /** {@code mode: required} and the device cannot be armed: vigild must not run (exit 1). */
        FAILED
    }

    /** Why the outcome is what it is; logged as {@code reason=}. */
    public enum Reason {
        /** ARMED: the timeout was set and read back. */
        TIMEOUT_SET,
        /** ARMED_WITHOUT_TIMEOUT_CONTROL: a FIFO or file that answered ENOTTY. */
        NOT_A_WATCHDOG_DEVICE,
        /** OFF. */
        MODE_OFF,
        /** The device path does not exist. */
        DEVICE_MISSING,
        /** open() failed: no reader on a FIFO (ENXIO), in use (EBUSY), permissions... */
        OPEN_FAILED,
        /** A character device that cannot set its timeout (ENOTTY, EOPNOTSUPP, EINVAL...): its timeout is unknown. */
        NO_TIMEOUT_CONTROL,
        /** The device runs with a longer timeout than the configured one (or none). */
        TIMEOUT_NOT_HONOURED,
        /** JNA or libc cannot be used on this platform or installation. */
        NATIVE_UNAVAILABLE
    }

    /** True when the device is open and counting: the node may announce an armed watchdog. */
    public boolean armed() {
        return outcome == Outcome.ARMED || outcome == Outcome.ARMED_WITHOUT_TIMEOUT_CONTROL;
    }

    /** True when vigild must stop ({@code mode: required} and no watchdog). */
    public boolean fatal() {
        return outcome == Outcome.FAILED;
    }
}
