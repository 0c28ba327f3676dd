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
import java.util.Locale;
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
            if (t instanceof AttemptNotSentException) {
                return AttemptOutcome.NOT_SENT;
            }
            if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof NoRouteToHostException
                || t instanceof SSLHandshakeException || cls.equals("io.netty.channel.ConnectTimeoutException")
                || cls.startsWith("io.netty.handler.proxy.") || cls.equals("io.netty.channel.AbstractChannel$AnnotatedConnectException")
                || cls.equals("io.netty.resolver.dns.DnsResolveContext$SearchDomainUnknownHostException")
                || cls.startsWith("reactor.netty.internal.shaded.reactor.pool.PoolAcquire")
                || cls.equals("reactor.netty.internal.shaded.reactor.pool.PoolShutdownException")
                || isBadPort(t)) {
                return AttemptOutcome.CONNECT_FAILED;
            }
            if (t instanceof SSLException && String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT).contains("handshake")) {
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

    private static boolean isBadPort(Throwable t) {
        return t instanceof IllegalArgumentException && String.valueOf(t.getMessage()).startsWith("port out of range");
    }

    /**
     * A short, secret-free description of a failure in plain words: what happened on the network, not which library
     * class noticed it.
     */
    static String describe(Throwable error) {
        String plain = plain(error);
        if (plain != null) {
            return Redaction.text(plain);
        }
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
        return Redaction.text(internalsRemoved(sb.toString()));
    }

    /** Known failures, each in the words an operator would use; {@code null} when the failure is not known. */
    private static String plain(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String cls = t.getClass().getName();
            String msg = t.getMessage() == null ? "" : t.getMessage();
            if (t instanceof AttemptNotSentException || t instanceof TimeoutException
                || t instanceof ResponseTooLargeException) {
                return msg;
            }
            if (cls.equals("io.netty.handler.ssl.SslHandshakeTimeoutException")) {
                return "TLS handshake not finished in time: the server accepted the connection but did not answer"
                    + " the handshake (" + msg.replaceAll("^.*?(\\d+ ?ms).*$", "$1") + ")";
            }
            if (t instanceof SSLHandshakeException || t instanceof SSLException && msg.toLowerCase(Locale.ROOT).contains("handshake")) {
                // the deepest cause says why (an untrusted certificate, a name mismatch); the wrapper often does not
                Throwable root = t;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                String why = root.getMessage() == null ? msg : root.getMessage();
                return "TLS handshake failed: " + internalsRemoved(why);
            }
            if (cls.equals("io.netty.channel.ConnectTimeoutException")) {
                return "no connection within the connect timeout (" + internalsRemoved(msg) + ")";
            }
            if (cls.startsWith("io.netty.handler.proxy.")) {
                return "the proxy did not open a tunnel to the region (" + internalsRemoved(msg) + ")";
            }
            if (t instanceof ConnectException) {
                return "connection refused (" + internalsRemoved(msg) + ")";
            }
            if (t instanceof UnknownHostException || cls.endsWith("SearchDomainUnknownHostException")) {
                return "host name not found (DNS): " + internalsRemoved(msg);
            }
            if (t instanceof NoRouteToHostException) {
                return "no route to host: " + internalsRemoved(msg);
            }
            if (cls.equals("io.netty.handler.timeout.ReadTimeoutException")) {
                return "the response stalled: no data within the read timeout";
            }
            if (cls.equals("io.netty.handler.timeout.WriteTimeoutException")) {
                return "the request could not be written within the timeout";
            }
            if (cls.equals("reactor.netty.http.client.PrematureCloseException")) {
                return msg.contains("BEFORE response") ? "the server closed the connection before answering"
                    : "the server closed the connection during the response";
            }
            if (cls.startsWith("reactor.netty.internal.shaded.reactor.pool.PoolAcquireTimeout")) {
                return "no connection from the pool within the call's deadline (every pooled connection busy)";
            }
            if (cls.startsWith("reactor.netty.internal.shaded.reactor.pool.PoolAcquirePending")) {
                return "too many calls waiting for a pooled connection";
            }
            if (cls.equals("reactor.netty.internal.shaded.reactor.pool.PoolShutdownException")) {
                return "the connection pool was shut down (the client is closed)";
            }
            if (isBadPort(t)) {
                return "the region's port is out of range (" + msg + ")";
            }
            if (cls.equals("io.netty.channel.unix.Errors$NativeIoException") || t instanceof java.net.SocketException) {
                if (msg.toLowerCase(Locale.ROOT).contains("reset")) {
                    return "the connection was reset by the server";
                }
            }
            if (msg.startsWith("Error while acquiring from")) {
                continue; // a wrapper around the real failure: describe its cause
            }
        }
        return null;
    }

    /** Drops library object names such as {@code reactor.netty.internal....SimpleDequePool@1f652e88} from a message. */
    private static String internalsRemoved(String msg) {
        return msg.replaceAll("(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*@[0-9a-f]+", "a connection pool")
            .replaceAll("\\b(?:io\\.netty|reactor\\.netty|reactor\\.core)(?:\\.[A-Za-z0-9_$]+)+", "the transport");
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
