package io.branchline.core;

import com.azure.core.http.HttpClient;
import com.azure.core.http.ProxyOptions;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import com.azure.core.util.Configuration;
import io.branchline.core.models.TimeoutOptions;
import io.branchline.core.models.TlsOptions;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.transport.ProxyProvider;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;

/** Builds the default Netty transport: pooled connections with bounded life, timeouts, proxy and TLS trust. */
final class Transport {
    private Transport() {
    }

    static final class Built {
        final HttpClient client;
        final ConnectionProvider provider;

        Built(HttpClient client, ConnectionProvider provider) {
            this.client = client;
            this.provider = provider;
        }
    }

    /** A transport handed to another component: closing it releases its connection pool. */
    static final class Owned implements HttpClient, AutoCloseable {
        private final Built built;

        Owned(Built built) {
            this.built = built;
        }

        @Override
        public reactor.core.publisher.Mono<com.azure.core.http.HttpResponse> send(com.azure.core.http.HttpRequest request) {
            return built.client.send(request);
        }

        @Override
        public reactor.core.publisher.Mono<com.azure.core.http.HttpResponse> send(com.azure.core.http.HttpRequest request,
            com.azure.core.util.Context context) {
            return built.client.send(request, context);
        }

        @Override
        public void close() {
            built.provider.disposeLater().subscribe();
        }

        @Override
        public String toString() {
            return "Branchline transport";
        }
    }

    static Built create(TimeoutOptions timeouts, ProxyOptions proxy, TlsOptions tls, Duration dnsRefresh,
        boolean anyHttps) {
        // TLS settings first: when they fail, nothing has been started that would need releasing
        SslContext ssl = tls != null ? sslContext(tls) : anyHttps ? DefaultTls.CONTEXT : null;
        ConnectionProvider provider = ConnectionProvider.builder("branchline")
            .maxConnections(1000)
            .pendingAcquireMaxCount(-1)
            .pendingAcquireTimeout(timeouts.call())
            .maxIdleTime(dnsRefresh)
            .maxLifeTime(dnsRefresh)
            .evictInBackground(dnsRefresh)
            .build();
        reactor.netty.http.client.HttpClient base = reactor.netty.http.client.HttpClient.create(provider);
        if (proxy == null) {
            // Reactor Netty resolves names with Netty's asynchronous resolver; its cache honours each record's TTL and
            // is bounded here by dnsRefresh, so a private endpoint that moves is followed within that time. Through a
            // proxy, the proxy resolves the target: no local resolver is configured then.
            base = base.resolver(spec -> spec.cacheMaxTimeToLive(dnsRefresh).cacheNegativeTimeToLive(Duration.ofSeconds(1)));
        }
        // The TLS handshake is part of connecting: bounded by the connect timeout (Reactor Netty's default is 10 s),
        // and a handshake that fails or times out is CONNECT_FAILED, so even a POST may move to another region.
        // Reactor Netty applies it to https URLs only.
        if (ssl != null) {
            Duration handshake = timeouts.connect();
            base = base.secure(spec -> spec.sslContext(ssl).handshakeTimeout(handshake));
        }
        if (proxy != null) {
            base = withProxy(base, proxy, timeouts.connect());
        }
        // Configuration.NONE: without it azure-core-http-netty would pick up HTTPS_PROXY / https.proxyHost on its
        // own, even when no proxy was configured or proxyFromEnvironment(false) was asked for.
        NettyAsyncHttpClientBuilder b = new NettyAsyncHttpClientBuilder(base)
            .configuration(Configuration.NONE)
            .connectTimeout(timeouts.connect())
            .responseTimeout(timeouts.response())
            .readTimeout(timeouts.read())
            .writeTimeout(timeouts.response());
        return new Built(b.build(), provider);
    }

