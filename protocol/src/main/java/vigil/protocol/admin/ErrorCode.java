package vigil.protocol.admin;

/** Why the daemon refused or failed a request. The wire form is the constant's name. */
public enum ErrorCode {
    /** The line is not a JSON object of the expected shape (bad JSON, missing field, wrong type). */
    BAD_REQUEST,
    /** The request's {@code version} is not {@link AdminCodec#PROTOCOL_VERSION}. */
    UNSUPPORTED_VERSION,
    /** The command is not one this daemon knows. */
    UNKNOWN_COMMAND,
    /** The line exceeded {@link AdminCodec#MAX_LINE_BYTES}; the daemon closes the connection. */
    TOO_LARGE,
    /** The peer is neither root nor a member of the configured admin group. */
    FORBIDDEN,
    /** The daemon understood the request and will not carry it out (e.g. confirm-down on a node that does not lead). */
    REFUSED,
    /** The daemon failed or did not answer in time; the request may or may not have taken effect. */
    INTERNAL
}
