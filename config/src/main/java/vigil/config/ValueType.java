package vigil.config;

import com.fasterxml.jackson.core.JsonToken;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kinds of values a setting can hold, and how a YAML scalar becomes one. Values are never coerced:
 * YAML's own typing must match (a quoted "7800" is a string, not a port; a bare 150 is not a duration).
 */
enum ValueType {
    SECTION("mapping", "nested settings"),
    LIST("list", "a list of mappings, one per item"),
    NAME("name", "lower-case letters, digits and '-', starting with a letter or digit, at most 32 characters"),
    ADDRESS("address", "an IPv4 or IPv6 literal, or a host name"),
    INT("integer", "a whole number, unquoted"),
    DURATION("duration", "a number with a unit: ms, s or m (e.g. 150ms, 1.5s, 2m); a bare number is an error"),
    FRACTION("number", "a decimal number, unquoted"),
    BOOL("boolean", "true or false, unquoted"),
    PATH("path", "an absolute file-system path"),
    ROLE("role", "data or witness"),
    WATCHDOG_MODE("watchdog mode", "off, auto or required"),
    GROUP("group", "the name of an existing Unix group (from /etc/group)"),
    BYTES("byte size", "a whole number with a unit: B, kB, MB or GB (1 kB = 1024 B); a bare number is an error"),
    USER("user name", "a PostgreSQL role or Unix user name: lower-case letters, digits and '_', starting with a letter or '_', at most 63 characters"),
    TEXT("text", "a string on one line, at most 255 characters"),
    HBA_FIELD("pg_hba field", "one field of a pg_hba.conf line, as PostgreSQL reads it: letters, digits and _ - . , + @ / : (no spaces or quotes)");

    /** The short name used in the reference doc's "Type" column. */
    final String docName;
    /** What a valid value looks like, for the reference doc. */
    final String docFormat;

    ValueType(String docName, String docFormat) {
        this.docName = docName;
        this.docFormat = docFormat;
    }

