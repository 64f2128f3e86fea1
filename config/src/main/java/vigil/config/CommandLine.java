package vigil.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits {@code node.services[].command} into argv, without a shell: words are separated by spaces or tabs; a word may
 * be quoted with '…' or "…" to hold spaces, and the quotes are removed; nothing is expanded. Characters that only a
 * shell would understand ({@code | & ; < > $ `} and the backslash) are refused outside single quotes, so that a line
 * written for a shell fails at load time instead of passing "|" to a program as an argument.
 */
final class CommandLine {
    private static final String SHELL_ONLY = "|&;<>$`\\";

    private CommandLine() {}

    /** The words, or throws with what to write instead. */
    static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (quote == '"' && (c == '$' || c == '`' || c == '\\')) {
                    throw refused(c);
                } else {
                    word.append(c);
                }
            } else if (c == ' ' || c == '\t') {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else {
                if (word == null) {
                    word = new StringBuilder();
                }
                if (c == '\'' || c == '"') {
                    quote = c;
                } else if (SHELL_ONLY.indexOf(c) >= 0) {
                    throw refused(c);
                } else {
                    word.append(c);
                }
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("the quote " + quote + " is not closed — close it, or remove it");
        }
        if (word != null) {
            words.add(word.toString());
        }
        if (words.isEmpty()) {
            throw new IllegalArgumentException("the command is empty — write the program and its arguments");
        }
        return words;
    }

    private static IllegalArgumentException refused(char c) {
        return new IllegalArgumentException("'" + c + "' means something only to a shell, and commands run without one"
                + " — put it in single quotes if the program should get it literally, or write the shell yourself:"
                + " /bin/sh -c '…'");
    }

    /** {@link #split}'s error message, or null: for {@link Setting#check}. */
    static String problem(Object line) {
        try {
            split((String) line);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }
}
