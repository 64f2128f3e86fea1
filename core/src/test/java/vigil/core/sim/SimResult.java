package vigil.core.sim;

/** What one schedule did: enough to spot a run that was too quiet to prove anything. */
record SimResult(long seed, long events, long recoveryMs, long maxTerm, int leaderships) {}