    /**
     * Configures the proxy on Reactor Netty itself rather than through azure-core-http-netty: with credentials
     * azure-core-http-netty answers the proxy's 407 challenge only on a later connection, so the first call of every
     * client through an authenticating proxy failed. Reactor Netty sends Basic credentials with the first CONNECT.
     * The proxy's host name is resolved on each new connection; the target's name is resolved by the proxy. The
     * proxy handshake is bounded by the connect timeout (Reactor Netty's default is 10 s).
     */
    static reactor.netty.http.client.HttpClient withProxy(reactor.netty.http.client.HttpClient base, ProxyOptions proxy,
        Duration connectTimeout) {
        ProxyProvider.Proxy type;
        switch (proxy.getType()) {
            case SOCKS4: type = ProxyProvider.Proxy.SOCKS4; break;
            case SOCKS5: type = ProxyProvider.Proxy.SOCKS5; break;
            default: type = ProxyProvider.Proxy.HTTP; break;
        }
        InetSocketAddress address = proxy.getAddress();
        String user = proxy.getUsername();
        String password = proxy.getPassword();
        String nonProxyHosts = proxy.getNonProxyHosts();
        return base.proxy(spec -> {
            ProxyProvider.Builder p = spec.type(type).host(address.getHostString()).port(address.getPort())
                .connectTimeoutMillis(connectTimeout.toMillis());
            if (user != null) {
                p.username(user).password(ignored -> password);
            }
            if (nonProxyHosts != null && !nonProxyHosts.isEmpty()) {
                p.nonProxyHosts(nonProxyHosts);
            }
        });
    }

    /** The JVM's default trust, built once per process on first use (loading the trust store is not cheap). */
    private static final class DefaultTls {
        static final SslContext CONTEXT = build();

        private static SslContext build() {
            try {
                return SslContextBuilder.forClient().build();
            } catch (javax.net.ssl.SSLException e) {
                throw new IllegalStateException("Cannot set up TLS with the JVM's default trust store: "
                    + e.getMessage(), e);
            }
        }
    }

    static SslContext sslContext(TlsOptions tls) {
        try {
            SslContextBuilder ssl = SslContextBuilder.forClient();
            if (tls.trustPem() != null || tls.trustStore() != null) {
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                int n = 0;
                if (tls.includeSystemTrust()) {
                    TrustManagerFactory def = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                    def.init((KeyStore) null);
                    for (var tm : def.getTrustManagers()) {
                        if (tm instanceof X509TrustManager) {
                            for (X509Certificate c : ((X509TrustManager) tm).getAcceptedIssuers()) {
                                trust.setCertificateEntry("system-" + n++, c);
                            }
                        }
                    }
                }
                if (tls.trustPem() != null) {
                    Collection<? extends Certificate> certs;
                    try (InputStream in = Files.newInputStream(tls.trustPem())) {
                        certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
                    }
                    if (certs.isEmpty()) {
                        throw new IllegalArgumentException("TLS trust PEM file " + tls.trustPem()
                            + " holds no certificate (branchline.tls.trust-pem): expected -----BEGIN CERTIFICATE----- blocks");
                    }
                    for (Certificate c : certs) {
                        trust.setCertificateEntry("pem-" + n++, c);
                    }
                }
                if (tls.trustStore() != null) {
                    KeyStore ks = KeyStore.getInstance(tls.trustStoreType());
                    try (InputStream in = Files.newInputStream(tls.trustStore())) {
                        ks.load(in, tls.trustStorePassword());
                    }
                    for (var aliases = ks.aliases(); aliases.hasMoreElements();) {
                        String alias = aliases.nextElement();
                        Certificate c = ks.getCertificate(alias);
                        if (c != null) {
                            trust.setCertificateEntry("store-" + n++, c);
                        }
                    }
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                ssl.trustManager(tmf);
            }
            if (tls.clientKeyStore() != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                char[] pw = tls.clientKeyStorePassword();
                try (InputStream in = Files.newInputStream(tls.clientKeyStore())) {
                    ks.load(in, pw);
                }
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, pw == null ? new char[0] : pw);
                ssl.keyManager(kmf);
            }
            return ssl.build();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("Cannot load the TLS settings (" + tls + "): " + e.getClass().getSimpleName()
                + ": " + Redaction.text(String.valueOf(e.getMessage()))
                + ". Check the file paths, their format (PEM / PKCS12 / JKS) and the passwords", e);
        }
    }
}
