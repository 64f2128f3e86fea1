package vigil.protocol.admin;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The VIPs placed by checks, as the answering node knows them.
 *
 * @param holder the node the leader grants them to (null: nobody, or not known to this node)
 * @param here   on the answering node: "held", "claiming", "releasing" or "not held"
 * @param checks the answering node's tracked checks: "pass", or "FAIL: " and the failing check
 */
@JsonPropertyOrder({"holder", "here", "checks"})
public record TrackedView(
        @JsonProperty("holder") String holder,
        @JsonProperty("here") String here,
        @JsonProperty("checks") String checks) {}
