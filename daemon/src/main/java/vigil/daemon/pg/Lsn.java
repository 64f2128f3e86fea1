package vigil.daemon.pg;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PostgreSQL's text form of a WAL position, {@code X/Y} in hex, to and from bytes since 0/0. */
public final class Lsn {
    private static final Pattern TEXT = Pattern.compile("([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})");

    private Lsn() {}

    /** Null (SQL NULL: not applicable or not yet known) reads as 0, which PostgreSQL never uses for a real position. */
    static long parse(String text) {
        if (text == null) {
            return 0;
        }
        Matcher m = TEXT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a PostgreSQL LSN: \"" + text + "\" (expected hex X/Y such as 0/3000148)");
        }
        return Long.parseLong(m.group(1), 16) << 32 | Long.parseLong(m.group(2), 16);
    }

    public static String format(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }
}
