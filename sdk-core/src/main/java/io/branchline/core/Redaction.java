package io.branchline.core;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/** Removes secrets from text that may reach logs, exceptions or telemetry. */
final class Redaction {
    static final String MASK = "***";
    private static final Pattern QUERY_SECRET =
        Pattern.compile("(?i)([?&;](?:code|sig|key|token|access_token|client_secret|password|apikey|api-key)=)[^&#\\s;]*");
    private static final Pattern USER_INFO = Pattern.compile("(?i)(https?://)[^/@\\s]+@");
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]+");
    private static final Pattern CONN_KEY =
        Pattern.compile("(?i)((?:InstrumentationKey|SharedAccessKey|AccountKey|Password|x-functions-key)\\s*[=:]\\s*)[^;\\s,]+");
    private static final Set<String> SECRET_HEADERS = Set.of("x-functions-key", "authorization", "proxy-authorization",
        "cookie", "set-cookie", "x-ms-client-principal", "ocp-apim-subscription-key");

    private Redaction() {
    }

    /** A URL with secret query values and user info masked. */
    static String url(String url) {
        if (url == null) {
            return null;
        }
        String s = USER_INFO.matcher(url).replaceAll("$1" + MASK + "@");
        return QUERY_SECRET.matcher(s).replaceAll("$1" + MASK);
    }

    /** Any text (an exception message from a lower layer, say) with known secret shapes masked. */
    static String text(String text) {
        if (text == null) {
            return null;
        }
        String s = url(text);
        s = BEARER.matcher(s).replaceAll("$1" + MASK);
        return CONN_KEY.matcher(s).replaceAll("$1" + MASK);
    }

    static boolean isSecretHeader(String name) {
        return SECRET_HEADERS.contains(name.toLowerCase(Locale.ROOT));
    }

    static String queryNames(Map<String, String> query) {
        StringJoiner j = new StringJoiner(", ", "{", "}");
        for (Map.Entry<String, String> e : query.entrySet()) {
            String n = e.getKey().toLowerCase(Locale.ROOT);
            boolean secret = n.equals("code") || n.contains("key") || n.contains("token") || n.contains("secret")
                || n.equals("sig") || n.contains("password");
            j.add(e.getKey() + "=" + (secret ? MASK : e.getValue()));
        }
        return j.toString();
    }
}
