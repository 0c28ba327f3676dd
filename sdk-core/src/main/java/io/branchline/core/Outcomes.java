package io.branchline.core;

import io.branchline.core.models.AttemptOutcome;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeoutException;

/** Classifies attempt failures and parses Retry-After. */
final class Outcomes {
    private Outcomes() {
    }

    static AttemptOutcome ofStatus(int status) {
        if (status < 400) {
            return AttemptOutcome.SUCCESS;
        }
        if (status == 429) {
            return AttemptOutcome.THROTTLED;
        }
        if (status == 408) {
            return AttemptOutcome.TIMEOUT;
        }
        if (status >= 500) {
            return AttemptOutcome.SERVER_ERROR;
        }
        return AttemptOutcome.CLIENT_ERROR;
    }

    static AttemptOutcome ofError(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String cls = t.getClass().getName();
            if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof NoRouteToHostException
                || t instanceof SSLHandshakeException || cls.equals("io.netty.channel.ConnectTimeoutException")
                || cls.startsWith("io.netty.handler.proxy.") || cls.equals("io.netty.channel.AbstractChannel$AnnotatedConnectException")
                || cls.equals("io.netty.resolver.dns.DnsResolveContext$SearchDomainUnknownHostException")) {
                return AttemptOutcome.CONNECT_FAILED;
            }
            if (t instanceof SSLException && String.valueOf(t.getMessage()).toLowerCase().contains("handshake")) {
                return AttemptOutcome.CONNECT_FAILED;
            }
            if (t instanceof TimeoutException || cls.equals("io.netty.handler.timeout.ReadTimeoutException")
                || cls.equals("io.netty.handler.timeout.WriteTimeoutException")
                || cls.equals("java.net.SocketTimeoutException")) {
                return AttemptOutcome.TIMEOUT;
            }
        }
        // anything else (connection reset after sending, body too large, a broken response) may have reached the server
        return AttemptOutcome.IO_ERROR;
    }

    /** A short, secret-free description of a failure. */
    static String describe(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = error.getMessage();
        String rootMsg = root == error ? null : root.getMessage();
        StringBuilder sb = new StringBuilder(error.getClass().getSimpleName());
        if (msg != null) {
            sb.append(": ").append(msg.length() > 200 ? msg.substring(0, 200) + "..." : msg);
        }
        if (rootMsg != null && !rootMsg.equals(msg)) {
            sb.append(" (caused by ").append(root.getClass().getSimpleName()).append(": ")
                .append(rootMsg.length() > 200 ? rootMsg.substring(0, 200) + "..." : rootMsg).append(')');
        }
        return Redaction.text(sb.toString());
    }

    /**
     * Parses Retry-After (seconds or an HTTP date) and the millisecond variants Azure services send.
     *
     * @return the delay, or {@code null} when absent or malformed
     */
    static Duration retryAfter(String retryAfter, String retryAfterMs, Clock clock) {
        if (retryAfterMs != null) {
            try {
                long ms = Long.parseLong(retryAfterMs.trim());
                if (ms >= 0) {
                    return Duration.ofMillis(ms);
                }
            } catch (NumberFormatException ignored) {
                // fall through to Retry-After
            }
        }
        if (retryAfter == null || retryAfter.isBlank()) {
            return null;
        }
        String v = retryAfter.trim();
        try {
            long s = Long.parseLong(v);
            return s < 0 ? null : Duration.ofSeconds(s);
        } catch (NumberFormatException ignored) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(clock.instant(), at.toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException e) {
                return null;
            }
        }
    }
}
