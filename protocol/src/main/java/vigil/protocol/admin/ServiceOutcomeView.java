package vigil.protocol.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The last outcome of one service action on the answering node ({@code node.services}).
 *
 * @param action   what it runs, short ("restart apache2", "rndc reconfig", or the command line)
 * @param trigger  acquired, released, promoted or demoted
 * @param vip      the VIP of an acquired/released trigger, or null
 * @param exit     the last attempt's exit code (-1: killed at its timeout)
 * @param atEpochMs when it ended, milliseconds since the epoch
 */
@JsonPropertyOrder({"action", "trigger", "vip", "ok", "exit", "attempts", "at_epoch_ms", "detail"})
public record ServiceOutcomeView(
        @JsonProperty("action") String action,
        @JsonProperty("trigger") String trigger,
        @JsonProperty("vip") @JsonInclude(JsonInclude.Include.ALWAYS) String vip,
        @JsonProperty("ok") boolean ok,
        @JsonProperty("exit") int exit,
        @JsonProperty("attempts") int attempts,
        @JsonProperty("at_epoch_ms") long atEpochMs,
        @JsonProperty("detail") @JsonInclude(JsonInclude.Include.ALWAYS) String detail) {}