    static final Pattern NAME_PATTERN = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
    private static final Pattern GROUP_PATTERN = Pattern.compile("[a-z_][a-z0-9_-]{0,31}\\$?");
    private static final Pattern USER_PATTERN = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Pattern HBA_FIELD_PATTERN = Pattern.compile("[A-Za-z0-9_.,+@/:-]{1,255}");
    private static final Pattern BYTES_PATTERN = Pattern.compile("(\\d+)(B|kB|MB|GB)");
    private static final Pattern DURATION_PATTERN = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)");
    private static final Pattern PLAIN_INT = Pattern.compile("[-+]?(0|[1-9]\\d*)");
    private static final Pattern PLAIN_DECIMAL = Pattern.compile("[-+]?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");
    private static final Pattern IPV4_LIKE = Pattern.compile("[0-9.]+");
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern HOSTNAME = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");

    /** Either a value or an error message ("expected …, got … — what to do"). */
    record Parsed(Object value, String error) {
        static Parsed ok(Object v) {
            return new Parsed(v, null);
        }

        static Parsed bad(String e) {
            return new Parsed(null, e);
        }
    }

    /** Converts a scalar; {@code example} is a valid value of this setting, used in hints. */
    Parsed parse(YamlNode.ScalarNode s, String example) {
        if (s.isNull()) {
            return Parsed.bad("no value given — write a value (e.g. " + example + ") or remove the line to use the default");
        }
        return switch (this) {
            case INT -> parseInt(s, example);
            case FRACTION -> parseFraction(s, example);
            case BOOL -> parseBool(s);
            case DURATION -> parseDuration(s, example);
            case BYTES -> parseBytes(s, example);
            case WATCHDOG_MODE -> parseWatchdogMode(s);
            default -> {
                if (s.token() != JsonToken.VALUE_STRING) {
                    yield Parsed.bad("expected " + article() + docName + ", got " + s.describe()
                            + " — quote it if you mean the text: \"" + s.text() + "\"");
                }
                yield parseText(s.text(), example);
            }
        };
    }

    private String article() {
        return "aeiou".indexOf(docName.charAt(0)) >= 0 ? "an " : "a ";
    }

    private Parsed parseInt(YamlNode.ScalarNode s, String example) {
        if (s.token() == JsonToken.VALUE_NUMBER_INT) {
            if (!PLAIN_INT.matcher(s.text()).matches()) { // YAML 1.1 also reads 0x1F, 017, 1_000, 0b1
                return Parsed.bad("write the number " + s.text() + " in plain decimal digits, e.g. " + example);
            }
            try {
                return Parsed.ok(Integer.parseInt(s.text()));
            } catch (NumberFormatException e) {
                return Parsed.bad("the number " + s.text() + " is too large — write e.g. " + example);
            }
        }
        String hint = s.token() == JsonToken.VALUE_STRING && s.text().trim().matches("-?\\d+")
                ? "remove the quotes: " + s.text().trim() : "write a whole number, e.g. " + example;
        return Parsed.bad("expected an integer, got " + s.describe() + " — " + hint);
    }

    private Parsed parseFraction(YamlNode.ScalarNode s, String example) {
        if (s.token() == JsonToken.VALUE_NUMBER_INT || s.token() == JsonToken.VALUE_NUMBER_FLOAT) {
            return PLAIN_DECIMAL.matcher(s.text()).matches() ? Parsed.ok(Double.parseDouble(s.text()))
                    : Parsed.bad("write the number " + s.text() + " as a plain decimal, e.g. " + example);
        }
        String hint = s.token() == JsonToken.VALUE_STRING && s.text().trim().matches("-?\\d+(\\.\\d+)?")
                ? "remove the quotes: " + s.text().trim() : "write a number, e.g. " + example;
        return Parsed.bad("expected a number, got " + s.describe() + " — " + hint);
    }

    private static Parsed parseBool(YamlNode.ScalarNode s) {
        if (s.token() == JsonToken.VALUE_TRUE || s.token() == JsonToken.VALUE_FALSE) {
            return s.text().matches("true|false") ? Parsed.ok(s.token() == JsonToken.VALUE_TRUE)
                    : Parsed.bad("write " + s.token().asString() + " instead of " + s.text()
                            + " (only true and false are accepted)");
        }
        String hint = s.token() == JsonToken.VALUE_STRING && s.text().matches("(?i)true|false")
                ? "remove the quotes: " + s.text().toLowerCase() : "write true or false";
        return Parsed.bad("expected true or false, got " + s.describe() + " — " + hint);
    }

    private static Parsed parseDuration(YamlNode.ScalarNode s, String example) {
        if (s.token() == JsonToken.VALUE_NUMBER_INT || s.token() == JsonToken.VALUE_NUMBER_FLOAT) {
            return Parsed.bad("a duration needs a unit, got " + s.describe()
                    + " — write " + s.text() + "ms or " + s.text() + "s (durations look like 150ms or 1.5s)");
        }
        if (s.token() != JsonToken.VALUE_STRING) {
            return Parsed.bad("expected a duration, got " + s.describe() + " — write e.g. " + example);
        }
        Matcher m = DURATION_PATTERN.matcher(s.text().trim());
        if (!m.matches()) {
            return Parsed.bad("expected a duration such as 150ms, 1.5s or 2m, got " + s.describe()
                    + " — write a number directly followed by ms, s or m, e.g. " + example);
        }
        long unitNanos = switch (m.group(2)) {
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            default -> 60_000_000_000L;
        };
        BigDecimal nanos = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos));
        if (nanos.signum() == 0) {
            return Parsed.bad("a duration must be greater than 0 — write e.g. " + example);
        }
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            return Parsed.bad("the duration " + s.text() + " is too long — write e.g. " + example);
        }
        return Parsed.ok(Duration.ofNanos(nanos.longValue()));
    }

    private static Parsed parseBytes(YamlNode.ScalarNode s, String example) {
        if (s.token() == JsonToken.VALUE_NUMBER_INT || s.token() == JsonToken.VALUE_NUMBER_FLOAT) {
            return Parsed.bad("a byte size needs a unit, got " + s.describe()
                    + " — write e.g. " + s.text() + "kB or " + s.text() + "MB (sizes look like 512kB or 1MB)");
        }
        if (s.token() != JsonToken.VALUE_STRING) {
            return Parsed.bad("expected a byte size, got " + s.describe() + " — write e.g. " + example);
        }
        Matcher m = BYTES_PATTERN.matcher(s.text().trim());
        if (!m.matches()) {
            return Parsed.bad("expected a byte size such as 512kB or 1MB, got " + s.describe()
                    + " — write a whole number directly followed by B, kB, MB or GB, e.g. " + example);
        }
        int shift = switch (m.group(2)) {
            case "B" -> 0;
            case "kB" -> 10;
            case "MB" -> 20;
            default -> 30;
        };
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1L << shift));
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            return Parsed.bad("the size " + s.text() + " is too large — write e.g. " + example);
        }
        return Parsed.ok(bytes.longValue());
    }

    /**
     * YAML 1.1 reads a bare {@code off} as the boolean false; accept exactly that spelling (and the string), so
     * {@code mode: off} works unquoted, but no other boolean.
     */
    private static Parsed parseWatchdogMode(YamlNode.ScalarNode s) {
        String text = s.text().trim();
        boolean offAsBoolean = s.token() == JsonToken.VALUE_FALSE && text.equals("off");
        if (s.token() != JsonToken.VALUE_STRING && !offAsBoolean) {
            return Parsed.bad("expected off, auto or required, got " + s.describe() + " — write "
                    + (s.token() == JsonToken.VALUE_FALSE ? "off" : "auto or required"));
        }
        return switch (text) {
            case "off" -> Parsed.ok(WatchdogMode.OFF);
            case "auto" -> Parsed.ok(WatchdogMode.AUTO);
            case "required" -> Parsed.ok(WatchdogMode.REQUIRED);
            default -> Parsed.bad("unknown watchdog mode \"" + text + "\" — write off, auto or required");
        };
    }

    private Parsed parseText(String text, String example) {
        return switch (this) {
            case NAME -> NAME_PATTERN.matcher(text).matches() ? Parsed.ok(text)
                    : Parsed.bad("\"" + text + "\" is not a valid name — use 1 to 32 lower-case letters, digits"
                            + " or '-', starting with a letter or digit, e.g. " + example);
            case ADDRESS -> checkAddress(text);
            case PATH -> checkPath(text, example);
            case ROLE -> switch (text) {
                case "data" -> Parsed.ok(NodeRole.DATA);
                case "witness" -> Parsed.ok(NodeRole.WITNESS);
                default -> Parsed.bad("unknown role \"" + text + "\" — write data or witness");
            };
            case USER -> USER_PATTERN.matcher(text).matches() ? Parsed.ok(text)
                    : Parsed.bad("\"" + text + "\" is not a valid user name — use lower-case letters, digits and '_',"
                            + " starting with a letter or '_', e.g. " + example);
            case TEXT -> text.length() <= 255 && text.indexOf('\n') < 0 && !text.isBlank() ? Parsed.ok(text)
                    : Parsed.bad("expected one line of at most 255 characters — write e.g. " + example);
            case HBA_FIELD -> HBA_FIELD_PATTERN.matcher(text).matches() && !text.startsWith("#") ? Parsed.ok(text)
                    : Parsed.bad("\"" + text + "\" is not one pg_hba.conf field — write a single word without spaces,"
                            + " quotes or '#', e.g. " + example);
            case GROUP -> GROUP_PATTERN.matcher(text).matches() ? Parsed.ok(text)
                    : Parsed.bad("\"" + text + "\" is not a valid group name — use the name of a group from /etc/group");
            default -> throw new IllegalStateException(this + " is not a text type");
        };
    }

    static boolean isIpv4(String text) {
        return IPV4.matcher(text).matches();
    }

    private static Parsed checkAddress(String text) {
        String bad = "\"" + text + "\" is not an IP address or host name — write e.g. 10.232.1.11, fd00::11 or db1.example.org";
        if (text.contains(":")) {
            if (!text.matches("[0-9A-Fa-f:.]+")) {
                return Parsed.bad(bad);
            }
            try {
                InetAddress.getByName(text); // a literal starting with a hex digit or ':' is parsed, never resolved
                return Parsed.ok(text);
            } catch (UnknownHostException e) {
                return Parsed.bad(bad);
            }
        }
        if (IPV4_LIKE.matcher(text).matches()) {
            return IPV4.matcher(text).matches() ? Parsed.ok(text) : Parsed.bad(bad);
        }
        return HOSTNAME.matcher(text).matches() ? Parsed.ok(text) : Parsed.bad(bad);
    }

    private static Parsed checkPath(String text, String example) {
        try {
            Path p = Path.of(text);
            return p.isAbsolute() ? Parsed.ok(p)
                    : Parsed.bad("\"" + text + "\" is a relative path — write an absolute path, e.g. " + example);
        } catch (InvalidPathException e) {
            return Parsed.bad("\"" + text + "\" is not a valid path — write an absolute path, e.g. " + example);
        }
    }

    /** A value as it would be written in the YAML file (used for defaults in the reference doc). */
    static String format(Object v) {
        if (v instanceof Duration d) {
            long ms = d.toMillis();
            return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
        }
        if (v instanceof Long bytes) { // the only long-valued settings are byte sizes
            String[] units = {"GB", "MB", "kB"};
            for (int i = 0; i < units.length; i++) {
                long unit = 1L << (30 - 10 * i);
                if (bytes != 0 && bytes % unit == 0) {
                    return (bytes / unit) + units[i];
                }
            }
            return bytes + "B";
        }
        if (v instanceof NodeRole r) {
            return r.name().toLowerCase();
        }
        if (v instanceof WatchdogMode m) {
            return m.name().toLowerCase();
        }
        return String.valueOf(v);
    }
}
