/**
 * {@code vigilctl}, the operator's command line: picocli commands ({@link vigil.daemon.ctl.Vigilctl})
 * over a small blocking-free client ({@link vigil.daemon.ctl.AdminClient}) that bounds every exchange
 * by one deadline.
 */
package vigil.daemon.ctl;
