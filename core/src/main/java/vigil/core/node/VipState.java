package vigil.core.node;

/**
 * Where this node's VIPs stand, as far as its decisions know. All of them follow the primary, so they move as one.
 *
 * @param held       DOWN: not on this host (or released); CLAIMING: {@link Effect.VipUp} under way; UP: claimed and
 *                   announced; RELEASING: {@link Effect.VipDown} under way; FOUND: on this host when vigild started
 *                   (a {@code vigilctl restart-daemon} leaves them), kept only while this node reclaims the primary it
 *                   kept serving ({@link VipPlacement})
 * @param since      when {@code held} last changed
 * @param checkedAt  when a duplicate-address check last found nobody answering (Long.MIN_VALUE: none valid)
 * @param retryAt    a failed or refused claim is not tried again before this
 * @param checkSince when the {@link Effect.VipCheck} under way began (Long.MIN_VALUE: none under way)
 * @param heldInTerm the term in which this node, leading it without a break since, last held the VIPs (0: none); a
 *                   claim in that same term needs no duplicate-address check ({@link VipPlacement})
 */
public record VipState(Held held, long since, long checkedAt, long retryAt, long checkSince, long heldInTerm) {
    public enum Held { DOWN, CLAIMING, UP, RELEASING, FOUND }

    /** At start, no VIP on this host. */
    public static final VipState DOWN = new VipState(Held.DOWN, Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE,
            Long.MIN_VALUE, 0);

    /** At start, the VIPs on this host already (as a restart of vigild alone leaves them). */
    public static VipState found(long now) {
        return new VipState(Held.FOUND, now, Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, 0);
    }

    public VipState(Held held, long since, long checkedAt, long retryAt, long checkSince) {
        this(held, since, checkedAt, retryAt, checkSince, 0);
    }

    /** A {@link Effect.VipCheck} is under way. */
    public boolean checking() {
        return checkSince != Long.MIN_VALUE;
    }

    VipState with(Held h, long now) {
        return new VipState(h, now, checkedAt, retryAt, checkSince, heldInTerm);
    }

    /** A check begins now; an earlier result no longer counts. */
    VipState checking(long now) {
        return new VipState(held, since, Long.MIN_VALUE, retryAt, now, heldInTerm);
    }

    /** The check under way (if any) ended: clean at {@code cleanAt}, or Long.MIN_VALUE when someone answered. */
    VipState checkEnded(long cleanAt) {
        return new VipState(held, since, cleanAt, retryAt, Long.MIN_VALUE, heldInTerm);
    }

    /** The last result no longer counts; a check under way goes on. */
    VipState forgetCheck() {
        return new VipState(held, since, Long.MIN_VALUE, retryAt, checkSince, heldInTerm);
    }

    VipState retryAt(long at) {
        return new VipState(held, since, checkedAt, at, checkSince, heldInTerm);
    }

    /** Held in {@code term} (0: forget it). */
    VipState heldIn(long term) {
        return term == heldInTerm ? this : new VipState(held, since, checkedAt, retryAt, checkSince, term);
    }

    /** On this host, or possibly so (a claim or release whose end is not known yet). */
    public boolean mayBeHeld() {
        return held != Held.DOWN;
    }
}
