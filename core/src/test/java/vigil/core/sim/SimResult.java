package vigil.core.sim;

/**
 * What one schedule did: enough to spot a run that was too quiet to prove anything.
 *
 * @param counts how often each kind of thing happened (faults injected, promotions, fences, watchdog resets...)
 */
record SimResult(long seed, long events, long recoveryMs, long maxTerm, int leaderships, SimCounts counts) {}
