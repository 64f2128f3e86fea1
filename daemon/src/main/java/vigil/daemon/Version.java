package vigil.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** vigil's version, written into {@code vigil/daemon/version.properties} by the build; "unknown" without it. */
public final class Version {
    private static final String VERSION = read();

    private Version() {}

    public static String of() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown").strip();
            return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
