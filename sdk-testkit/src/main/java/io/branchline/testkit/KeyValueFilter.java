package io.branchline.testkit;

import java.util.ArrayList;
import java.util.List;

/**
 * App Configuration's key and label filters, as its REST API documents them: terms separated by {@code ,}, each an
 * exact value or a prefix ending in {@code *}; {@code \}, {@code *} and {@code ,} inside a term escaped with
 * {@code \}; {@code *} alone (or no filter) for any.
 */
final class KeyValueFilter {
    private KeyValueFilter() {
    }

    /** The filter's terms, unescaped; {@code null} for any. */
    static List<String> parse(List<String> param) {
        if (param == null || param.isEmpty() || param.get(0).equals("*")) {
            return null;
        }
        String f = param.get(0);
        List<String> out = new ArrayList<>();
        StringBuilder term = new StringBuilder();
        for (int i = 0; i < f.length(); i++) {
            char c = f.charAt(i);
            if (c == '\\' && i + 1 < f.length()) {
                term.append(f.charAt(++i) == '*' ? "\\*" : String.valueOf(f.charAt(i)));
            } else if (c == ',') {
                out.add(term.toString());
                term.setLength(0);
            } else {
                term.append(c);
            }
        }
        out.add(term.toString());
        return out;
    }

    static boolean matches(List<String> terms, String value) {
        if (terms == null) {
            return true;
        }
        for (String t : terms) {
            if (t.endsWith("*") && !t.endsWith("\\*") ? value.startsWith(t.substring(0, t.length() - 1))
                : value.equals(t.replace("\\*", "*"))) {
                return true;
            }
        }
        return false;
    }
}
