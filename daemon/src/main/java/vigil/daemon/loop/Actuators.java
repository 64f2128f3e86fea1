package vigil.daemon.loop;

import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import vigil.core.election.Message;
import vigil.core.node.Effect;
import vigil.core.node.Input;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.daemon.loop.Drivers.Disk;
import vigil.daemon.loop.Drivers.Fencing;
import vigil.daemon.loop.Drivers.Peers;
import vigil.daemon.loop.Drivers.Pg;
import vigil.daemon.loop.Drivers.Vips;
import vigil.daemon.loop.Drivers.Watchdog;
import vigil.daemon.state.StateException;
import vigil.protocol.peer.PeerCodec;

/**
 * Carries out one effect of a decision, on the loop's thread, in the order the decision gives them ({@link NodeLoop}):
 * it decides nothing. A driver that is absent answers for itself where the core waits for an answer (no watchdog
 * device, no fence agent, no VIP driver), so that the core never waits for something that cannot come.
 */
final class Actuators {
    /** How an effect ended, for the loop. */
    enum Outcome {
        DONE,
        /** The durable state could not be written: the loop halts, and nothing after it may happen. */
        UNSAVED,
        /** A planned stop: the loop halts once this decision's effects are carried out. */
        HALTED,
        /** {@code vigilctl restart-daemon}: halted, and the process exits for systemd to start it again. */
        RESTARTING
    }

    private final Disk disk;
    private final Peers peers;
    private final Pg pg;
    private final Watchdog watchdog;
    private final PeerCodec codec;
    private final Log log;
    private final LongSupplier clock;
    /** An answer for the loop's next turn, as a driver gives one ({@link NodeLoop#onInput}). */
    private final Consumer<Input> loopback;
    /** The message encoded last and its frame (the loop's thread only). */
    private Message lastEncoded;
    private byte[] lastFrame;
    private volatile Vips vips;
    private volatile Fencing fencing;

    Actuators(Disk disk, Peers peers, Pg pg, Watchdog watchdog, PeerCodec codec, Log log, LongSupplier clock,
              Consumer<Input> loopback) {
        this.disk = disk;
        this.peers = peers;
        this.pg = pg;
        this.watchdog = watchdog;
        this.codec = codec;
        this.log = log;
        this.clock = clock;
        this.loopback = loopback;
    }

    void fencing(Fencing f) {
        fencing = f;
    }

    void vips(Vips v) {
        vips = v;
    }

    /**
     * @param term    the term this node is in after the decision (for the log)
     * @param members the peers in the JGroups view now
     */
    Outcome carryOut(Effect e, long term, Set<String> members) {
        if (e instanceof Effect.Persist p) {
            try {
                disk.save(p.election(), p.ha());
            } catch (StateException ex) {
                log.event(Priority.ERR, "halted", "reason", "STATE_NOT_SAVED", "error", ex.getMessage());
                return Outcome.UNSAVED;
            }
        } else if (e instanceof Effect.Send s) {
            send(s, members);
        } else if (e instanceof Effect.Start s) {
            pg.start(s.id(), s.action());
        } else if (e instanceof Effect.Cancel c) {
            pg.cancel(c.id());
        } else if (e instanceof Effect.Fence f) {
            pg.fence(f.id(), f.deadlineAt());
        } else if (e instanceof Effect.FenceAt g) {
            pg.guard(g.at());
        } else if (e instanceof Effect.Freeze f) {
            pg.freeze(f.frozen());
        } else if (e instanceof Effect.ProbePeer p) {
            pg.probePeer(p.node(), p.deadlineMs());
        } else if (e instanceof Effect.ArmWatchdog a) {
            arm(a);
        } else if (e instanceof Effect.KickWatchdog k) {
            if (watchdog != null && clock.getAsLong() <= k.notAfter()) watchdog.kick();
        } else if (e instanceof Effect.DisarmWatchdog) {
            if (watchdog != null) watchdog.disarm();
        } else if (e instanceof Effect.FenceNode f) {
            if (fencing != null) fencing.off(f.node(), f.deadlineMs());
            else loopback.accept(new Input.NodeFenced(clock.getAsLong(), f.node(), false, clock.getAsLong(),
                    "no fence agents configured for " + f.node()));
        } else if (e instanceof Effect.VipCheck) {
            if (vips != null) vips.check();
        } else if (e instanceof Effect.VipUp u) {
            if (vips != null) vips.up(u.group(), u.checked(), u.keptFromStart());
        } else if (e instanceof Effect.VipDown d) {
            if (vips != null) vips.down(d.group(), d.why());
            else loopback.accept(new Input.VipReleased(clock.getAsLong(), true, "no VIP driver", d.group()));
        } else if (e instanceof Effect.VipDownAt g) {
            if (vips != null) vips.guard(g.group(), g.at());
        } else if (e instanceof Effect.Halt h && h.restart()) {
            log.event(Priority.NOTICE, "restarting", "reason", "OPERATOR_RESTART_DAEMON", "term", term,
                    "cause", "vigild ends for systemd to start it again; PostgreSQL keeps running, the record saying that"
                            + " the watchdog no longer covers it is committed");
            return Outcome.RESTARTING;
        } else if (e instanceof Effect.Halt) {
            log.event(Priority.NOTICE, "stopped", "reason", "PLANNED_STOP", "term", term);
            return Outcome.HALTED;
        }
        return Outcome.DONE;
    }

    private void send(Effect.Send s, Set<String> members) {
        byte[] frame = encode(s.message());
        boolean beat = s.message() instanceof Message.Heartbeat || s.message() instanceof Message.HeartbeatAck;
        boolean datagramOnly = beat && peers.sendDatagram(s.to(), frame);
        // JGroups delivers only to members of its current view. A vigild that restarted hears heartbeats by
        // datagram about half a second before it is in the view again: a resignation handing leadership back to
        // it went by JGroups alone and was lost, and the cluster needed a second term (docs/benchmarks.md,
        // restart-daemon). So anything for a peer outside the view goes as a datagram as well (best effort,
        // authenticated like the heartbeats; the node step tolerates a lost or duplicated message).
        // A resignation goes as a datagram to every peer as well: its successor stands the moment it reads it, and
        // its pre-vote, by datagram while it is outside the view, reached a voter before the resignation that frees
        // that voter's vote, which came by JGroups (refused: a second term for 2 of 10 hand-backs).
        if (!beat && (!members.contains(s.to()) || s.message() instanceof Message.Resign)) {
            peers.sendDatagramOnce(s.to(), frame);
        }
        if (!datagramOnly) peers.send(s.to(), frame);
    }

    /**
     * The frame of {@code m}: the one encoded last when {@code m} is the same message, as a leader's heartbeat to each
     * follower is (one object, sent to each in the same decision). A frame is never changed after it is encoded.
     */
    private byte[] encode(Message m) {
        if (m != lastEncoded) {
            lastFrame = codec.encode(m);
            lastEncoded = m;
        }
        return lastFrame;
    }

    /** Opening the device starts its timer: a keep-alive, so never after the bound the core gave. */
    private void arm(Effect.ArmWatchdog a) {
        long at = clock.getAsLong();
        if (at > a.notAfter()) {
            loopback.accept(new Input.WatchdogArmed(at, false, "not opened: " + (at - a.notAfter())
                    + " ms past the last instant the lease allows", true));
        } else {
            String why = watchdog == null ? "no watchdog device" : watchdog.arm();
            loopback.accept(new Input.WatchdogArmed(clock.getAsLong(), why == null, why == null ? "" : why));
        }
    }
}
