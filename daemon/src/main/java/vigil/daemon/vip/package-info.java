/**
 * Virtual IPs on this host: {@code ip addr} and gratuitous ARP with iputils' {@code arping}. The mechanism only; the
 * decision who holds which VIP (after promote, before demote, inside the self-fence path) belongs to the node step
 * and is not written yet.
 */
package vigil.daemon.vip;
