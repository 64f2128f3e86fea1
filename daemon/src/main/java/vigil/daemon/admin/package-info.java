/**
 * The daemon's side of the local admin socket: {@link vigil.daemon.admin.AdminServer} listens on a
 * Unix stream socket, frames lines, checks each peer's credentials ({@code PeerPolicy}) and hands
 * well-formed requests for known commands to an {@link vigil.daemon.admin.AdminHandler}, which the
 * daemon answers from its loop thread. The wire format lives in {@code vigil.protocol.admin}.
 */
package vigil.daemon.admin;
