package vigil.core.election;

/**
 * An operator's order that this node take over as the primary ({@code vigilctl failover --to NODE}), held by that node
 * for a while and carried by its (pre-)vote requests.
 *
 * <p>Only the order in which nodes stand and, with {@code acceptDataLoss}, whom a voter may vote for change: the
 * no-vote window, one vote per term and the lease are untouched, so an order never makes two leaders; and a leader
 * under an order still promotes only with a proof that the old primary cannot write. (A leader that hands over to the
 * ordered node resigns, which ends its followers' no-vote window at once, as a switchover's hand-over does: it does so
 * only while its own PostgreSQL is proven unable to write.) With {@code acceptDataLoss} a
 * voter grants its vote without comparing positions (its own, the peers' it knows of, the synchronous rule): the
 * operator accepted that commits held only by more advanced nodes are lost. Without it, every voting rule stays.
 *
 * @param operator       who gave the order (and on which node), for the voters' log
 * @param acceptDataLoss the operator accepted losing what the candidate lacks ({@code --accept-data-loss})
 */
public record FailoverOrder(String operator, boolean acceptDataLoss) {
    public FailoverOrder {
        if (operator == null) throw new IllegalArgumentException("an order names its operator");
    }

    /** Whether a voter waives the position rules for a candidate that stands under {@code order} (may be null). */
    static boolean waivesPositions(FailoverOrder order) {
        return order != null && order.acceptDataLoss();
    }
}
