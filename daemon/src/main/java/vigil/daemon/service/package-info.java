/**
 * Service actions: commands run on this node when it acquires or releases a VIP or when its PostgreSQL is promoted
 * or demoted (e.g. restarting the MAAS daemons that must bind the VIP). Invariants: asking for them never blocks the
 * caller (a bounded queue; when full, the request is dropped and a warning logged); one worker runs them in the order
 * asked, so every action of an earlier trigger has ended before one of a later trigger starts; each attempt is bounded
 * by its timeout (the command and every process it started are killed), failed attempts are retried after a doubling
 * backoff, and every attempt and every action's outcome is logged. A failed action is an event, never a reason to
 * hold a VIP or the node's loop.
 */
package vigil.daemon.service;
