package vigil.config;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The settings found in one file, by concrete path ({@code cluster.nodes[1].port}), each with its
 * position. Lookups fall back to the declared default; a value that failed its own check reads as null
 * so that cross-field rules skip it instead of piling follow-up errors onto one mistake.
 */
final class Bound {
    private final Map<String, Object> values = new HashMap<>();
    private final Map<String, Position> positions = new HashMap<>();
    private final Set<String> invalid = new HashSet<>();
    private final Map<String, Integer> listSizes = new HashMap<>();

    void put(String path, Object value, Position at) {
        values.put(path, value);
        positions.put(path, at);
    }

    void markInvalid(String path, Position at) {
        invalid.add(path);
        positions.put(path, at);
    }

    void section(String path, Position at) {
        positions.putIfAbsent(path, at);
    }

    void listSize(String path, int size, Position at) {
        listSizes.put(path, size);
        positions.put(path, at);
    }

    int listSize(String path) {
        return listSizes.getOrDefault(path, 0);
    }

    boolean isInvalid(String path) {
        return invalid.contains(path);
    }

    /** True when the file sets this path (validly or not). */
    boolean isWritten(String path) {
        return values.containsKey(path) || invalid.contains(path);
    }

    /** True when the file has this setting or section at all (validly or not). */
    boolean isPresent(String path) {
        return positions.containsKey(path) || isWritten(path);
    }

    /** The written value, else the declared default, else null (absent optional, or invalid). */
    Object get(String path) {
        if (invalid.contains(path)) {
            return null;
        }
        if (values.containsKey(path)) {
            return values.get(path);
        }
        return Schema.get(pattern(path)).defaultValue; // throws for an undeclared path: a typo in a rule
    }

    @SuppressWarnings("unchecked")
    <T> T get(String path, Class<T> type) {
        Object v = get(path);
        return type.isInstance(v) ? (T) v : null;
    }

    /** Where the setting is written; for an absent one, where its closest written enclosing section is. */
    Position at(String path) {
        for (String p = path; !p.isEmpty(); p = parentOf(p)) {
            Position at = positions.get(p);
            if (at != null) {
                return at;
            }
        }
        return Position.START;
    }

    /** The declaration pattern of a concrete path: list indices become {@code []}. */
    static String pattern(String concretePath) {
        return concretePath.replaceAll("\\[\\d+]", "[]");
    }

    private static String parentOf(String path) {
        if (path.endsWith("]")) {
            return path.substring(0, path.lastIndexOf('['));
        }
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "" : path.substring(0, dot);
    }
}
