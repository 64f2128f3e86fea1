package vigil.daemon.log;

import org.jgroups.logging.CustomLogFactory;

/**
 * Routes JGroups' own logging into vigild's one-line format ({@code event=jgroups}), so journald sees one line per
 * event with the node first instead of multi-line java.util.logging records on stderr. JGroups' INFO chatter is
 * logged at debug; its warnings and errors keep their priority.
 */
public final class JGroupsLog implements org.jgroups.logging.Log {
    private final Log log;
    private final String category;
    private final boolean debug;

    private JGroupsLog(Log log, String category, boolean debug) {
        this.log = log;
        this.category = category;
        this.debug = debug;
    }

    /** Installs the adapter; call before the first JGroups class logs anything. */
    public static void install(Log log, boolean debug) {
        org.jgroups.logging.LogFactory.setCustomLogFactory(new CustomLogFactory() {
            @Override
            public org.jgroups.logging.Log getLog(Class<?> clazz) {
                return new JGroupsLog(log, clazz.getSimpleName(), debug);
            }

            @Override
            public org.jgroups.logging.Log getLog(String category) {
                return new JGroupsLog(log, category.substring(category.lastIndexOf('.') + 1), debug);
            }
        });
    }

    private void write(Priority p, String msg, Throwable t) {
        log.event(p, Log.LIBRARY_EVENT, "source", category, "message", t == null ? msg : msg + ": " + t);
    }

    private static String format(String fmt, Object... args) {
        try {
            return String.format(fmt, args);
        } catch (RuntimeException e) {
            return fmt;
        }
    }

    @Override public boolean isFatalEnabled() { return true; }
    @Override public boolean isErrorEnabled() { return true; }
    @Override public boolean isWarnEnabled() { return true; }
    @Override public boolean isInfoEnabled() { return debug; }
    @Override public boolean isDebugEnabled() { return false; }
    @Override public boolean isTraceEnabled() { return false; }
    @Override public void fatal(String msg) { write(Priority.ERR, msg, null); }
    @Override public void fatal(String msg, Object... args) { write(Priority.ERR, format(msg, args), null); }
    @Override public void fatal(String msg, Throwable t) { write(Priority.ERR, msg, t); }
    @Override public void error(String msg) { write(Priority.ERR, msg, null); }
    @Override public void error(String msg, Object... args) { write(Priority.ERR, format(msg, args), null); }
    @Override public void error(String msg, Throwable t) { write(Priority.ERR, msg, t); }
    @Override public void warn(String msg) { write(Priority.WARNING, msg, null); }
    @Override public void warn(String msg, Object... args) { write(Priority.WARNING, format(msg, args), null); }
    @Override public void warn(String msg, Throwable t) { write(Priority.WARNING, msg, t); }
    @Override public void info(String msg) { if (debug) write(Priority.DEBUG, msg, null); }
    @Override public void info(String msg, Object... args) { if (debug) write(Priority.DEBUG, format(msg, args), null); }
    @Override public void debug(String msg) { }
    @Override public void debug(String msg, Object... args) { }
    @Override public void debug(String msg, Throwable t) { }
    @Override public void trace(Object msg) { }
    @Override public void trace(String msg) { }
    @Override public void trace(String msg, Object... args) { }
    @Override public void trace(String msg, Throwable t) { }
    @Override public void setLevel(String level) { }
    @Override public String getLevel() { return debug ? "info" : "warn"; }
}
