package vigil.core.node;

/**
 * Where this node's VIPs stand, as far as its decisions know. All of them follow the primary, so they move as one.
 *
 * @param held      DOWN: not on this host (or released); CLAIMING: {@link Effect.VipUp} under way; UP: claimed and
 *                  announced; RELEASING: {@link Effect.VipDown} under way
 * @param since     when {@code held} last changed
 * @param checkedAt when a duplicate-address check last found nobody answering (Long.MIN_VALUE: none valid)
 * @param checking  a {@link Effect.VipCheck} is under way
 * @param retryAt   a failed or refused claim is not tried again before this
 * @param checkSince when the check under way began (meaningful while {@code checking})
 */
public record VipState(Held held, long since, long checkedAt, boolean checking, long retryAt, long checkSince) {
    public enum Held { DOWN, CLAIMING, UP, RELEASING }

    /** At start: the daemon removed every VIP it found before the first step (none is held without a lease). */
    public static final VipState DOWN = new VipState(Held.DOWN, Long.MIN_VALUE, Long.MIN_VALUE, false, Long.MIN_VALUE);

    /** No check under way. */
    public VipState(Held held, long since, long checkedAt, boolean checking, long retryAt) {
        this(held, since, checkedAt, checking, retryAt, Long.MIN_VALUE);
    }

    VipState with(Held h, long now) {
        return new VipState(h, now, checkedAt, checking, retryAt, checkSince);
    }

    VipState checked(long at, boolean underWay) {
        return new VipState(held, since, at, underWay, retryAt, checkSince);
    }

    /** A check begins now. */
    VipState checking(long now) {
        return new VipState(held, since, Long.MIN_VALUE, true, retryAt, now);
    }

    VipState retryAt(long at) {
        return new VipState(held, since, checkedAt, checking, at, checkSince);
    }

    /** On this host, or possibly so (a claim or release whose end is not known yet). */
    public boolean mayBeHeld() {
        return held != Held.DOWN;
    }
}
