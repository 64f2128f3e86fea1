package vigil.daemon.fence;

/**
 * One call of one fence agent.
 *
 * @param agent      the agent's path (its whole argv: everything else went on stdin)
 * @param exit       its exit status; {@link vigil.daemon.exec.BoundedCommand#KILLED} when killed at its timeout or the
 *                   overall deadline, {@link vigil.daemon.exec.BoundedCommand#NOT_RUN} when it could not be started
 *                   (or its password file could not be read)
 * @param output     the tail of what it printed, with the device's password (when vigild read one) masked
 */
public record DeviceRun(int level, String device, String agent, String action, int exit, long durationMs,
                        String output) {}
