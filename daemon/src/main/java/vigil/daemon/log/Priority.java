package vigil.daemon.log;

/** syslog priorities, written as the {@code <N>} prefix that journald reads from stdout. */
public enum Priority {
    ERR(3), WARNING(4), NOTICE(5), INFO(6), DEBUG(7);

    final int level;

    Priority(int level) {
        this.level = level;
    }
}
