package vigil.daemon.peer;

import java.util.List;

import org.jgroups.EmptyMessage;
import org.jgroups.Message;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.MERGE3;
import org.jgroups.stack.IpAddress;
import org.jgroups.util.TimeScheduler;
import org.jgroups.util.Util;

/**
 * MERGE3 for a static member list: each round tells this member's view to every configured peer directly, at the
 * peer's configured address, instead of finding the peers by a discovery round first.
 *
 * <p>Why: MERGE3 heals split views by having every member send an INFO (its view id, logical name and physical
 * address) to the others; the coordinators compare them and merge. Over TCP, which cannot multicast, stock MERGE3 finds
 * whom to tell by a full TCPPING discovery round each time (a request to every configured host, a response from each,
 * formatted for a trace log nobody reads, handled on a pool thread), then sends the INFO to each responder, and each
 * member answering a request sends its own INFO back. vigild's peers are the configured list and nothing else
 * (TCPPING's initial hosts, {@code port_range=0}), so the round only rediscovered the same addresses: 8 messages a
 * round in a three-node cluster where 2 do, and most of the JGroups work of an idle daemon (docs/benchmarks.md,
 * "MERGE3 without discovery"). What that costs: a coordinator hears a peer only on the peer's own round (every 1 to
 * 3 s), no longer also as the answer to its own, so a consistency check (every 2.5 s) may see none from a split
 * peer and the merge waits for the next check (a healed cut merged in 2.5 s in {@code PeerFailureDetectionTest}).
 *
 * <p>Invariants, the same as stock MERGE3's:
 * <ul>
 * <li>Every member, in or out of the current view, gets this member's INFO every {@code min_interval} to
 *     {@code 1.5 x max_interval}: a peer cut off, restarted under a new logical address, or a singleton learns of
 *     this view, and the coordinators' consistency check merges the views. An INFO carries the sender's logical name
 *     and physical address, so a receiver learns a restarted peer's new address from it (MERGE3's own handling).</li>
 * <li>The wire is stock MERGE3's (same protocol id, same header, INFO addressed to a physical address with
 *     {@code DONT_BLOCK}, as MERGE3 sends it to a discovered peer): a node running stock MERGE3 interoperates. The
 *     address is the peer's configured one, where stock MERGE3 used the one the peer reported (they differ only
 *     behind NAT, where the configured address is the one that reaches it).</li>
 * <li>Sent from JGroups' timer, as stock MERGE3 starts its discovery there: a connect to a vanished peer is bounded
 *     by the transport's {@code sock_conn_timeout}.</li>
 * </ul>
 */
final class StaticMerge extends MERGE3 {
    private final List<IpAddress> peers;
    private final Round round = new Round();
    /** INFO messages sent (JGroups' timer writes, anyone reads). */
    private volatile long infosSent;

    /** {@code peers}: the other configured peers' physical addresses, this node's own left out by name. */
    StaticMerge(List<IpAddress> peers) {
        this.peers = List.copyOf(peers);
        setId(ClassConfigurator.getProtocolId(MERGE3.class)); // MERGE3's header id: the same wire
    }

    long infosSent() {
        return infosSent;
    }

    /** JGroups' management operation: one round now, this protocol's round (stock MERGE3's would discover first). */
    @Override
    public void sendInfo() {
        round.run();
    }

    @Override
    protected synchronized void startInfoSender() {
        if (info_sender_future == null || info_sender_future.isDone())
            info_sender_future = timer.scheduleWithDynamicInterval(round, false);
    }

    /** One INFO round: to every other configured peer. */
    private final class Round implements TimeScheduler.Task {
        @Override
        public void run() {
            if (view == null || peers.isEmpty()) return; // not yet a member, or nobody to tell
            MergeHeader info = createInfo(); // one for the round: JGroups serialises it with each message, never changes it
            for (IpAddress peer : peers) {
                down_prot.down(new EmptyMessage(peer).putHeader(getId(), info).setFlag(Message.TransientFlag.DONT_BLOCK));
                infosSent++; // one writer: the timer runs a task once at a time
            }
        }

        @Override
        public long nextInterval() { // MERGE3's own spread
            return Math.max(min_interval, Util.random(max_interval) + max_interval / 2);
        }

        @Override
        public String toString() {
            return "StaticMerge: INFO round";
        }
    }
}
