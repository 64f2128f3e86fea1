/**
 * Fencing another node through fence agents (Debian's fence-agents: {@code fence_ipmilan}, {@code fence_virsh}, ...)
 * speaking their stdin protocol, by levels; only an {@code off} confirmed by a {@code status} of OFF is a proof.
 */
package vigil.daemon.fence;
