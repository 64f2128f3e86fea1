/**
 * The admin protocol spoken between {@code vigilctl} and the local {@code vigild} over a Unix
 * stream socket: one JSON object per line in each direction, at most
 * {@link vigil.protocol.admin.AdminCodec#MAX_LINE_BYTES} bytes per line.
 *
 * <p>Every reply carries the protocol version, so a client can tell an older or newer daemon
 * apart from a broken one. Decoding never throws: bad input becomes a typed
 * {@link vigil.protocol.admin.AdminError} that can be sent back or shown to the operator.
 */
package vigil.protocol.admin;
