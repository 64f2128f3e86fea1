/**
 * Event hooks (Pacemaker's alerts): operator executables run for every event the node logs at notice or above.
 * Invariant: a hook never delays the daemon. Events are queued (bounded; when full, new events are dropped and
 * counted) and run one at a time, in order, on one thread of their own; each run is bounded by its timeout, after
 * which the hook and every process it started are killed; each outcome is logged with argv, exit code and duration.
 */
package vigil.daemon.hook;
