package vigil.config;

import java.util.function.Function;

/**
 * The single declaration of one setting: where it lives, its type and unit, its default and its
 * documentation. Loader, per-value validation and the reference doc all read these declarations,
 * so they cannot disagree. Instances are built once in {@link Schema} and never changed afterwards.
 */
final class Setting {
    enum Presence { REQUIRED, DEFAULTED, OPTIONAL }

    /** Path pattern: dotted keys, {@code []} for "every item of the list", e.g. {@code cluster.nodes[].port}. */
    final String path;
    final ValueType type;
    String unit = "";
    Presence presence = Presence.OPTIONAL;
    /** The value used when the setting is absent (only for {@link Presence#DEFAULTED}). */
    Object defaultValue;
    /** How the default reads in the reference doc when it is not a fixed value (e.g. "the host name"). */
    String defaultDoc = "";
    String doc = "";
    /** A valid value as written in YAML, used in hints. */
    String example = "";
    /** Range checks beyond the type: returns an error message ("… — what to do") or null. */
    Function<Object, String> check = v -> null;

    private Setting(String path, ValueType type) {
        this.path = path;
        this.type = type;
    }

    static Setting of(String path, ValueType type) {
        return new Setting(path, type);
    }

    Setting required() {
        presence = Presence.REQUIRED;
        return this;
    }

    Setting defaults(Object value) {
        presence = Presence.DEFAULTED;
        defaultValue = value;
        defaultDoc = ValueType.format(value);
        return this;
    }

    Setting optional(String whenAbsent) {
        presence = Presence.OPTIONAL;
        defaultDoc = whenAbsent;
        return this;
    }

    Setting unit(String u) {
        unit = u;
        return this;
    }

    Setting doc(String d) {
        doc = d;
        return this;
    }

    Setting example(String e) {
        example = e;
        return this;
    }

    Setting check(Function<Object, String> c) {
        check = c;
        return this;
    }

    /** The last key of the path, as written in the file. */
    String key() {
        String p = path.endsWith("[]") ? path.substring(0, path.length() - 2) : path;
        return p.substring(p.lastIndexOf('.') + 1);
    }

    /** The path pattern of the enclosing section ("" for top-level settings). */
    String parent() {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "" : path.substring(0, dot);
    }

    boolean isSection() {
        return type == ValueType.SECTION || type == ValueType.LIST;
    }

    static Function<Object, String> intRange(int min, int max, String why) {
        return v -> {
            int i = (Integer) v;
            return i >= min && i <= max ? null
                    : i + " is out of range — " + why + " must be between " + min + " and " + max;
        };
    }
}
