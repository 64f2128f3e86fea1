package vigil.daemon.ctl;

/** Who runs vigilctl, for the daemon's log: the sudo user if any, else the login name. */
final class Operator {
    private Operator() {}

    static String name() {
        String sudo = System.getenv("SUDO_USER");
        if (sudo != null && !sudo.isBlank()) return sudo;
        String user = System.getProperty("user.name");
        return user == null || user.isBlank() ? "unknown" : user;
    }
}
