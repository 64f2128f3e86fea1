package vigil.config;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Matches the YAML tree against the {@link Schema}: reports unknown keys (with a suggestion), missing
 * required settings, wrong types and out-of-range values, and records every valid value in a {@link Bound}.
 */
final class Binder {
    private final Problems problems;
    private final Bound bound = new Bound();

    private Binder(Problems problems) {
        this.problems = problems;
    }

    static Bound bind(YamlNode root, Problems problems) {
        Binder b = new Binder(problems);
        if (root instanceof YamlNode.MapNode m) {
            b.bindSection("", "", m, Position.START);
        } else {
            problems.error("", root.at(), "the top level must be a mapping of settings, got "
                    + describe(root) + " — start the file with \"cluster:\" (see docs/configuration.md)");
        }
        return b.bound;
    }

    /** {@code ownerAt}: where the section's own key (or list dash) is, which "missing" errors point at. */
    private void bindSection(String pattern, String path, YamlNode.MapNode map, Position ownerAt) {
        bound.section(path, ownerAt);
        for (YamlNode.Entry e : map.entries().values()) {
            String childPath = join(path, e.key());
            Optional<Setting> s = Schema.find(join(pattern, e.key()));
            String refused = Schema.REFUSED.get(join(pattern, e.key()));
            if (refused != null) {
                problems.error(childPath, e.keyAt(), refused);
                continue;
            }
            if (s.isEmpty()) {
                problems.error(childPath, e.keyAt(), "unknown setting" + suggestion(pattern, e.key()));
                continue;
            }
            bindValue(s.get(), childPath, e.keyAt(), e.value());
        }
        for (Setting s : Schema.childrenOf(pattern)) {
            if (s.presence == Setting.Presence.REQUIRED && !map.entries().containsKey(s.key())) {
                String where = path.isEmpty() ? "at the top level" : "under " + path;
                problems.error(join(path, s.key()), ownerAt, "missing required setting — add \""
                        + s.key() + ":\" " + where + (s.example.isEmpty() ? "" : ", e.g. " + s.key() + ": " + s.example));
            }
        }
    }

    private void bindValue(Setting s, String path, Position keyAt, YamlNode node) {
        switch (s.type) {
            case SECTION -> {
                if (node instanceof YamlNode.MapNode m) {
                    bindSection(s.path, path, m, keyAt);
                } else if (node instanceof YamlNode.ScalarNode sc && sc.isNull()) {
                    // "timing:" with everything commented out: all defaults, but required settings are still missing
                    bindSection(s.path, path, new YamlNode.MapNode(keyAt, Map.of()), keyAt);
                } else {
                    typeError(path, node, "a mapping of settings (indented \"key: value\" lines)");
                }
            }
            case LIST -> bindList(s, path, keyAt, node);
            default -> {
                if (!(node instanceof YamlNode.ScalarNode sc)) {
                    typeError(path, node, "a single value (e.g. " + s.example + ")");
                    return;
                }
                ValueType.Parsed parsed = s.type.parse(sc, s.example);
                String error = parsed.error() != null ? parsed.error() : s.check.apply(parsed.value());
                if (error != null) {
                    problems.error(path, sc.at(), error);
                    bound.markInvalid(path, sc.at());
                } else {
                    bound.put(path, parsed.value(), sc.at());
                }
            }
        }
    }

    private void bindList(Setting s, String path, Position keyAt, YamlNode node) {
        if (!(node instanceof YamlNode.ListNode list)) {
            typeError(path, node, "a list of mappings, one per item, each starting with \"- \"");
            return;
        }
        bound.listSize(path, list.items().size(), keyAt);
        if (list.items().isEmpty()) {
            problems.error(path, keyAt, "the list is empty — add at least one entry");
        }
        for (int i = 0; i < list.items().size(); i++) {
            YamlNode item = list.items().get(i);
            String itemPath = path + "[" + i + "]";
            if (item instanceof YamlNode.MapNode m) {
                bindSection(s.path + "[]", itemPath, m, m.at());
            } else {
                typeError(itemPath, item, "a mapping such as \"- name: n1\" followed by indented settings");
            }
        }
    }

    private void typeError(String path, YamlNode node, String expected) {
        problems.error(path, node.at(), "expected " + expected + ", got " + describe(node) + " — fix the indentation or the value");
        bound.markInvalid(path, node.at());
    }

    private static String describe(YamlNode node) {
        if (node instanceof YamlNode.ScalarNode s) {
            return s.describe();
        }
        return node instanceof YamlNode.ListNode ? "a list" : "a mapping";
    }

    /** " — did you mean X?" for a close sibling, or where a setting with that name lives. */
    static String suggestion(String sectionPattern, String key) {
        List<Setting> siblings = Schema.childrenOf(sectionPattern);
        Optional<String> close = siblings.stream().map(Setting::key)
                .filter(k -> isClose(key, k))
                .min(Comparator.comparingInt(k -> distance(key, k)));
        String known = siblings.isEmpty() ? "" : " (known here: "
                + String.join(", ", siblings.stream().map(Setting::key).toList()) + ")";
        if (close.isPresent()) {
            return " — did you mean " + close.get() + "?";
        }
        Optional<Setting> elsewhere = Schema.SETTINGS.stream().filter(s -> s.key().equals(key)).findFirst();
        if (elsewhere.isPresent()) {
            return " — " + key + " belongs under " + elsewhere.get().parent() + known;
        }
        return " — remove it or check the spelling" + known;
    }

    private static boolean isClose(String typed, String known) {
        String a = typed.toLowerCase().replace('-', '_');
        return a.equals(known) || distance(a, known) <= Math.max(2, known.length() / 4)
                || (a.length() >= 4 && (known.startsWith(a) || a.startsWith(known)));
    }

    /** Levenshtein edit distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int subst = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(subst, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : a + "." + b;
    }
}
