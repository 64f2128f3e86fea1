package vigil.config;

/**
 * One thing wrong (or risky) in a config file, located precisely enough for an editor to jump to it.
 * {@code line} and {@code column} are 1-based; 0 means "not applicable" (e.g. the file cannot be read),
 * and {@code path} is empty for problems about the file as a whole.
 */
public record Problem(Severity severity, String file, int line, int column, String path, String message) {

    public enum Severity { ERROR, WARNING }

    /** {@code FILE:LINE:COL: error: setting.path: message — what to do}, the form compilers and editors understand. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(file);
        if (line > 0) {
            b.append(':').append(line);
            if (column > 0) {
                b.append(':').append(column);
            }
        }
        b.append(": ").append(severity == Severity.ERROR ? "error" : "warning").append(": ");
        if (!path.isEmpty()) {
            b.append(path).append(": ");
        }
        return b.append(message).toString();
    }
}
