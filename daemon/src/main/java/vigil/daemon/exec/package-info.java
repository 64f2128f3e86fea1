/** Running external commands with a hard timeout and nothing left behind, for the drivers outside the pg package. */
package vigil.daemon.exec;
